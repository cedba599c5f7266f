//! What a file is, from its bytes (REC-2): media type sniffed from the content (never the name), EXIF time,
//! GPS and orientation of photos, duration of audio and video where the container states it, and thumbnails
//! decoded under limits so a decompression bomb or a corrupt file is refused instead of taking the app down.

use crate::error::{Error, Result};
use fieldtrail_core::MediaKind;
use image::{ImageDecoder, ImageReader, Limits};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Largest width or height of a photo we decode: above any phone camera (a 200-MP sensor is 16320 wide).
pub const MAX_IMAGE_SIDE: u32 = 20_000;
/// Most memory a decode may allocate.
pub const MAX_IMAGE_ALLOC: u64 = 512 * 1024 * 1024;
/// Thumbnails fit in a square of this side.
pub const THUMB_SIDE: u32 = 320;

/// What the bytes say about a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub exif_time: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub orientation: Option<u16>,
    pub duration_ms: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// The media type and kind of a file from its first bytes.
pub fn sniff(head: &[u8]) -> Result<(String, MediaKind)> {
    let Some(t) = infer::get(head) else {
        return Err(Error::EvidenceUnsupported("the content matches no known photo, audio or video format".into()));
    };
    let mime = t.mime_type();
    let kind = match t.matcher_type() {
        infer::MatcherType::Image => MediaKind::Photo,
        infer::MatcherType::Audio => MediaKind::Audio,
        infer::MatcherType::Video => MediaKind::Video,
        _ => return Err(Error::EvidenceUnsupported(format!("the content is {mime}"))),
    };
    Ok((mime.to_owned(), kind))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::EvidenceIo { path: path.display().to_string(), source }
}

/// Reads the metadata of the file at `path`, of the given media type.
pub fn probe(path: &Path, media_type: &str, kind: MediaKind) -> Result<Probe> {
    let mut probe = Probe::default();
    match kind {
        MediaKind::Photo => {
            read_exif(path, &mut probe);
            if decodable(media_type) {
                let (w, h) = dimensions(path)?;
                probe.width = Some(w);
                probe.height = Some(h);
            }
        }
        MediaKind::Audio | MediaKind::Video => {
            let mut file = BufReader::new(File::open(path).map_err(io(path))?);
            // A container we cannot read a duration from is still evidence; the duration is just unknown.
            probe.duration_ms = match media_type {
                "audio/x-wav" | "audio/wav" => wav_duration_ms(&mut file).ok().flatten(),
                _ => mp4_duration_ms(&mut file).ok().flatten(),
            };
        }
    }
    Ok(probe)
}

/// Photos the image crate is built to decode (and so thumbnail).
pub fn decodable(media_type: &str) -> bool {
    matches!(media_type, "image/jpeg" | "image/png")
}

fn read_exif(path: &Path, probe: &mut Probe) {
    let Ok(file) = File::open(path) else { return };
    exif_probe(&mut BufReader::new(file), probe);
}

/// Fills the EXIF time, GPS position and orientation of a photo from its container's bytes. No EXIF, or EXIF
/// we cannot parse, is normal for a PNG or a screenshot: the fields stay empty.
pub fn exif_probe<R: std::io::BufRead + Seek>(r: &mut R, probe: &mut Probe) {
    use exif::{In, Tag, Value};
    let Ok(exif) = exif::Reader::new().read_from_container(r) else { return };
    if let Some(f) = exif.get_field(Tag::DateTimeOriginal, In::PRIMARY).or(exif.get_field(Tag::DateTime, In::PRIMARY))
        && let Value::Ascii(ref v) = f.value
        && let Some(s) = v.first()
    {
        probe.exif_time = Some(String::from_utf8_lossy(s).trim().to_owned());
    }
    probe.orientation =
        exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0)).map(|v| v as u16);
    let coord = |tag: Tag, reference: Tag, negative: u8| -> Option<f64> {
        let f = exif.get_field(tag, In::PRIMARY)?;
        let Value::Rational(ref parts) = f.value else { return None };
        let [d, m, s] = parts.get(0..3)? else { return None };
        let value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match exif.get_field(reference, In::PRIMARY).map(|f| &f.value) {
            Some(Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
            _ => 1.0,
        };
        Some(sign * value).filter(|v| v.is_finite())
    };
    probe.latitude = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S');
    probe.longitude = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W');
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    limits
}

fn reader(path: &Path) -> Result<ImageReader<BufReader<File>>> {
    let mut reader = ImageReader::open(path).map_err(io(path))?.with_guessed_format().map_err(io(path))?;
    reader.limits(limits());
    Ok(reader)
}

fn refused(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::ImageRefused(format!(
            "the image is larger than this terminal decodes ({l}; at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE})"
        )),
        other => Error::ImageRefused(format!("the image is corrupt or truncated: {other}")),
    }
}

/// Width and height from the header, checked against the limits before any pixel is decoded.
pub fn dimensions(path: &Path) -> Result<(u32, u32)> {
    // The header is read without the size limits, so the refusal can say what the image declares.
    let mut header = reader(path)?;
    let mut only_alloc = Limits::default();
    only_alloc.max_alloc = Some(MAX_IMAGE_ALLOC);
    header.limits(only_alloc);
    let (w, h) = header.into_dimensions().map_err(refused)?;
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
        return Err(Error::ImageRefused(format!(
            "the image declares {w}×{h} pixels, more than this terminal decodes ({MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE})"
        )));
    }
    Ok((w, h))
}

