//! `fieldtrail-server --data DIR --listen ADDR`: runs the sync server on its embedded SQLite store.

use clap::Parser;
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
