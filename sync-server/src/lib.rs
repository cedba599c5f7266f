//! fieldtrail-server: the sync server.
//!
//! Terminals POST batches of automerge sync messages to `/v1/sync` (docs/protocol.md); the server merges them
//! into its store, keeps every change with who delivered it and when, and offers each terminal the documents
//! that changed since its cursor. Storage sits behind [`store::Store`]: SQLite in the data directory by default.
#![forbid(unsafe_code)]

pub mod auth;
pub mod authority;
pub mod authz;
pub mod blobs;
pub mod devices;
mod error;
pub mod lock_rule;
pub mod log_routes;
pub mod photo;
pub mod restore;
pub mod routes;
pub mod shares;
pub mod store;
pub mod sync;
pub mod trail;
pub mod uploads;
pub mod verify_page;

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
        let log_key = Arc::new(trail::LogKey::load_or_create(&config.data_dir)?);
        let adopted = trail::adopt_history(&store, &log_key)?;
        if adopted > 0 {
            tracing::info!(adopted, "changes stored before the log existed joined the log");
        }
        let state = Arc::new(routes::AppState { store, max_body: config.max_body, log_key: log_key.clone() });
        let listener = TcpListener::bind(config.listen).await?;
        // Uploads get their own store handle: a long hash of a finished upload never holds up sync requests.
        let uploads =
            Arc::new(uploads::UploadState::new(SqliteStore::open(&config.data_dir)?, config.data_dir.clone(), log_key));
        // Uploads are signed like sync, over method and path: their bodies stream, checked by SHA-256 instead.
        let auth = axum::middleware::from_fn_with_state(state.clone(), auth::require_device::<SqliteStore>);
        let app = routes::router(state).merge(uploads::router(uploads).route_layer(auth));
        Ok(Server { listener, app })
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
