//! fieldtrail-server: the sync server.
//!
//! Terminals POST batches of automerge sync messages to `/v1/sync` (docs/protocol.md); the server merges them
//! into its store, keeps every change with who delivered it and when, and offers each terminal the documents
//! that changed since its cursor. Storage sits behind [`store::Store`]: SQLite in the data directory by default.
#![forbid(unsafe_code)]

mod error;
pub mod routes;
pub mod store;
pub mod sync;

pub use error::ApiError;
pub use store::SqliteStore;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The default limit on a request body: far above any inspection document, far below what hurts the server.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub max_body: usize,
}

/// A server bound to its address, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
}

impl Server {
    /// Opens the store in `config.data_dir` and binds `config.listen` (port 0 picks a free port).
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(config.data_dir.join("blobs"))?;
        let store = SqliteStore::open(&config.data_dir)?;
        let state = Arc::new(routes::AppState { store, max_body: config.max_body });
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Server { listener, app: routes::router(state) })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the requests under way.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.app).with_graceful_shutdown(shutdown).await
    }
}
