//! `fieldtrail-server --data DIR --listen ADDR`: runs the sync server on its embedded SQLite store.
//! `fieldtrail-server --data DIR verify`: re-hashes every evidence file the server keeps (SYNC-4).
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
    /// Re-hash every stored evidence file; list missing or changed ones and exit non-zero if there are any.
    Verify,
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
    if let Some(ServerCommand::Verify) = &args.command {
        let store = fieldtrail_server::SqliteStore::open(&args.data)?;
        let report = fieldtrail_server::blobs::verify(&store, &args.data)?;
        for sha in &report.missing {
            println!("missing  {sha}");
        }
        for sha in &report.changed {
            println!("changed  {sha}");
        }
        println!(
            "{} evidence file(s) checked: {} missing, {} changed",
            report.checked,
            report.missing.len(),
            report.changed.len()
        );
        std::process::exit(if report.is_clean() { 0 } else { 1 });
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
