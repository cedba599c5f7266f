//! The resumable upload protocol against the real router on a loopback socket (SYNC-3, SYNC-4): offsets,
//! resume after a restart, de-duplication, the hash check on arrival, refusals, and `verify`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use fieldtrail_core::httpsig;
use fieldtrail_core::protocol::ErrorBody;
use fieldtrail_server::store::Store;
use fieldtrail_server::uploads::UploadLimits;
use fieldtrail_server::{Config, Server, SqliteStore};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

struct Running {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(data: &Path) -> Running {
    start_with(data, UploadLimits::default()).await
}

async fn start_with(data: &Path, uploads: UploadLimits) -> Running {
    let config = Config { uploads, ..Config::new(data, "127.0.0.1:0".parse().unwrap()) };
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
    device: String,
    key: ring::signature::Ed25519KeyPair,
    counter: std::sync::atomic::AtomicU64,
}

const DEVICE: &str = "dev-1";
const AGENCY: &str = "测试局";

impl Client {
    fn new(url: &str, data: &Path) -> Self {
        Self::device(url, data, DEVICE, AGENCY, 7)
    }

    /// Device `id` of `agency`, its key from `seed`, registered with the server in `data`.
    fn device(url: &str, data: &Path, id: &str, agency: &str, seed: u8) -> Self {
        use ring::signature::KeyPair;
        let key = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
        let store = SqliteStore::open(data).unwrap();
        // Registered once per data directory; a client made again after a restart is the same device.
        let _ = fieldtrail_server::devices::register(&store, id, &hex::encode(key.public_key()), agency, "test");
        // Counters only grow, across clients of the same device too.
        let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as u64;
        Client { http: reqwest::Client::new(), url: url.to_owned(), device: id.to_owned(), key, counter: start.into() }
    }