/// Decodes a photo under limits, turns it upright by its EXIF orientation and encodes a JPEG thumbnail.
pub fn thumbnail(path: &Path, out: &Path) -> Result<()> {
    dimensions(path)?;
    let mut decoder = reader(path)?.into_decoder().map_err(refused)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(refused)?;
    img.apply_orientation(orientation);
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE).into_rgb8();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let file = File::create(out).map_err(io(out))?;
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, 80)
        .encode_image(&thumb)
        .map_err(|e| Error::ImageRefused(format!("cannot encode the thumbnail: {e}")))?;
    Ok(())
}

/// JPEGs end with an EOI marker; a file cut short in transfer does not, even when the decoder pads it grey.
pub fn check_jpeg_complete(path: &Path) -> Result<()> {
    let mut file = File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    // Some cameras append a trailer after EOI, so look for the marker near the end, not only at the last bytes.
    let tail_len = len.min(64 * 1024);
    file.seek(SeekFrom::Start(len - tail_len)).map_err(io(path))?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).map_err(io(path))?;
    if tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
        Ok(())
    } else {
        Err(Error::ImageRefused("the JPEG is truncated: it has no end-of-image marker".into()))
    }
}

/// Most boxes or chunks a duration reader walks before giving up: a real file has a few dozen at its top level
/// and in `moov`; a crafted one of tiny boxes could otherwise keep the reader seeking for a long time.
const MAX_BOXES: usize = 10_000;

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

/// Duration of an MP4 / M4A / QuickTime file from `moov/mvhd`, walking the box headers and seeking over the
/// payloads (the media data can be gigabytes and may come before `moov`). Box sizes are the file's claims:
/// a size that runs past its parent, or past `u64`, is an error, never arithmetic that wraps (SEC-8).
pub fn mp4_duration_ms<R: Read + Seek>(r: &mut R) -> std::io::Result<Option<u64>> {
    let end = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let Some((moov_start, moov_end)) = find_box(r, 0, end, b"moov")? else { return Ok(None) };
    let Some((mvhd_start, mvhd_end)) = find_box(r, moov_start, moov_end, b"mvhd")? else { return Ok(None) };
    r.seek(SeekFrom::Start(mvhd_start))?;
    let mut body = vec![0u8; (mvhd_end - mvhd_start).min(128) as usize];
    r.read_exact(&mut body)?;
    let be32 = |b: &[u8], at: usize| b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64);
    let be64 = |b: &[u8], at: usize| {
        b.get(at..at + 8).map(|s| u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
    };
    let (timescale, duration) = match body.first() {
        Some(0) => (be32(&body, 12), be32(&body, 16)),
        Some(1) => (be32(&body, 20), be64(&body, 24)),
        _ => return Ok(None),
    };
    Ok(match (timescale, duration) {
        (Some(ts), Some(d)) if ts > 0 && d != u32::MAX as u64 && d != u64::MAX => {
            u64::try_from(d as u128 * 1000 / ts as u128).ok()
        }
        _ => None,
    })
}

/// Finds the first box of type `kind` between `start` and `end`; returns its payload's range. Every box moves
/// the position forward by at least its 8-byte header, and at most [`MAX_BOXES`] are read.
fn find_box<R: Read + Seek>(r: &mut R, start: u64, end: u64, kind: &[u8; 4]) -> std::io::Result<Option<(u64, u64)>> {
    let mut at = start;
    for _ in 0..MAX_BOXES {
        if at.checked_add(8).is_none_or(|h| h > end) {
            return Ok(None);
        }
        r.seek(SeekFrom::Start(at))?;
        let mut header = [0u8; 8];
        r.read_exact(&mut header)?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as u64;
        let (size, header_len) = match size32 {
            0 => (end - at, 8),
            1 => {
                let mut large = [0u8; 8];
                r.read_exact(&mut large)?;
                (u64::from_be_bytes(large), 16)
            }
            n => (n, 8),
        };
        let box_end = at.checked_add(size).ok_or_else(|| invalid("an MP4 box size runs past the end of any file"))?;
        if size < header_len || box_end > end {
            return Err(invalid("an MP4 box is larger than the box or file that holds it"));
        }
        if &header[4..8] == kind {
            return Ok(Some((at + header_len, box_end)));
        }
        at = box_end;
    }
    Err(invalid("an MP4 file with more boxes than any real recording"))
}

/// Duration of a RIFF/WAVE file: the `data` chunk's length over the `fmt ` chunk's byte rate. Chunks are
/// walked forward only (a `fmt ` chunk shorter than its fields is an error, not a seek backwards).
pub fn wav_duration_ms<R: Read + Seek>(r: &mut R) -> std::io::Result<Option<u64>> {
    r.seek(SeekFrom::Start(0))?;
    let mut riff = [0u8; 12];
    r.read_exact(&mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Ok(None);
    }
    let mut byte_rate = None;
    for _ in 0..MAX_BOXES {
        let mut header = [0u8; 8];
        if r.read_exact(&mut header).is_err() {
            return Ok(None);
        }
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as i64;
        // Chunks are padded to an even length.
        let padded = size + size % 2;
        match &header[0..4] {
            b"fmt " => {
                if size < 16 {
                    return Err(invalid("a WAV fmt chunk shorter than its 16 bytes of fields"));
                }
                let mut fmt = [0u8; 12];
                r.read_exact(&mut fmt)?;
                byte_rate = Some(u32::from_le_bytes([fmt[8], fmt[9], fmt[10], fmt[11]]) as u64);
                r.seek(SeekFrom::Current(padded - 12))?;
            }
            b"data" => {
                return Ok(byte_rate.filter(|&b| b > 0).map(|b| size as u64 * 1000 / b));
            }
            _ => {
                r.seek(SeekFrom::Current(padded))?;
            }
        }
    }
    Err(invalid("a WAV file with more chunks than any real recording"))
}
