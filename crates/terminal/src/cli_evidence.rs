//! The `evidence` and `verify` commands of `fieldtrail-terminal` (REC-2, SYNC-3).

use anyhow::Context;
use clap::Subcommand;
use fieldtrail_core::{AbsenceReason, Fix, Position, PositionSource};
use fieldtrail_terminal::{Capture, Terminal, UploadOptions, UploadOutcome};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Take a file into an inspection; prints its SHA-256.
    Add {
        inspection: String,
        file: PathBuf,
        /// Where the device is as LATITUDE,LONGITUDE,ACCURACY_M, signed with the evidence (REC-2); without it
        /// the evidence records that this device has no position source.
        #[arg(long, allow_hyphen_values = true)]
        position: Option<String>,
        /// The capturing officer's certificate number; with --pin, the officer signs the evidence.
        #[arg(long)]
        officer: Option<String>,
        /// The officer's PIN, to sign as the officer.
        #[arg(long, env = "FIELDTRAIL_PIN", requires = "officer")]
        pin: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List an inspection's evidence.
    List {
        inspection: String,
        #[arg(long)]
        json: bool,
    },
    /// Upload evidence the server does not have yet, resuming interrupted uploads.
    Upload {
        #[arg(long, env = "FIELDTRAIL_SERVER")]
        server: String,
        /// Only this file (SHA-256); default: every file not yet on the server.
        sha256: Option<String>,
        /// Bytes per request.
        #[arg(long, default_value_t = 8 * 1024 * 1024)]
        chunk_size: usize,
    },
    /// Print where a file's bytes and thumbnail are.
    Path { sha256: String },
}

pub async fn run(terminal: &Terminal, cmd: EvidenceCommand) -> anyhow::Result<()> {
    match cmd {
        EvidenceCommand::Add { inspection, file, position, officer, pin, json } => {
            let signer = match (&officer, pin) {
                (Some(number), Some(pin)) => Some(std::sync::Arc::new(terminal.unlock(number, &pin)?)),
                _ => None,
            };
            let capture = Capture {
                position: self::position(position.as_deref())?,
                officer,
                signer,
                original_name: String::new(),
            };
            let evidence = terminal
                .add_evidence_file(&inspection, &file, &capture)
                .with_context(|| format!("taking {} into inspection {inspection}", file.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&evidence)?);
            } else {
                println!("{}", evidence.sha256);
            }
        }
        EvidenceCommand::List { inspection, json } => {
            let list = terminal.list_evidence(&inspection)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for e in list {
                    let place = match (e.latitude, e.longitude) {
                        (Some(lat), Some(lon)) => format!("{lat:.5},{lon:.5}"),
                        _ => "-".into(),
                    };
                    let signed = if Terminal::verify_evidence_signature(&e) { "signed" } else { "BAD SIGNATURE" };
                    println!(
                        "{}  {:<6} {:<12} {:>12}  {}  {}  [{}]  {}  {}",
                        e.sha256,
                        e.kind,
                        e.media_type,
                        e.size,
                        e.captured_at,
                        place,
                        describe(e.position.as_ref()),
                        signed,
                        e.original_name
                    );
                }
            }
        }
        EvidenceCommand::Upload { server, sha256, chunk_size } => {
            let hashes = match sha256 {
                Some(sha) => vec![sha],
                None => terminal.evidence_to_upload(&server)?,
            };
            let options = UploadOptions { chunk_size, ..UploadOptions::default() };
            for sha in hashes {
                let mut last = 0u64;
                let outcome = terminal
                    .upload_evidence(&server, &sha, &options, |done, total| {
                        // One line per ~5%: enough for a log, not a flood.
                        if done == total || done >= last + total / 20 {
                            last = done;
                            eprint!("\r{sha}  {done}/{total} bytes ({}%)", done * 100 / total.max(1));
                            let _ = std::io::stderr().flush();
                        }
                    })
                    .await?;
                eprintln!();
                match outcome {
                    UploadOutcome::AlreadyOnServer => println!("{sha}  already on the server"),
                    UploadOutcome::Uploaded { bytes_sent, resumed_from, retries } => println!(
                        "{sha}  uploaded: {bytes_sent} bytes sent, resumed from {resumed_from}, {retries} retries"
                    ),
                }
            }
        }
        EvidenceCommand::Path { sha256 } => {
            println!("{}", terminal.evidence_path(&sha256)?.display());
            if let Some(thumb) = terminal.evidence_thumbnail(&sha256)? {
                println!("{}", thumb.display());
            }
        }
    }
    Ok(())
}

/// The position typed after `--position` (LATITUDE,LONGITUDE,ACCURACY_M), a fix taken now and entered by
/// hand; without one, the truth for a command line: no position source.
pub fn position(text: Option<&str>) -> anyhow::Result<Position> {
    match text {
        None => Ok(Position::absent(AbsenceReason::NoSource)),
        Some(t) => Ok(Position::Fix(Fix::parse(t, chrono::Utc::now(), PositionSource::Entered)?)),
    }
}

/// One line for a recorded position: the fix with its accuracy, time and source, or why there is none.
pub fn describe(position: Option<&Position>) -> String {
    match position {
        None => "position not recorded (before positions)".into(),
        Some(p) => p.to_string(),
    }
}

/// `verify`: exits with status 1 when any file is missing or changed, or any receipt does not verify.
pub fn verify(terminal: &Terminal) -> anyhow::Result<()> {
    let report = terminal.verify_evidence()?;
    print!("{}", report.render());
    // SYNC-5, TRAIL-1: every kept receipt still verifies and names changes this terminal holds.
    let receipts = terminal.verify_receipts()?;
    for problem in &receipts.problems {
        println!("receipt  {problem}");
    }
    println!(
        "{} receipt(s) checked covering {} delivered change(s): {} problem(s)",
        receipts.receipts,
        receipts.changes,
        receipts.problems.len()
    );
    // SEC-6: receipts of a log the server lost in a restore still verify (they are what it signed then); the
    // restore is reported as what happened to the server, not as a problem of this terminal.
    for r in terminal.server_restores()? {
        let proof = match (&r.reported_at, &r.refused) {
            (Some(at), None) => format!("the server recorded it at {at}"),
            (_, Some(why)) => format!("the server refused the proof: {why}"),
            _ => "not yet shown to the server".to_owned(),
        };
        // Receipts of a tree larger than the server's log then certainly name lost entries; smaller ones may.
        let receipts = match r.lost_receipts {
            0 => "receipts received before may name entries of the lost log".to_owned(),
            n => format!("at least {n} receipt(s) received before name entries of the lost log"),
        };
        println!(
            "restore  {} was restored from a backup (detected {}): {}; {receipts} (up to tree size {}), whose \
             changes were sent again; {proof}",
            r.server, r.detected_at, r.reason, r.lost_head.size
        );
    }
    if !report.is_clean() || !receipts.is_clean() {
        std::process::exit(1);
    }
    Ok(())
}
