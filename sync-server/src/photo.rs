//! The holder's photo thumbnail in a certificate: small enough that certificate and presentation fit one QR
//! code a phone reads at arm's length, large enough to recognise a face. Greyscale halves the JPEG (measured in
//! the identity benchmark: 833 instead of 1,442 bytes for a detailed photograph, QR version 26 instead of 31).

use image::{ImageReader, Limits};
use std::io::Cursor;

/// Width and height of the thumbnail, in pixels (3:4, like an ID photo).
pub const WIDTH: u32 = 48;
pub const HEIGHT: u32 = 64;
/// JPEG quality: the trade of recognisability against QR size, measured in the identity benchmark.
pub const QUALITY: u8 = 50;

/// A JPEG thumbnail of `photo` (JPEG or PNG). Decoding has limits, so a decompression bomb is refused.
pub fn thumbnail(photo: &[u8]) -> Result<Vec<u8>, String> {
    let mut reader = ImageReader::new(Cursor::new(photo)).with_guessed_format().map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| format!("not a readable JPEG or PNG: {e}"))?;
    let small = image.resize_to_fill(WIDTH, HEIGHT, image::imageops::FilterType::Triangle).to_luma8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&small)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
