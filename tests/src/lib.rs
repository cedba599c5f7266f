//! Helpers for FieldTrail's end-to-end tests and benchmarks: a real fieldtrail-server (as a process, or in
//! this process on a real socket), terminals in their own data directories, and sample inspections.

use anyhow::{Context, bail};
use chrono::Utc;
use fieldtrail_core::{Kind, LegalBasis, Location, NewInspection, OfficerRef, Party};
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

    /// Stops the process the way an operator does (SIGTERM, then waits).
    pub fn stop(&mut self) -> anyhow::Result<()> {
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
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().and_then(Path::parent).context("test binary has no target directory")?;
    let bin = profile_dir.join(format!("fieldtrail-server{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo).args(["build", "-p", "fieldtrail-server", "--bin", "fieldtrail-server"]).status()?;
        anyhow::ensure!(status.success() && bin.exists(), "could not build fieldtrail-server at {}", bin.display());
    }
    Ok(bin)
}

/// A fieldtrail-server inside this process, on a real loopback socket.
#[derive(Debug)]
pub struct InProcessServer {
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl InProcessServer {
    pub async fn start(data: &Path) -> anyhow::Result<Self> {
        let config = fieldtrail_server::Config {
            data_dir: data.to_path_buf(),
            listen: "127.0.0.1:0".parse()?,
            max_body: fieldtrail_server::DEFAULT_MAX_BODY,
        };
        let server = fieldtrail_server::Server::bind(&config).await?;
        let url = format!("http://{}", server.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server.serve(async move {
            let _ = rx.await;
        }));
        Ok(InProcessServer { url, shutdown: Some(tx), task: Some(task) })
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

/// The server's materialised view and heads of one document (`GET /v1/documents/{id}`).
pub async fn server_document(url: &str, id: &str) -> anyhow::Result<serde_json::Value> {
    let resp = reqwest::get(format!("{url}/v1/documents/{id}")).await?;
    anyhow::ensure!(resp.status().is_success(), "GET document {id}: {}", resp.status());
    Ok(resp.json().await?)
}

/// A realistic inspection of a shop in Linhe district.
pub fn sample_inspection(party: &str) -> NewInspection {
    NewInspection {
        agency: "巴彦淖尔市市场监督管理局".into(),
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
        checklist: vec!["证照是否齐全".into(), "冷藏温度是否达标".into(), "进货查验记录".into()],
    }
}
