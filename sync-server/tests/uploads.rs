//! The resumable upload protocol against the real router on a loopback socket (SYNC-3, SYNC-4): offsets,
//! resume after a restart, de-duplication, the hash check on arrival, refusals, and `verify`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use fieldtrail_core::protocol::ErrorBody;
use fieldtrail_server::store::Store;
use fieldtrail_server::{Config, Server, SqliteStore};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

struct Running {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(data: &Path) -> Running {
    let config = Config::new(data, "127.0.0.1:0".parse().unwrap());
    let server = Server::bind(&config).await.unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));
    Running { url, stop, task }
}

impl Running {
    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Deterministic pseudo-random bytes.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn blob_path(data: &Path, sha: &str) -> PathBuf {
    data.join("blobs").join(&sha[0..2]).join(&sha[2..4]).join(sha)
}

/// A registered test device that signs its requests, as a terminal does.
struct Client {
    http: reqwest::Client,
    url: String,
    key: ring::signature::Ed25519KeyPair,
    counter: std::sync::atomic::AtomicU64,
}

const DEVICE: &str = "dev-1";

impl Client {
    fn new(url: &str, data: &Path) -> Self {
        use ring::signature::KeyPair;
        let key = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[7; 32]).unwrap();
        let store = SqliteStore::open(data).unwrap();
        // Registered once per data directory; a client made again after a restart is the same device.
        let _ = fieldtrail_server::devices::register(&store, DEVICE, &hex::encode(key.public_key()), "测试局", "test");
        // Counters only grow, across clients of the same device too.
        let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as u64;
        Client { http: reqwest::Client::new(), url: url.to_owned(), key, counter: start.into() }
    }

    /// A request signed by the device: over the body when given, else over method and path only.
    fn req(&self, method: reqwest::Method, path: &str, body: Option<&[u8]>) -> reqwest::RequestBuilder {
        use fieldtrail_core::httpsig;
        let nonce = self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let h = httpsig::sign_request(method.as_str(), path, body, DEVICE, nonce, 0, &self.key);
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(httpsig::SIGNATURE_INPUT, h.signature_input)
            .header(httpsig::SIGNATURE, h.signature);
        if let Some(d) = h.content_digest {
            req = req.header(httpsig::CONTENT_DIGEST, d);
        }
        req
    }

    async fn create(&self, sha: &str, size: u64) -> (u16, serde_json::Value) {
        let body = serde_json::json!({"sha256": sha, "size": size, "media_type": "video/mp4"}).to_string();
        let resp = self
            .req(reqwest::Method::POST, "/v1/uploads", Some(body.as_bytes()))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
    }

    async fn head(&self, id: &str) -> (u16, Option<u64>, Option<String>) {
        let resp = self.req(reqwest::Method::HEAD, &format!("/v1/uploads/{id}"), None).send().await.unwrap();
        let h = resp.headers();
        let offset = h.get("upload-offset").map(|v| v.to_str().unwrap().parse().unwrap());
        let complete = h.get("upload-complete").map(|v| v.to_str().unwrap().to_owned());
        (resp.status().as_u16(), offset, complete)
    }

    async fn patch(&self, id: &str, offset: u64, body: &[u8]) -> (u16, Option<u64>, Vec<u8>) {
        let resp = self
            .req(reqwest::Method::PATCH, &format!("/v1/uploads/{id}"), None)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let offset = resp.headers().get("upload-offset").map(|v| v.to_str().unwrap().parse().unwrap());
        (status, offset, resp.bytes().await.unwrap().to_vec())
    }
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body).map(|e| e.code).unwrap_or_else(|_| String::from_utf8_lossy(body).into())
}

/// SYNC-3: create, send part, learn the offset, survive a server restart, finish; the same bytes declared
/// again are not sent; SYNC-4: the stored blob is exactly the bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync3_resume_across_restart_and_dedupe() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let file = bytes(3 * 1024 * 1024 + 17, 7);
    let sha = sha256(&file);
    let size = file.len() as u64;

    let server = start(&data).await;
    let c = Client::new(&server.url, &data);
    let (status, created) = c.create(&sha, size).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("open")), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(c.head(&id).await, (200, Some(0), Some("false".into())));

    let first = 1_000_000;
    assert_eq!(c.patch(&id, 0, &file[..first]).await.0, 204);
    assert_eq!(c.head(&id).await.1, Some(first as u64));

    // A client that thinks it is elsewhere is told where the server stands.
    let (status, offset, body) = c.patch(&id, 5, &file[5..100]).await;
    assert_eq!((status, offset, code(&body).as_str()), (409, Some(first as u64), "offset_mismatch"));

    // A terminal that lost its upload id gets the same upload back, with its offset.
    let (status, again) = c.create(&sha, size).await;
    assert_eq!((status, again["id"].as_str(), again["offset"].as_u64()), (200, Some(id.as_str()), Some(first as u64)));

    server.shutdown().await;
    let server = start(&data).await;
    let c = Client::new(&server.url, &data);
    assert_eq!(c.head(&id).await.1, Some(first as u64), "the offset survives a restart");

    let (status, offset, _) = c.patch(&id, first as u64, &file[first..]).await;
    assert_eq!((status, offset), (204, Some(size)));
    assert_eq!(c.head(&id).await, (200, Some(size), Some("true".into())));
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);
    assert!(!data.join("uploads").join(format!("{id}.part")).exists());

    // The server has these bytes: nothing more is sent.
    let (status, exists) = c.create(&sha, size).await;
    assert_eq!((status, exists["status"].as_str(), exists["id"].is_null()), (200, Some("exists"), true));
    server.shutdown().await;
}

