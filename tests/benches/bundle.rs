//! Case bundle benchmark (TRAIL-3): export and offline verification of a case with 50 evidence files.
//!
//! `cargo bench -p fieldtrail-tests --bench bundle`; `FT_EVIDENCE=50 FT_PHOTO_PX=2000` to change the case.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use fieldtrail_core::Edit;
use fieldtrail_terminal::{Capture, Terminal};
use std::time::Instant;

fn main() {
    use fieldtrail_tests::bench::size;
    let (count, px) = (size("FT_EVIDENCE", 50, 3) as u32, size("FT_PHOTO_PX", 1600, 200) as u32);
    let dir = tempfile::TempDir::new().unwrap();
    let t = Terminal::open(dir.path().join("t")).unwrap();
    let id = t.create_inspection(&fieldtrail_tests::sample_inspection("临河区某超市")).unwrap();
    let mut total = 0u64;
    for n in 0..count {
        // A photo-sized JPEG per file, each different (noise), so nothing deduplicates.
        let mut seed = 0x9e37_79b9_u32 ^ n;
        let img = image::RgbImage::from_fn(px, px * 3 / 4, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            image::Rgb([(x / 7) as u8 ^ (seed as u8 & 15), (y / 5) as u8, (seed >> 8) as u8 & 63])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&img).unwrap();
        total += jpeg.len() as u64;
        t.add_evidence(&id, jpeg.as_slice(), &Capture::default()).unwrap();
    }
    t.edit(&id, &[Edit::SetResult("合格".into())]).unwrap();
    let bundle = dir.path().join("case.ftbundle");
    let started = Instant::now();
    t.export_bundle(&id, &bundle).unwrap();
    let export_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let report = fieldtrail_terminal::bundle::verify_bundle(&bundle, &[], &[]).unwrap();
    let verify_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(report.is_clean(), "{}", report.render());
    let size = std::fs::metadata(&bundle).unwrap().len();
    println!("case bundle benchmark: {count} evidence files, {:.1} MiB of evidence", total as f64 / 1048576.0);
    println!("  bundle size          {:>8.1} MiB", size as f64 / 1048576.0);
    println!("  export               {export_ms:>8.0} ms");
    println!(
        "  verify offline       {verify_ms:>8.0} ms ({} checks, {:.0} MB/s hashed)",
        report.checks.len(),
        size as f64 / 1e6 / (verify_ms / 1000.0)
    );
}
