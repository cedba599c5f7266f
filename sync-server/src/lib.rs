//! fieldtrail-server: the sync server.
//!
//! Terminals POST batches of automerge sync messages to `/v1/sync` (docs/protocol.md); the server merges them
//! into its store, keeps every change with who delivered it and when, and offers each terminal the documents
//! that changed since its cursor. Storage sits behind [`store::Store`]: SQLite in the data directory by default.
#![forbid(unsafe_code)]

pub mod admission;
pub mod auth;
pub mod authority;
pub mod authz;
pub mod blobs;
pub mod devices;
mod error;
pub mod log_routes;
pub mod photo;
pub mod restore;
pub mod routes;
pub mod shares;
pub mod store;
pub mod sync;
pub mod trail;
pub mod upload_cleanup;
pub mod uploads;
pub mod verify_offline;
pub mod verify_page;

pub use error::ApiError;
pub use store::SqliteStore;

use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// The default limit on a request body: far above any inspection document, far below what hurts the server.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub max_body: usize,
    pub limits: Limits,
    /// Per-device upload quotas and the cleanup of abandoned uploads (SEC-5).
    pub uploads: uploads::UploadLimits,
}

impl Config {
    /// A server on `listen` keeping its data in `data_dir`, with the default limits.
    pub fn new(data_dir: impl Into<PathBuf>, listen: SocketAddr) -> Self {
        Config {
            data_dir: data_dir.into(),
            listen,
            max_body: DEFAULT_MAX_BODY,
            limits: Limits::default(),
            uploads: Default::default(),
        }
    }
}

/// What a client may hold of the server, and for how long (SEC-4: slow or numerous connections cannot starve
/// it). docs/operations.md lists them with their flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; one more is answered 503 `too_many_connections` and closed.
    pub max_connections: usize,
    /// How long a client has to send a request's headers; an idle kept-alive connection is closed after it too.
    pub header_timeout: Duration,
    /// How long the server waits for the next bytes of a body before answering 408 `body_timeout`.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_connections: 512, header_timeout: Duration::from_secs(30), body_timeout: Duration::from_secs(30) }
    }
}

/// A server bound to its address, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    limits: Limits,
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
        let app = routes::router(state)
            .merge(uploads::router(uploads.clone()).route_layer(auth))
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(config.limits.body_timeout));
        Ok(Server { listener, app, limits: config.limits.clone(), uploads })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the requests under way.
    ///
    /// Its own accept loop rather than `axum::serve`, which sets no header timeout and no connection limit:
    /// each connection takes a slot, is served by hyper with the header timeout, and gives the slot back when
    /// it closes.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Server { listener, app, limits, uploads } = self;
        let cleanup = tokio::spawn(clean_uploads(uploads));
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        // Connections beyond the limit are told so, as many again at most; past that they are closed unanswered.
        let refusals = Arc::new(Semaphore::new(limits.max_connections));
        let (closing, closed) = watch::channel(false);
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little rather than spin.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            while connections.try_join_next().is_some() {}
            let io = TokioIo::new(stream);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
            if let Ok(slot) = slots.clone().try_acquire_owned() {
                let service = TowerToHyperService::new(app.clone());
                let mut closed = closed.clone();
                connections.spawn(async move {
                    let conn = http.serve_connection(io, service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = closed.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                    drop(slot);
                });
            } else if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                let limit = limits.max_connections;
                connections.spawn(async move {
                    http.keep_alive(false);
                    let busy = hyper::service::service_fn(move |_| async move {
                        Ok::<_, std::convert::Infallible>(ApiError::Busy { limit }.into_response())
                    });
                    let _ = http.serve_connection(io, busy).await;
                    drop(refusal);
                });
            } else {
                tracing::warn!(limit = limits.max_connections, "connection closed unanswered: every slot is taken");
            }
        }
        drop(listener);
        let _ = closing.send(true);
        while connections.join_next().await.is_some() {}
        cleanup.abort();
        Ok(())
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
