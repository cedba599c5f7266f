//! Seeds a terminal's data directory with inspections through the terminal crate, as months of work would
//! leave it: the app's start-up spec (ui/e2e/startup.e2e.mjs) measures a cold start with 10,000 of them, which
//! one CLI process per inspection would take most of an hour to write.

use clap::Parser;
use fieldtrail_terminal::Terminal;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(about = "Seed a terminal's data directory with inspections (tests and benchmarks only)")]
struct Args {
    /// The terminal's data directory.
    #[arg(long)]
    data: PathBuf,
    /// How many inspections to add.
    #[arg(long)]
    count: u64,
    /// Their agency (the device's, or the server refuses them at sync).
    #[arg(long, default_value = fieldtrail_tests::AGENCY)]
    agency: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let terminal = Terminal::open(&args.data)?;
    fieldtrail_tests::seed_inspections(&terminal, args.count, &args.agency)?;
    println!("seeded {} inspections in {}", args.count, args.data.display());
    Ok(())
}
