//! A server on 127.0.0.1 with one registered device whose requests the harness signs, and a dump of every
//! stored row to show that a refused request changed nothing.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use fieldtrail_core::httpsig;
use fieldtrail_core::protocol;
use fieldtrail_server::{Config, Limits, Server, SqliteStore, devices};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use tempfile::TempDir;

pub const MAX_BODY: usize = 256 * 1024;
pub const DEVICE: &str = "7d0c3f52-0b5e-4a43-9b43-2a4f1a6f8c11";

pub struct Harness {
    _dir: TempDir,
    pub data: PathBuf,
    pub base: String,
    pub url: String,
    pub http: reqwest::Client,
    pub key: Ed25519KeyPair,
    pub counter: AtomicU64,
}

pub fn keypair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

pub async fn start() -> Harness {
    start_with(MAX_BODY, Limits::default()).await
}

/// A server with these limits.
pub async fn start_with(max_body: usize, limits: Limits) -> Harness {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let config = Config { max_body, limits, ..Config::new(&data, "127.0.0.1:0".parse().unwrap()) };
    let server = Server::bind(&config).await.unwrap();
    let base = format!("http://{}", server.local_addr().unwrap());
    tokio::spawn(server.serve(std::future::pending()));
    let key = keypair();
    let store = SqliteStore::open(&data).unwrap();
    devices::register(&store, DEVICE, &hex::encode(key.public_key().as_ref()), "测试局", "test").unwrap();
    Harness {
        _dir: dir,
        data,
        url: format!("{base}/v1/sync"),
        base,
        http: reqwest::Client::new(),
        key,
        counter: AtomicU64::new(0),
    }
}

impl Harness {
    /// Signs a sync body as the registered device with the next counter.
    pub fn sign(&self, body: &[u8]) -> httpsig::SignedHeaders {
        let nonce = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        httpsig::sign_request("POST", "/v1/sync", Some(body), DEVICE, nonce, 0, &self.key)
    }

    pub async fn send(&self, body: Vec<u8>, headers: &httpsig::SignedHeaders) -> (u16, Vec<u8>) {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", protocol::CONTENT_TYPE)
            .header(httpsig::SIGNATURE_INPUT, &headers.signature_input)
            .header(httpsig::SIGNATURE, &headers.signature);
        if let Some(d) = &headers.content_digest {
            req = req.header(httpsig::CONTENT_DIGEST, d);
        }
        let resp = req.body(body).send().await.unwrap();
        (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, body: Vec<u8>) -> (u16, Vec<u8>) {
        let headers = self.sign(&body);
        self.send(body, &headers).await
    }

    /// Sends a request and checks the refusal: status, code, a message containing `says`, and not one row of
    /// any table changed (not even the replay counters: an unauthenticated request leaves no trace).
    pub async fn refused_with(
        &self,
        body: Vec<u8>,
        headers: &httpsig::SignedHeaders,
        status: u16,
        code: &str,
        says: &str,
    ) {
        self.check_refusal(body, headers, status, code, says, dump).await
    }

    pub async fn check_refusal(
        &self,
        body: Vec<u8>,
        headers: &httpsig::SignedHeaders,
        status: u16,
        code: &str,
        says: &str,
        dump: fn(&Path) -> String,
    ) {
        let before = dump(&self.data);
        let (got, bytes) = self.send(body, headers).await;
        let err: protocol::ErrorBody = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("error body is not JSON: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!((got, err.code.as_str()), (status, code), "{}", err.message);
        assert!(err.message.contains(says), "message {:?} should say {says:?}", err.message);
        assert_eq!(dump(&self.data), before, "a refused request changed the stored state");
    }

    /// A correctly signed request that is refused for what it carries: no record changes. Its counter is spent,
    /// so the same bytes cannot be sent again.
    pub async fn refused(&self, body: Vec<u8>, status: u16, code: &str, says: &str) {
        let headers = self.sign(&body);
        self.check_refusal(body, &headers, status, code, says, dump_records).await
    }
}

/// Every row of every table, in order: equal dumps mean an unchanged store.
pub fn dump(data: &Path) -> String {
    dump_except(data, &[])
}

/// Every row of every table but the replay-protection bookkeeping.
pub fn dump_records(data: &Path) -> String {
    dump_except(data, &["request_counters"])
}

fn dump_except(data: &Path, skip: &[&str]) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(data.join("server.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for table in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => {
                        format!("blob:{}", hex::encode(ring::digest::digest(&ring::digest::SHA256, b)))
                    }
                    other => format!("{other:?}"),
                })
                .collect();
            out.push_str(&format!("{table}: {}\n", values.join(" | ")));
        }
    }
    out
}

/// A new inspection of the harness device's agency (SEC-1), with one checklist item.
pub fn inspection(id: &str) -> fieldtrail_core::InspectionDoc {
    let new = fieldtrail_core::NewInspection {
        agency: "测试局".into(),
        kind: fieldtrail_core::Kind::Inspection,
        item_code: "AJ-0203".into(),
        item_name: "非煤矿山安全检查".into(),
        legal_basis: vec![],
        party: Default::default(),
        location: Default::default(),
        officers: vec![],
        started_at: chrono::Utc::now(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["安全出口".into()],
    };
    fieldtrail_core::InspectionDoc::create(id, &new, automerge::ActorId::random()).unwrap()
}
