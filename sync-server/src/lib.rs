//! fieldtrail-server: the sync server.
//!
//! Terminals POST batches of automerge sync messages to `/v1/sync` (docs/protocol.md); the server merges them
//! into its store, keeps every change with who delivered it and when, and offers each terminal the documents
//! that changed since its cursor. Storage sits behind [`store::Store`]: SQLite in the data directory by default.
#![forbid(unsafe_code)]

pub mod auth;
pub mod authority;
pub mod blobs;
pub mod devices;
mod error;
pub mod lock_rule;
pub mod log_routes;
pub mod photo;
pub mod routes;
pub mod store;
pub mod sync;
pub mod trail;
pub mod upload_cleanup;
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
    /// Per-device upload quotas and the cleanup of abandoned uploads (SEC-5).
    pub uploads: uploads::UploadLimits,
}

impl Config {
    /// A server on `data_dir` and `listen` with every other setting at its default.
    pub fn new(data_dir: impl Into<PathBuf>, listen: SocketAddr) -> Self {
        Config { data_dir: data_dir.into(), listen, max_body: DEFAULT_MAX_BODY, uploads: Default::default() }
    }
}

/// A server bound to its address, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    uploads: Arc<uploads::UploadState<SqliteStore>>,
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
        let uploads = Arc::new(uploads::UploadState::new(
            SqliteStore::open(&config.data_dir)?,
            config.data_dir.clone(),
            log_key,
            config.uploads.clone(),
        ));
        // Uploads are signed like sync; a chunk's signature covers its offset and digest, checked as it streams.
        let auth = axum::middleware::from_fn_with_state(state.clone(), auth::require_device::<SqliteStore>);
        let app = routes::router(state).merge(uploads::router(uploads.clone()).route_layer(auth));
        Ok(Server { listener, app, uploads })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the requests under way. Abandoned uploads are cleaned
    /// up meanwhile, every `cleanup_every`.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let cleanup = tokio::spawn(clean_uploads(self.uploads));
        let served = axum::serve(self.listener, self.app).with_graceful_shutdown(shutdown).await;
        cleanup.abort();
        served
    }
}

/// The background cleanup of abandoned uploads (crate::upload_cleanup), under each upload's own lock.
async fn clean_uploads(state: Arc<uploads::UploadState<SqliteStore>>) {
    let mut every = tokio::time::interval(state.limits.cleanup_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let s = state.clone();
        let done = tokio::task::spawn_blocking(move || {
            let report =
                upload_cleanup::cleanup(&s.store, &s.data_dir, s.limits.abandon_after, |id, f| s.if_idle(id, f));
            s.forget_idle_locks();
            report
        })
        .await;
        match done {
            Ok(Ok(report)) if !report.abandoned.is_empty() || report.stray_files > 0 => {
                tracing::info!(
                    abandoned = report.abandoned.len(),
                    bytes = report.abandoned_bytes,
                    stray = report.stray_files,
                    "uploads cleaned up"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "upload cleanup failed"),
            Err(e) => tracing::error!(error = %e, "upload cleanup worker failed"),
        }
    }
}
