//! Seed media, written byte by byte as cameras and recorders write them: MP4 boxes (`ftyp`, `mdat`, `moov/mvhd`
//! in both versions, a 64-bit size, a size-0 last box), RIFF/WAVE chunks, and JPEG and TIFF files with EXIF
//! time, orientation and GPS.

fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn mvhd(version: u8, timescale: u32, duration: u64) -> Vec<u8> {
    let mut p = vec![version, 0, 0, 0];
    if version == 0 {
        p.extend_from_slice(&[0; 8]); // creation, modification
        p.extend_from_slice(&timescale.to_be_bytes());
        p.extend_from_slice(&(duration as u32).to_be_bytes());
    } else {
        p.extend_from_slice(&[0; 16]);
        p.extend_from_slice(&timescale.to_be_bytes());
        p.extend_from_slice(&duration.to_be_bytes());
    }
    p.resize(p.len() + 80, 0); // rate, volume, matrix, next track id
    mp4_box(b"mvhd", &p)
}

pub fn mp4_seeds() -> Vec<Vec<u8>> {
    let ftyp = mp4_box(b"ftyp", b"isom\0\0\x02\0isommp41");
    let mdat = mp4_box(b"mdat", &[0x55; 24]);
    let moov = |version| mp4_box(b"moov", &[mp4_box(b"udta", b"").as_slice(), &mvhd(version, 1000, 5_250)].concat());
    // mdat with a 64-bit size, then moov.
    let mut large = ftyp.clone();
    large.extend_from_slice(&1u32.to_be_bytes());
    large.extend_from_slice(b"mdat");
    large.extend_from_slice(&32u64.to_be_bytes());
    large.extend_from_slice(&[0xaa; 16]);
    large.extend_from_slice(&moov(1));
    // moov last, with size 0: "to the end of the file".
    let mut open_ended = [ftyp.as_slice(), &mdat].concat();
    open_ended.extend_from_slice(&0u32.to_be_bytes());
    open_ended.extend_from_slice(b"moov");
    open_ended.extend_from_slice(&mvhd(0, 44_100, 441_000));
    vec![
        [ftyp.as_slice(), &mdat, &moov(0)].concat(),
        [ftyp.as_slice(), &moov(1), &mdat].concat(),
        large,
        open_ended,
        ftyp,
    ]
}

fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (kind, data) in chunks {
        body.extend_from_slice(*kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

fn fmt(extra: usize) -> Vec<u8> {
    // PCM, mono, 16 kHz, 32,000 bytes/s, block 2, 16 bits.
    let mut f = vec![1, 0, 1, 0];
    f.extend_from_slice(&16_000u32.to_le_bytes());
    f.extend_from_slice(&32_000u32.to_le_bytes());
    f.extend_from_slice(&[2, 0, 16, 0]);
    f.resize(16 + extra, 0);
    f
}

/// A short recording: PCM at 16 kHz, 100 samples.
pub fn wav() -> Vec<u8> {
    let samples: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
    riff(&[(b"fmt ", fmt(0)), (b"data", samples)])
}

pub fn wav_seeds() -> Vec<Vec<u8>> {
    let samples: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
    vec![
        riff(&[(b"fmt ", fmt(0)), (b"data", samples.clone())]),
        riff(&[(b"LIST", b"INFOISFT\x05\0\0\0sox\0\0".to_vec()), (b"fmt ", fmt(2)), (b"data", samples.clone())]),
        riff(&[(b"fmt ", fmt(0)), (b"fact", vec![1, 2, 3]), (b"data", samples[..101].to_vec())]),
        riff(&[(b"data", samples)]),
    ]
}

/// A little-endian TIFF with IFD0 (orientation 6, pointers to the EXIF and GPS IFDs), an EXIF IFD with
/// DateTimeOriginal, and a GPS IFD with latitude and longitude; the offsets are laid out by hand.
pub fn tiff() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }
    let (exif_ifd, date, gps_ifd, lat, lon) = (50u32, 68u32, 88u32, 142u32, 166u32);
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x0112, 3, 1, [6, 0, 0, 0]);
    entry(&mut t, 0x8769, 4, 1, exif_ifd.to_le_bytes());
    entry(&mut t, 0x8825, 4, 1, gps_ifd.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut t, 0x9003, 2, 20, date.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(b"2026:11:21 10:00:00\0");
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, lat.to_le_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, lon.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(40u32, 1u32), (45, 1), (2664, 100), (107, 1), (23, 1), (1572, 100)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    debug_assert_eq!(t.len(), 190);
    t
}

/// A JPEG whose APP1 segment holds [`tiff`].
pub fn jpeg_with_exif() -> Vec<u8> {
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff());
    let mut out = vec![0xff, 0xd8, 0xff, 0xe1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&[0xff, 0xdb, 0, 4, 0, 0, 0xff, 0xd9]);
    out
}

pub fn exif_seeds() -> Vec<Vec<u8>> {
    let mut big_endian = b"MM\0*".to_vec();
    big_endian.extend_from_slice(&8u32.to_be_bytes());
    big_endian.extend_from_slice(&1u16.to_be_bytes());
    big_endian.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0]);
    big_endian.extend_from_slice(&0u32.to_be_bytes());
    vec![jpeg_with_exif(), tiff(), big_endian]
}
