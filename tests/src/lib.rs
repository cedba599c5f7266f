//! Helpers for FieldTrail's end-to-end tests and benchmarks: a real fieldtrail-server (as a process, or in
//! this process on a real socket), terminals in their own data directories, and sample inspections.

pub mod bench;
pub mod webdriver;

use anyhow::{Context, bail};
use chrono::Utc;
use fieldtrail_core::{Kind, LegalBasis, Location, NewInspection, OfficerRef, Party};
use fieldtrail_terminal::Terminal;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A fieldtrail-server binary running as its own process on 127.0.0.1.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    data: PathBuf,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the server on a free port.
    pub fn start(data: &Path) -> anyhow::Result<Self> {
        Self::start_on(data, "127.0.0.1:0")
    }

    fn start_on(data: &Path, listen: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(server_binary()?)
            .args(["--data", &data.display().to_string(), "--listen", listen])
            .env("FIELDTRAIL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting fieldtrail-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(addr) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            bail!("fieldtrail-server did not start: printed {line:?}");
        };
        Ok(ServerProcess { addr: addr.parse()?, child, data: data.to_path_buf() })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server process's id (for its memory in /proc/PID/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's data directory.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// Stops the process the way an operator does (SIGTERM, then waits).
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(()); // already stopped
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait()?;
        if !status.success() {
            eprintln!("fieldtrail-server exited with {status}");
        }
        Ok(())
    }

    /// Stops the server and starts it again on the same data directory and port.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        *self = Self::start_on(&self.data.clone(), &self.addr.to_string())?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fieldtrail-server binary beside this test binary in the target directory, built if it is missing.
pub fn server_binary() -> anyhow::Result<PathBuf> {
    binary("fieldtrail-server", "fieldtrail-server")
}

/// A workspace binary beside this test binary in the target directory, built if it is missing.
pub fn binary(package: &str, name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().and_then(Path::parent).context("test binary has no target directory")?;
    let bin = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // Benchmarks run from target/release: the binary is built there too.
        let release = profile_dir.file_name().is_some_and(|d| d == "release");
        let profile = if release { &["--release"][..] } else { &[][..] };
        let status = Command::new(cargo).args(["build", "-p", package, "--bin", name]).args(profile).status()?;
        anyhow::ensure!(status.success() && bin.exists(), "could not build {name} at {}", bin.display());
    }
    Ok(bin)
}