    fn nonce(&self) -> u64 {
        self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    /// A request signed by the device: over the body when given, else over method and path only.
    fn req(&self, method: reqwest::Method, path: &str, body: Option<&[u8]>) -> reqwest::RequestBuilder {
        let h = httpsig::sign_request(method.as_str(), path, body, &self.device, self.nonce(), 0, &self.key);
        self.send_signed(method, path, h)
    }

    fn send_signed(&self, method: reqwest::Method, path: &str, h: httpsig::SignedHeaders) -> reqwest::RequestBuilder {
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

    /// A PATCH as a terminal sends it: signed over its offset and the chunk's digest.
    async fn patch(&self, id: &str, offset: u64, body: &[u8]) -> (u16, Option<u64>, Vec<u8>) {
        self.patch_as_signed(id, offset, body, offset, body).await
    }

    /// A PATCH signed for (`signed_offset`, `signed_body`) that carries `offset` and `body` instead, as a
    /// network attacker who altered a signed request would send it.
    async fn patch_as_signed(
        &self,
        id: &str,
        signed_offset: u64,
        signed_body: &[u8],
        offset: u64,
        body: &[u8],
    ) -> (u16, Option<u64>, Vec<u8>) {
        let path = format!("/v1/uploads/{id}");
        let h = httpsig::sign_upload_chunk(&path, signed_offset, signed_body, &self.device, self.nonce(), 0, &self.key);
        let resp = self
            .send_signed(reqwest::Method::PATCH, &path, h)
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

    /// `GET /v1/uploads/{id}`: the upload's row.
    async fn show(&self, id: &str) -> (u16, serde_json::Value) {
        let resp = self.req(reqwest::Method::GET, &format!("/v1/uploads/{id}"), None).send().await.unwrap();
        (resp.status().as_u16(), serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
    }

    /// Sends a whole file through a new or resumed upload; returns the final status.
    async fn upload(&self, file: &[u8]) -> u16 {
        let (status, created) = self.create(&sha256(file), file.len() as u64).await;
        if created["status"] == "exists" {
            return status;
        }
        let offset = created["offset"].as_u64().unwrap();
        self.patch(created["id"].as_str().unwrap(), offset, &file[offset as usize..]).await.0
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

fn part(data: &Path, id: &str) -> PathBuf {
    data.join("uploads").join(format!("{id}.part"))
}

/// SEC-5: another device, of the same agency or another, cannot read the offset of my upload, append to it or
/// read its row: to it the upload does not exist (404, as for an id never made), nothing is stored, my partial
/// bytes are unchanged, and my upload completes afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_another_device_cannot_touch_my_upload() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let me = Client::new(&server.url, &data);
    let colleague = Client::device(&server.url, &data, "dev-2", AGENCY, 8);
    let stranger = Client::device(&server.url, &data, "dev-3", "另一局", 9);
    let file = bytes(300_000, 11);
    let sha = sha256(&file);
    let (_, created) = me.create(&sha, file.len() as u64).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(me.patch(&id, 0, &file[..100_000]).await.0, 204);

    let before = (common::dump_records(&data), std::fs::read(part(&data, &id)).unwrap());
    for other in [&colleague, &stranger] {
        assert_eq!(other.head(&id).await, (404, None, None), "HEAD by {}", other.device);
        let (status, _, body) = other.patch(&id, 100_000, &file[100_000..]).await;
        assert_eq!((status, code(&body).as_str()), (404, "not_found"), "PATCH by {}", other.device);
        // Sabotage: bytes that would make my upload fail its hash check.
        let (status, _, _) = other.patch(&id, 100_000, &bytes(200_000, 99)).await;
        assert_eq!(status, 404);
        let (status, row) = other.show(&id).await;
        assert_eq!((status, row["code"].as_str()), (404, Some("not_found")), "GET by {}", other.device);
        assert_eq!(row["message"], format!("no upload {id}"), "told exactly what an unknown id is told");
        // Declaring the same bytes opens an upload of its own, never mine.
        let (status, theirs) = other.create(&sha, file.len() as u64).await;
        assert_eq!((status, theirs["offset"].as_u64()), (201, Some(0)));
        assert_ne!(theirs["id"].as_str(), Some(id.as_str()));
    }
    let (_, unknown) = stranger.show("0123456789abcdef0123456789abcdef").await;
    assert_eq!(unknown["code"], "not_found");
    assert_eq!(std::fs::read(part(&data, &id)).unwrap(), before.1, "my partial bytes are unchanged");
    let after = common::dump_records(&data);
    fn without_their_uploads(dump: &str) -> Vec<&str> {
        dump.lines().filter(|l| !l.contains("dev-2") && !l.contains("dev-3")).collect()
    }
    assert_eq!(without_their_uploads(&after), without_their_uploads(&before.0), "nothing of mine changed");

    assert_eq!(me.head(&id).await, (200, Some(100_000), Some("false".into())));
    assert_eq!(me.patch(&id, 100_000, &file[100_000..]).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);
    assert_eq!(me.show(&id).await.1["status"], "complete");
    server.shutdown().await;
}

/// SEC-5: "already on the server" is told only to devices of the agency that delivered the file; a device of
/// another agency is asked for the bytes like any new file, learns nothing, and cannot replace the stored file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_other_agency_learns_nothing_of_a_stored_file() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let me = Client::new(&server.url, &data);
    let colleague = Client::device(&server.url, &data, "dev-2", AGENCY, 8);
    let stranger = Client::device(&server.url, &data, "dev-3", "另一局", 9);
    let file = bytes(120_000, 17);
    let sha = sha256(&file);
    assert_eq!(me.upload(&file).await, 204);

    let (status, same_agency) = colleague.create(&sha, file.len() as u64).await;
    assert_eq!((status, same_agency["status"].as_str()), (200, Some("exists")));

    // The stranger's answer is the one for a file the server never saw.
    let never_seen = bytes(120_000, 19);
    let (status, fresh) = stranger.create(&sha256(&never_seen), never_seen.len() as u64).await;
    let (status_known, known) = stranger.create(&sha, file.len() as u64).await;
    assert_eq!((status_known, known["status"].as_str(), known["offset"].as_u64()), (status, Some("open"), Some(0)));
    assert_eq!(fresh["status"], "open");

    // Wrong bytes from the stranger are refused and the stored file is untouched.
    let id = known["id"].as_str().unwrap();
    let (status, _, body) = stranger.patch(id, 0, &never_seen).await;
    assert_eq!((status, code(&body).as_str()), (422, "hash_mismatch"));
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);

    // Once it has sent the very bytes, its agency holds the file too; the log has the file once.
    assert_eq!(stranger.upload(&file).await, 204);
    let (status, now) = stranger.create(&sha, file.len() as u64).await;
    assert_eq!((status, now["status"].as_str()), (200, Some("exists")));
    let store = SqliteStore::open(&data).unwrap();
    assert_eq!(store.transact(|tx| tx.log_size()).unwrap(), 1, "the file joined the log once");
    assert_eq!(store.transact(|tx| tx.list_blobs()).unwrap().len(), 1);
    server.shutdown().await;
}

/// SEC-5 (SEC-4): a PATCH whose body or offset header was altered after signing is refused, and the partial
/// file and the store are exactly as before; a PATCH signed without its offset and digest is refused too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_altered_chunk_or_offset_is_refused_and_adds_nothing() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let me = Client::new(&server.url, &data);
    let file = bytes(200_000, 14);
    let sha = sha256(&file);
    let (_, created) = me.create(&sha, file.len() as u64).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(me.patch(&id, 0, &file[..50_000]).await.0, 204);
    let snapshot = || (common::dump_records(&data), std::fs::read(part(&data, &id)).unwrap());
    let before = snapshot();

    // The body changed on the way: one flipped bit, and a body of another length.
    let mut flipped = file[50_000..120_000].to_vec();
    flipped[30_000] ^= 1;
    let (status, offset, body) = me.patch_as_signed(&id, 50_000, &file[50_000..120_000], 50_000, &flipped).await;
    assert_eq!((status, code(&body).as_str()), (400, "digest_mismatch"), "{}", String::from_utf8_lossy(&body));
    assert_eq!(offset, None);
    assert_eq!(snapshot(), before, "a tampered chunk adds nothing");
    let (status, _, body) =
        me.patch_as_signed(&id, 50_000, &file[50_000..120_000], 50_000, &file[50_000..90_000]).await;
    assert_eq!((status, code(&body).as_str()), (400, "digest_mismatch"));
    assert_eq!(snapshot(), before);

    // The offset header changed on the way: the signature no longer verifies.
    let (status, _, body) = me.patch_as_signed(&id, 40_000, &file[40_000..60_000], 50_000, &file[40_000..60_000]).await;
    assert_eq!((status, code(&body).as_str()), (401, "bad_signature"));
    assert_eq!(snapshot(), before);

    // Signed over method and path only: the offset and the bytes are nobody's word.
    let resp = me
        .req(reqwest::Method::PATCH, &format!("/v1/uploads/{id}"), None)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "50000")
        .body(file[50_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(code(&resp.bytes().await.unwrap()), "chunk_not_signed");
    assert_eq!(snapshot(), before);

    assert_eq!(me.head(&id).await.1, Some(50_000));
    assert_eq!(me.patch(&id, 50_000, &file[50_000..]).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);
    server.shutdown().await;
}

/// SEC-5: a device's open uploads are capped in number and in declared bytes; a refusal is clear, stores
/// nothing, and leaves other devices and the device's own uploads working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_quotas_on_open_uploads() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let limits = UploadLimits { max_open_uploads: 2, max_open_bytes: 1_000_000, ..UploadLimits::default() };
    let server = start_with(&data, limits).await;
    let me = Client::new(&server.url, &data);
    let other = Client::device(&server.url, &data, "dev-2", AGENCY, 8);
    let files: Vec<Vec<u8>> = (0..3).map(|i| bytes(300_000, 21 + 2 * i)).collect();
    let (_, first) = me.create(&sha256(&files[0]), 300_000).await;
    assert_eq!(me.create(&sha256(&files[1]), 300_000).await.0, 201);

    let before = common::dump_records(&data);
    let (status, body) = me.create(&sha256(&files[2]), 300_000).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("too_many_uploads")), "{body}");
    assert_eq!(common::dump_records(&data), before);
    let (status, body) = other.create(&sha256(&bytes(900_000, 31)), 900_000).await;
    assert_eq!(status, 201, "another device has its own quota: {body}");
    let before = common::dump_records(&data);
    let (status, body) = other.create(&sha256(&bytes(200_000, 33)), 200_000).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("upload_quota")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("1000000"), "{body}");
    assert_eq!(common::dump_records(&data), before);

