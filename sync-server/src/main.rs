//! `fieldtrail-server --data DIR --listen ADDR`: runs the sync server on its embedded SQLite store.
//! `fieldtrail-server --data DIR verify`: re-hashes every evidence file the server keeps (SYNC-4) and checks
//! the log (TRAIL-2): the tree recomputed from its leaves, every stored change in it, every signed head, and
//! consistency with earlier heads given with `--since-sth`.
//! `fieldtrail-server --data DIR admin …`: the issuing authority's and the device registry's commands.

mod cli_admin;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// FieldTrail sync server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Data directory: server.db and the blobs/ folder live here.
    #[arg(long, env = "FIELDTRAIL_DATA", default_value = "fieldtrail-server-data")]
    data: PathBuf,
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "FIELDTRAIL_LISTEN", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "FIELDTRAIL_MAX_BODY", default_value_t = fieldtrail_server::DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Without a command, the server runs.
    #[command(subcommand)]
    command: Option<ServerCommand>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once at start-up; boxing would only add noise
enum ServerCommand {
    /// Re-hash every stored evidence file and check the log; list every problem and exit non-zero if any.
    Verify {
        /// An earlier signed tree head (JSON, as `GET /v1/log/sth` returns it) the log must be consistent
        /// with; repeatable (two heads of the same size with different roots are a fork).
        #[arg(long = "since-sth")]
        since_sth: Vec<PathBuf>,
    },
    /// Administer certificates and terminals.
    Admin {
        /// The authority's private key file (default: DATA/authority.key).
        #[arg(long, env = "FIELDTRAIL_AUTHORITY_KEY")]
        key: Option<PathBuf>,
        /// Who is acting, recorded with every change (default: the login name).
        #[arg(long)]
        by: Option<String>,
        #[command(subcommand)]
        command: cli_admin::AdminCommand,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIELDTRAIL_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if let Some(ServerCommand::Admin { key, by, command }) = args.command {
        return cli_admin::run(&args.data, key, &cli_admin::actor(by), command);
    }
    if let Some(ServerCommand::Verify { since_sth }) = &args.command {
        let store = fieldtrail_server::SqliteStore::open(&args.data)?;
        let report = fieldtrail_server::blobs::verify(&store, &args.data)?;
        print!("{}", report.render());
        let log = verify_log(&store, &args.data, since_sth)?;
        std::process::exit(if report.is_clean() && log { 0 } else { 1 });
    }
    let config = fieldtrail_server::Config { data_dir: args.data, listen: args.listen, max_body: args.max_body };
    let server = fieldtrail_server::Server::bind(&config).await?;
    // Tests and scripts read this line to learn the port.
    println!("listening on http://{}", server.local_addr()?);
    tracing::info!(data = %config.data_dir.display(), "fieldtrail-server started");
    server.serve(shutdown()).await?;
    tracing::info!("fieldtrail-server stopped");
    Ok(())
}

/// The log part of `verify`; true when clean.
fn verify_log(
    store: &fieldtrail_server::SqliteStore,
    data: &std::path::Path,
    since: &[PathBuf],
) -> anyhow::Result<bool> {
    use anyhow::Context;
    use fieldtrail_server::store::Store;
    let key = match fieldtrail_server::trail::LogKey::load(data) {
        Ok(key) => key,
        // A data directory no server has run on yet has no log to check.
        Err(_) if store.transact(|tx| Ok(tx.log_size()? == 0 && tx.latest_tree_head()?.is_none()))? => {
            println!("log: empty (no log key yet: the server has not run on this data directory)");
            return Ok(true);
        }
        Err(e) => anyhow::bail!("the log cannot be checked without its key: {e}"),
    };
    let given = since
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not a signed tree head", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let report = fieldtrail_server::trail::verify(store, key.public_key(), &given)?;
    for p in &report.problems {
        println!("{:<24} {}", p.code, p.detail);
    }
    for (code, n) in report.unlisted() {
        println!("{code:<24} … and {n} more");
    }
    // SEC-6: a restore is history, not a problem; the terminals re-sent what it lost.
    for r in &report.restores {
        println!(
            "restore                  {} device {} showed a signed head of {} entries (root {}) the log no longer had; the log held {} (restore leaf {})",
            r.detected_at, r.device, r.lost_head.size, r.lost_head.root, r.log_size, r.leaf_index
        );
    }
    let latest = report.latest.as_ref().map_or("none".to_owned(), |h| format!("size {} root {}", h.size, h.root));
    println!(
        "log: {} leaves, {} nodes, {} changes, {} signed heads and {} given head(s) checked; newest head {latest}; {} restore(s) from a backup; {} problem(s)",
        report.leaves,
        report.nodes_checked,
        report.changes_checked,
        report.heads_checked,
        given.len(),
        report.restores.len(),
        report.problems.len() as u64 + report.unlisted().values().sum::<u64>()
    );
    Ok(report.is_clean())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