/// Runs a workspace binary to completion; returns its stdout, or an error with its output.
pub fn run(package: &str, name: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(binary(package, name)?).args(args).env("FIELDTRAIL_LOG", "warn").output()?;
    anyhow::ensure!(
        out.status.success(),
        "{name} {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// A fieldtrail-server inside this process, on a real loopback socket.
#[derive(Debug)]
pub struct InProcessServer {
    pub url: String,
    pub data: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl InProcessServer {
    pub async fn start(data: &Path) -> anyhow::Result<Self> {
        let config = fieldtrail_server::Config::new(data, "127.0.0.1:0".parse()?);
        let server = fieldtrail_server::Server::bind(&config).await?;
        let url = format!("http://{}", server.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server.serve(async move {
            let _ = rx.await;
        }));
        Ok(InProcessServer { url, data: data.to_path_buf(), shutdown: Some(tx), task: Some(task) })
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}

/// The agency of [`sample_inspection`] and of terminals registered with [`register`].
pub const AGENCY: &str = "巴彦淖尔市市场监督管理局";

/// Registers a terminal with the server whose data directory is `server_data`, as the administrator does with
/// `fieldtrail-server admin register-device`, for [`AGENCY`].
pub fn register(server_data: &Path, terminal: &Terminal) -> anyhow::Result<()> {
    register_for(server_data, terminal, AGENCY)
}

/// Registers a terminal for `agency` (SEC-1: it sees that agency's cases and those shared with it).
pub fn register_for(server_data: &Path, terminal: &Terminal, agency: &str) -> anyhow::Result<()> {
    let store = fieldtrail_server::SqliteStore::open(server_data)?;
    let key = terminal.device_public_key()?;
    fieldtrail_server::devices::register(&store, terminal.device_id(), &key, agency, "test")?;
    Ok(())
}

/// A JSON GET of the server, signed by `via`'s device key.
pub async fn signed_get(url: &str, via: &Terminal) -> anyhow::Result<serde_json::Value> {
    let resp = via.signed(reqwest::Method::GET, url, None)?.send().await?;
    anyhow::ensure!(resp.status().is_success(), "GET {url}: {}", resp.status());
    Ok(resp.json().await?)
}

/// The server's materialised view and heads of one document (`GET /v1/documents/{id}`).
pub async fn server_document(url: &str, id: &str, via: &Terminal) -> anyhow::Result<serde_json::Value> {
    signed_get(&format!("{url}/v1/documents/{id}"), via).await
}

/// A realistic inspection of a shop in Linhe district.
pub fn sample_inspection(party: &str) -> NewInspection {
    NewInspection {
        agency: AGENCY.into(),
        kind: Kind::Inspection,
        item_code: "SC-0101".into(),
        item_name: "食品经营许可事项检查".into(),
        legal_basis: vec![LegalBasis {
            law: "中华人民共和国食品安全法".into(),
            article: "第八十七条".into(),
            clause: String::new(),
            item: String::new(),
        }],
        party: Party { name: party.into(), credit_code: "91150802MA0N000000".into(), ..Party::default() },
        location: Location { latitude: Some(40.7574), longitude: Some(107.3877), address: "临河区新华街".into() },
        officers: vec![
            OfficerRef { certificate_number: "15080001".into(), name: "张三".into() },
            OfficerRef { certificate_number: "15080002".into(), name: "李四".into() },
        ],
        started_at: Utc::now(),
        position: fieldtrail_core::Position::default(),
        checklist: vec!["证照是否齐全".into(), "冷藏温度是否达标".into(), "进货查验记录".into()],
    }
}

/// Seeds `n` inspections of `agency` started over the last `n / 20` days, newest last, each with findings and a
/// result: a tablet after months of work (issue 10, item 8: the start-up bench and the app's start-up spec).
///
/// # Errors
///
/// The terminal's, when an inspection cannot be stored.
pub fn seed_inspections(t: &Terminal, n: u64, agency: &str) -> fieldtrail_terminal::Result<()> {
    let now = Utc::now();
    for i in 0..n {
        let mut new = sample_inspection(&format!("临河区第{i}号商户"));
        new.agency = agency.into();
        new.started_at = now - chrono::Duration::minutes(i64::try_from((n - i) * 72).unwrap_or(i64::MAX));
        let id = t.create_inspection(&new)?;
        let edits = [
            fieldtrail_core::Edit::SetFindings(format!("现场检查第{i}号：证照齐全，冷藏温度达标。")),
            fieldtrail_core::Edit::SetResult("合格".into()),
        ];
        t.edit(&id, &edits)?;
    }
    Ok(())
}

// ---- Evidence upload helpers (SYNC-3) ----

impl ServerProcess {
    /// Kills the server without warning (SIGKILL: no graceful shutdown, like a power cut for the process)
    /// and starts it again on the same data directory and port.
    pub fn crash_and_restart(&mut self) -> anyhow::Result<()> {
        self.crash()?;
        self.start_again()
    }

    /// Kills the server without warning (SIGKILL) and waits until it is gone; [`Self::start_again`] revives it.
    pub fn crash(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Starts the server again on the same data directory and port.
    pub fn start_again(&mut self) -> anyhow::Result<()> {
        *self = Self::start_on(&self.data.clone(), &self.addr.to_string())?;
        Ok(())
    }
}

/// A TCP proxy on 127.0.0.1 that cuts its connections when the bytes it has received from clients reach
/// each of the given offsets, like a mobile link that drops. It counts every byte clients pushed into it.
#[derive(Debug)]
pub struct CuttingProxy {
    pub addr: SocketAddr,
    inner: std::sync::Arc<ProxyInner>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct ProxyInner {
    upstream: SocketAddr,
    /// Bytes received from clients, in total.
    received: std::sync::atomic::AtomicU64,
    cuts_done: std::sync::atomic::AtomicU32,
    /// Pending cut offsets, ascending.
    cuts: std::sync::Mutex<std::collections::VecDeque<u64>>,
}

impl CuttingProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr, mut cut_at: Vec<u64>) -> anyhow::Result<Self> {
        cut_at.sort_unstable();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = std::sync::Arc::new(ProxyInner {
            upstream,
            received: Default::default(),
            cuts_done: Default::default(),
            cuts: std::sync::Mutex::new(cut_at.into()),
        });
        let state = inner.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(pipe(client, state.clone()));
            }
        });
        Ok(CuttingProxy { addr, inner, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes clients sent into the proxy so far (request heads included).
    pub fn bytes_from_clients(&self) -> u64 {
        self.inner.received.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many connections were cut on purpose.
    pub fn cuts(&self) -> u32 {
        self.inner.cuts_done.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: tokio::net::TcpStream, state: std::sync::Arc<ProxyInner>) {
    use std::sync::atomic::Ordering::SeqCst;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Upstream down (server restarting): dropping the client connection is what a dead link looks like.
    let Ok(server) = tokio::net::TcpStream::connect(state.upstream).await else { return };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let before = state.received.fetch_add(n as u64, SeqCst);
            let cut = {
                let mut cuts = state.cuts.lock().unwrap_or_else(|p| p.into_inner());
                match cuts.front() {
                    Some(&at) if before + n as u64 >= at => {
                        cuts.pop_front();
                        Some(at.saturating_sub(before) as usize)
                    }
                    _ => None,
                }
            };
            if let Some(keep) = cut {
                // Forward the bytes up to the cut point, then drop both connections mid-request.
                let _ = server_write.write_all(&buf[..keep.min(n)]).await;
                state.cuts_done.fetch_add(1, SeqCst);
                return;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = tokio::io::copy(&mut server_read, &mut client_write);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

/// Writes a WAV recording of `len` bytes of noise to `path`: a real RIFF/WAVE header (16 kHz, mono, 16-bit)
/// and pseudo-random samples from `seed`, so the file is sniffed as audio and compresses to nothing.
pub fn write_noise_wav(path: &Path, len: u64, seed: u64) -> anyhow::Result<()> {
    use std::io::Write;
    anyhow::ensure!((44..=u32::MAX as u64).contains(&len), "a WAV is 44 bytes to 4 GiB");
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    f.write_all(b"RIFF")?;
    f.write_all(&((len - 8) as u32).to_le_bytes())?;
    f.write_all(b"WAVEfmt ")?;
    f.write_all(&16u32.to_le_bytes())?;
    f.write_all(&[1, 0, 1, 0])?;
    f.write_all(&16_000u32.to_le_bytes())?;
    f.write_all(&32_000u32.to_le_bytes())?;
    f.write_all(&[2, 0, 16, 0])?;
    f.write_all(b"data")?;
    f.write_all(&((len - 44) as u32).to_le_bytes())?;
    let mut x = seed | 1;
    let mut left = len - 44;
    let mut block = vec![0u8; 1 << 20];
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

/// A small deterministic generator for test schedules (cut offsets); the seed is printed so a run repeats.
#[derive(Debug, Clone)]
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0 | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Every row of a server's store as text, to compare before and after a refused request. The request counters
/// are left out: a request whose signature verified uses up its counter even when what it asks is refused
/// (SEC-4), which is what keeps it from being replayed.
pub fn dump_server_store(data: &Path) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(data.join("server.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open server.db");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
        .expect("list tables");
    let mut out = String::new();
    for table in tables.iter().filter(|t| t.as_str() != "request_counters") {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            let values: Vec<String> = (0..columns).map(|i| format!("{:?}", row.get_ref(i).expect("value"))).collect();
            out.push_str(&format!("{table}: {}\n", values.join(" | ")));
        }
    }
    out
}

/// Sends one automerge sync message about document `id` as terminal `t`, signed, the way a terminal that skips
/// its own checks would; returns the status and the error body (empty on success). The cursor is beyond any the
/// server has, so the answer carries nothing else.
pub async fn push_raw(url: &str, t: &Terminal, id: &str, msg: Vec<u8>) -> (u16, fieldtrail_core::protocol::ErrorBody) {
    use fieldtrail_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest};
    let body = protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        terminal: t.device_id().into(),
        cursor: u64::MAX / 2,
        docs: vec![DocMessage { id: id.into(), msg: serde_bytes::ByteBuf::from(msg) }],
        ..Default::default()
    });
    let resp = t
        .signed(reqwest::Method::POST, &format!("{url}/v1/sync"), Some(&body))
        .expect("sign")
        .header("content-type", protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("reply");
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Copies a directory tree, as a backup of a data directory taken while its program is stopped (SEC-6 tests).
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
