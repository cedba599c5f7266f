//! Sizes for the benchmarks: each bench runs at its full size under `cargo bench`, and in a tiny smoke size when
//! `FIELDTRAIL_BENCH_SMOKE=1` (the test script runs every bench that way, so none can rot unnoticed). An
//! explicit environment variable of the bench's own always wins.

/// Whether the benches run in their smoke size.
pub fn smoke() -> bool {
    std::env::var("FIELDTRAIL_BENCH_SMOKE").is_ok_and(|v| v == "1")
}

/// The size `name` from the environment, else `smoke` in a smoke run, else `full`.
pub fn size(name: &str, full: u64, smoke_size: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(if smoke() { smoke_size } else { full })
}