    // Finishing an upload frees its place.
    assert_eq!(me.patch(first["id"].as_str().unwrap(), 0, &files[0]).await.0, 204);
    assert_eq!(me.upload(&files[2]).await, 204);
    server.shutdown().await;
}

/// Sets a file's modification time `age` in the past.
fn age(path: &Path, age: std::time::Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - age).unwrap();
}

/// SEC-5: the server closes an upload idle beyond the configured time and deletes its bytes and stray files
/// in `uploads/` and `tmp/`, but never a live upload; `admin cleanup-uploads` does the same once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_cleanup_removes_abandoned_uploads_not_live_ones() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let limits = UploadLimits {
        abandon_after: std::time::Duration::from_secs(600),
        cleanup_every: std::time::Duration::from_millis(200),
        ..UploadLimits::default()
    };
    let server = start_with(&data, limits.clone()).await;
    let me = Client::new(&server.url, &data);
    let (abandoned, live) = (bytes(100_000, 41), bytes(100_000, 43));
    let (_, a) = me.create(&sha256(&abandoned), 100_000).await;
    let (_, l) = me.create(&sha256(&live), 100_000).await;
    let (a, l) = (a["id"].as_str().unwrap().to_owned(), l["id"].as_str().unwrap().to_owned());
    assert_eq!(me.patch(&a, 0, &abandoned[..10_000]).await.0, 204);
    assert_eq!(me.patch(&l, 0, &live[..10_000]).await.0, 204);
    std::fs::create_dir_all(data.join("tmp")).unwrap();
    let stray = [data.join("uploads").join("ffffffffffffffffffffffffffffffff.part"), data.join("tmp").join("x.part")];
    for path in &stray {
        std::fs::write(path, b"left by a crash").unwrap();
        age(path, std::time::Duration::from_secs(3600));
    }
    let fresh_stray = data.join("tmp").join("fresh.part");
    std::fs::write(&fresh_stray, b"being written").unwrap();
    // The abandoned upload last received bytes an hour ago; the live one just now.
    age(&part(&data, &a), std::time::Duration::from_secs(3600));

    let mut waited = 0;
    while me.head(&a).await.0 != 410 {
        waited += 1;
        assert!(waited < 100, "the abandoned upload was not cleaned up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!part(&data, &a).exists(), "its bytes are deleted");
    assert_eq!(me.show(&a).await.1["status"], "abandoned");
    for path in &stray {
        assert!(!path.exists(), "{} is deleted", path.display());
    }
    assert!(fresh_stray.exists(), "a recent file is left alone");
    assert_eq!(me.head(&l).await, (200, Some(10_000), Some("false".into())), "the live upload is untouched");
    assert_eq!(me.patch(&l, 10_000, &live[10_000..]).await.0, 204);
    // The terminal of the abandoned upload starts again and succeeds.
    assert_eq!(me.upload(&abandoned).await, 204);

    // The admin command, run once, by the same rule.
    let (_, again) = me.create(&sha256(&bytes(50_000, 45)), 50_000).await;
    let again = again["id"].as_str().unwrap().to_owned();
    server.shutdown().await;
    age(&part(&data, &again), std::time::Duration::from_secs(3600));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fieldtrail-server"))
        .args(["--data", data.to_str().unwrap(), "admin", "cleanup-uploads", "--abandon-after", "600"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains(&format!("abandoned  {again}")), "{stdout}");
    assert!(!part(&data, &again).exists());
    let store = SqliteStore::open(&data).unwrap();
    let statuses: Vec<(String, String)> =
        store.transact(|tx| tx.list_uploads()).unwrap().into_iter().map(|u| (u.id, u.status)).collect();
    assert!(statuses.contains(&(again, "abandoned".into())), "{statuses:?}");
    assert!(statuses.contains(&(l, "complete".into())), "{statuses:?}");
}

/// SEC-7: the log never signs a second head of a size it signed before: a log that lost leaves its signed head
/// covers refuses to sign, and nothing is stored.
#[test]
fn sec7_a_log_that_lost_signed_leaves_signs_nothing() {
    use fieldtrail_server::trail;
    let dir = TempDir::new().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let key = trail::LogKey::load_or_create(dir.path()).unwrap();
    let heads = store
        .transact(|tx| {
            trail::append_evidence(tx, &sha256(b"one"))?;
            trail::append_evidence(tx, &sha256(b"two"))?;
            trail::sign_head(tx, &key)
        })
        .unwrap();
    assert_eq!(heads.size, 2);
    // What a lost commit would leave: the head of size 2, one leaf.
    let conn = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
    conn.execute("DELETE FROM log_leaves WHERE idx = 1", []).unwrap();
    conn.execute("DELETE FROM log_nodes WHERE level > 0", []).unwrap();
    let before = common::dump(dir.path());
    let err = store.transact(|tx| trail::sign_head(tx, &key)).unwrap_err();
    assert!(err.to_string().contains("leaves were lost"), "{err}");
    // Another second leaf makes the size signed before, with another root: still no head.
    let err = store
        .transact(|tx| {
            trail::append_evidence(tx, &sha256(b"other"))?;
            trail::sign_head(tx, &key)
        })
        .unwrap_err();
    assert!(err.to_string().contains("differ"), "{err}");
    assert_eq!(common::dump(dir.path()), before, "no second head of size 2, no leaf");
}

/// SEC-5: a chunk cut short keeps what arrived (so a bad link does not resend it), but those bytes were never
/// checked against the chunk's signed digest; if they were altered, the finished file does not hash right and
/// the upload goes back to where they begin instead of failing: the terminal sends them again and the right
/// file is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec5_altered_bytes_of_a_cut_chunk_are_sent_again_not_kept() {
    use tokio::io::AsyncWriteExt;
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("server");
    let server = start(&data).await;
    let me = Client::new(&server.url, &data);
    let file = bytes(200_000, 51);
    let sha = sha256(&file);
    let (_, created) = me.create(&sha, file.len() as u64).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(me.patch(&id, 0, &file[..50_000]).await.0, 204);

    // The rest, signed by the device, altered on the way and cut after 60,000 bytes.
    let path = format!("/v1/uploads/{id}");
    let h = httpsig::sign_upload_chunk(&path, 50_000, &file[50_000..], DEVICE, me.nonce(), 0, &me.key);
    let mut altered = file[50_000..110_000].to_vec();
    altered[1_000] ^= 0xff;
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/offset+octet-stream\r\nupload-offset: 50000\r\n\
         content-digest: {}\r\nsignature-input: {}\r\nsignature: {}\r\ncontent-length: 150000\r\n\r\n",
        h.content_digest.unwrap(),
        h.signature_input,
        h.signature
    );
    let mut tcp = tokio::net::TcpStream::connect(server.url.trim_start_matches("http://")).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&altered).await.unwrap();
    tcp.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(tcp);

    // HEAD waits for the cut PATCH to settle; the partial bytes are kept.
    assert_eq!(me.head(&id).await.1, Some(110_000));
    let (status, offset, body) = me.patch(&id, 110_000, &file[110_000..]).await;
    assert_eq!((status, offset, code(&body).as_str()), (409, Some(50_000), "offset_mismatch"));
    assert_eq!(std::fs::read(part(&data, &id)).unwrap(), file[..50_000], "back to the checked bytes");
    assert!(!blob_path(&data, &sha).exists());
    assert_eq!(me.patch(&id, 50_000, &file[50_000..]).await.0, 204);
    assert_eq!(std::fs::read(blob_path(&data, &sha)).unwrap(), file);
    server.shutdown().await;
}