/// SYNC-4: bytes that do not hash to the declared SHA-256 are refused, the refusal is recorded with what they
/// hashed to, and nothing is kept under the declared hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync4_hash_mismatch_is_refused_and_nothing_kept() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let c = Client::new(&server.url, &data);
    let declared = bytes(200_000, 1);
    let sent = bytes(200_000, 2);
    let sha = sha256(&declared);
    let (_, created) = c.create(&sha, declared.len() as u64).await;
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, _, body) = c.patch(&id, 0, &sent).await;
    assert_eq!((status, code(&body).as_str()), (422, "hash_mismatch"));
    assert!(!blob_path(&data, &sha).exists(), "nothing under the declared hash");
    assert!(!blob_path(&data, &sha256(&sent)).exists(), "nor under the hash of what arrived");
    assert!(!data.join("uploads").join(format!("{id}.part")).exists(), "the bytes are deleted");
    assert_eq!(c.head(&id).await.0, 410);

    let row =
        c.req(reqwest::Method::GET, &format!("/v1/uploads/{id}"), None).send().await.unwrap().bytes().await.unwrap();
    let row: serde_json::Value = serde_json::from_slice(&row).unwrap();
    assert_eq!(row["status"], "rejected");
    assert_eq!(row["error"], "hash_mismatch");
    assert_eq!(row["actual_sha256"].as_str(), Some(sha256(&sent).as_str()));

    // The right bytes can still come in a new upload.
    let (status, created) = c.create(&sha, declared.len() as u64).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(c.patch(id, 0, &declared).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), declared);
    server.shutdown().await;
}

/// Bad requests are refused with stable codes and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_upload_requests_are_refused() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let c = Client::new(&server.url, &data);

    let (status, body) = c.create("NOT-A-HASH", 10).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_sha256")));
    let (status, body) = c.create(&"a".repeat(64), 0).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_size")));
    let (status, _, body) = c.patch("nope", 0, b"x").await;
    assert_eq!((status, code(&body).as_str()), (404, "not_found"));

    let file = bytes(1000, 3);
    let (_, created) = c.create(&sha256(&file), 1000).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let resp = c
        .req(reqwest::Method::PATCH, &format!("/v1/uploads/{id}"), None)
        .header("upload-offset", "0")
        .body(file.clone())
        .send();
    let resp = resp.await.unwrap();
    assert_eq!(resp.status().as_u16(), 415, "PATCH needs the tus content type");

    // More than the declared length: refused, and the upload is still good for the right bytes.
    let mut long = file.clone();
    long.extend_from_slice(&[0; 10]);
    let (status, _, body) = c.patch(&id, 0, &long).await;
    assert_eq!((status, code(&body).as_str()), (413, "beyond_length"));
    let offset = c.head(&id).await.1.unwrap();
    assert!(offset <= 1000);
    assert_eq!(c.patch(&id, offset, &file[offset as usize..]).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha256(&file))).unwrap(), file);
    server.shutdown().await;
}

/// SYNC-4: `verify` re-hashes the server's blobs and names a changed and a missing one; the CLI exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync4_server_verify_finds_changed_and_missing_blobs() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let c = Client::new(&server.url, &data);
    let files: Vec<Vec<u8>> = (0..3).map(|i| bytes(50_000 + i, 10 + i as u64)).collect();
    for f in &files {
        let (_, created) = c.create(&sha256(f), f.len() as u64).await;
        assert_eq!(c.patch(created["id"].as_str().unwrap(), 0, f).await.0, 204);
    }
    server.shutdown().await;

    let cli = || Command::new(env!("CARGO_BIN_EXE_fieldtrail-server")).arg("--data").arg(&data).arg("verify").output();
    use std::process::Command;
    let out = cli().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let changed = sha256(&files[0]);
    let mut b = std::fs::read(blob_path(&data, &changed)).unwrap();
    b[25_000] ^= 0x80;
    std::fs::write(blob_path(&data, &changed), b).unwrap();
    let missing = sha256(&files[1]);
    std::fs::remove_file(blob_path(&data, &missing)).unwrap();

    let store = SqliteStore::open(&data).unwrap();
    let report = fieldtrail_server::blobs::verify(&store, &data).unwrap();
    assert_eq!(
        (report.checked, report.changed.clone(), report.missing.clone()),
        (3, vec![changed.clone()], vec![missing.clone()])
    );
    assert_eq!(store.transact(|tx| tx.list_blobs()).unwrap().len(), 3);

    let out = cli().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("changed  {changed}")) && stdout.contains(&format!("missing  {missing}")),
        "{stdout}"
    );
    assert!(!stdout.contains(&sha256(&files[2])), "{stdout}");
}

/// SYNC-3: an upload whose partial bytes were lost is closed, and declaring the file again opens a new one
/// instead of handing back the broken one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync3_lost_partial_file_starts_a_new_upload() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let c = Client::new(&server.url, &data);
    let file = bytes(100_000, 5);
    let sha = sha256(&file);
    let (_, created) = c.create(&sha, 100_000).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(c.patch(&id, 0, &file[..40_000]).await.0, 204);
    std::fs::remove_file(data.join("uploads").join(format!("{id}.part"))).unwrap();
    assert_eq!(c.head(&id).await.0, 410);
    let (status, again) = c.create(&sha, 100_000).await;
    assert_eq!(status, 201);
    let new_id = again["id"].as_str().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(c.patch(new_id, 0, &file).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);
    server.shutdown().await;
}
