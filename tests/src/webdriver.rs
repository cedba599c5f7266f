//! A real Chromium driven over the W3C WebDriver protocol (chromedriver from Debian's `chromium-driver`), for
//! tests of pages a party's phone opens (the verify page, CERT-3). The protocol's few JSON calls a test needs
//! (new session, navigate, execute script, quit) go over reqwest, which the tests already build: a WebDriver
//! client crate would add a second HTTP stack for four requests.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver as a child process, and one headless Chromium session on it.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver (`$CHROMEDRIVER`, else `chromedriver`) and a headless Chromium (`$CHROMIUM`, else
    /// Debian's `/usr/bin/chromium`) with a fresh profile.
    pub async fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {driver} (Debian package chromium-driver)"))?;
        let profile = tempfile::TempDir::new()?;
        let mut browser = Browser {
            driver: child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _profile: profile,
        };
        let started = Instant::now();
        while browser.http.get(format!("{}/status", browser.base)).send().await.is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not answer on port {port}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": binary, "args": args}
        }}});
        let session = browser.call("POST", "/session", caps).await.context("new Chromium session")?;
        let id = session["sessionId"].as_str().context("no session id")?.to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        Ok(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "POST" => self.http.post(&url).json(&body),
            "DELETE" => self.http.delete(&url),
            _ => self.http.get(&url),
        };
        let answer: Value = request.send().await?.json().await?;
        let value = answer.get("value").cloned().unwrap_or(Value::Null);
        if let Some(error) = value.get("error") {
            bail!("WebDriver {method} {path}: {error} {}", value["message"]);
        }
        Ok(value)
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.call("POST", "/url", json!({"url": url})).await.map(|_| ())
    }

    /// Runs `script` (a function body; `return` its answer, a promise is awaited) in the page.
    pub async fn eval(&self, script: &str) -> anyhow::Result<Value> {
        self.call("POST", "/execute/sync", json!({"script": script, "args": []})).await
    }

    /// Evaluates `script` until it returns something other than null/false/"" or `timeout` passes.
    pub async fn until(&self, script: &str, timeout: Duration) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.eval(script).await.unwrap_or(Value::Null);
            if !matches!(&value, Value::Null | Value::Bool(false)) && value != json!("") {
                return Ok(value);
            }
            if started.elapsed() > timeout {
                bail!("waited {timeout:?} for: {script}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session and chromedriver.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        let _ = self.call("DELETE", "", Value::Null).await;
        self.driver.kill()?;
        self.driver.wait()?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
