//! A small W3C WebDriver client over reqwest (already a dev-dependency),
//! driving Debian's `chromedriver` and headless `chromium`. A WebDriver
//! crate would add a second HTTP stack to compile for the dozen commands
//! the console test needs.
//!
//! Missing browsers fail the test loudly: CI installs them
//! (`scripts/lib/chromium.sh`), and a skipped browser test would pass
//! without having looked at anything.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
/// How long to wait for something to appear on the page.
const PATIENCE: Duration = Duration::from_secs(15);

/// The flags that let Chromium run here: headless, no sandbox (root in a
/// container), and no background connections to Google's services.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

pub struct Browser {
    http: reqwest::Client,
    driver_url: String,
    session: String,
    driver: Child,
    profile: PathBuf,
}

/// A page element.
#[derive(Debug, Clone)]
pub struct Element(pub String);

fn program(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    let found = if path.is_absolute() {
        path.exists()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|dirs| std::env::split_paths(&dirs).any(|d| d.join(&path).exists()))
    };
    assert!(
        found,
        "{} not found: the console test needs Debian's chromium and chromium-driver \
         (apt-get install -y chromium chromium-driver; scripts/test installs them), \
         or set {env}",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a Chromium
    /// session with a fresh profile, logging the console and the network.
    pub async fn start(log_dir: &Path) -> Browser {
        let chromedriver = program("CHROMEDRIVER", "chromedriver");
        let chromium = program("CHROMIUM", "/usr/bin/chromium");
        let port = free_port();
        let profile = std::env::temp_dir().join(format!(
            "stockroom-console-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                log_dir.join("chromedriver.log").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", chromedriver.display()));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let driver_url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = match http.get(format!("{driver_url}/status")).send().await {
                Ok(r) => r.json::<Value>().await.ok(),
                Err(_) => None,
            };
            if ready.is_some_and(|v| v["value"]["ready"] == true) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
        }}});
        let mut browser = Browser {
            http,
            driver_url,
            session: String::new(),
            driver,
            profile,
        };
        let created = browser.call("POST", "/session", Some(caps)).await;
        browser.session = created["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.driver_url);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(value["value"].clone())
        } else {
            Err(format!(
                "{}: {}",
                value["value"]["error"], value["value"]["message"]
            ))
        }
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body) in the page with `args`.
    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            &self.at("/execute/sync"),
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    async fn find_now(&self, xpath: &str) -> Vec<Element> {
        let found = self
            .try_call(
                "POST",
                &self.at("/elements"),
                Some(json!({ "using": "xpath", "value": xpath })),
            )
            .await
            .unwrap_or(Value::Null);
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every element matching `xpath` now (possibly none).
    pub async fn all(&self, xpath: &str) -> Vec<Element> {
        self.find_now(xpath).await
    }

    /// The first displayed element matching `xpath`, waiting for it.
    pub async fn find(&self, xpath: &str) -> Element {
        let started = Instant::now();
        loop {
            for e in self.find_now(xpath).await {
                if self.displayed(&e).await {
                    return e;
                }
            }
            if started.elapsed() > PATIENCE {
                let text = self.visible_text().await;
                panic!("nothing visible matches {xpath}; the page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn displayed(&self, e: &Element) -> bool {
        self.try_call(
            "GET",
            &self.at(&format!("/element/{}/displayed", e.0)),
            None,
        )
        .await
        .is_ok_and(|v| v == true)
    }

    pub async fn click(&self, e: &Element) {
        self.call("POST", &self.at(&format!("/element/{}/click", e.0)), None)
            .await;
    }

    pub async fn clear(&self, e: &Element) {
        self.call("POST", &self.at(&format!("/element/{}/clear", e.0)), None)
            .await;
    }

    pub async fn send_keys(&self, e: &Element, text: &str) {
        self.call(
            "POST",
            &self.at(&format!("/element/{}/value", e.0)),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Types `text` into whatever has the keyboard focus, key by key.
    pub async fn keys(&self, text: &str) {
        let mut actions = Vec::new();
        for c in text.chars() {
            actions.push(json!({ "type": "keyDown", "value": c.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": c.to_string() }));
        }
        self.call(
            "POST",
            &self.at("/actions"),
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .await;
    }

    pub async fn text(&self, e: &Element) -> String {
        let v = self
            .call("GET", &self.at(&format!("/element/{}/text", e.0)), None)
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The accessible name Chromium computes for `e`.
    pub async fn label(&self, e: &Element) -> String {
        let v = self
            .call(
                "GET",
                &self.at(&format!("/element/{}/computedlabel", e.0)),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    pub async fn role(&self, e: &Element) -> String {
        let v = self
            .call(
                "GET",
                &self.at(&format!("/element/{}/computedrole", e.0)),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// What a person sees: the rendered text of the page.
    pub async fn visible_text(&self) -> String {
        self.exec("return document.body.innerText;", json!([]))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the page shows `text`.
    pub async fn wait_text(&self, text: &str) {
        let started = Instant::now();
        loop {
            let shown = self.visible_text().await;
            if shown.contains(text) {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!("the page never showed {text:?}; it shows:\n{shown}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page no longer shows `text` (a filter applied, a
    /// list redrawn): asserting absence right after the presence of
    /// something both lists show would race the redraw.
    pub async fn wait_no_text(&self, text: &str) {
        let started = Instant::now();
        loop {
            let shown = self.visible_text().await;
            if !shown.contains(text) {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!("the page still shows {text:?}:\n{shown}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn set_size(&self, width: u32, height: u32) {
        self.call(
            "POST",
            &self.at("/window/rect"),
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// A screenshot of the whole page, below the fold too (Chromium's
    /// DevTools command through chromedriver).
    pub async fn screenshot_page(&self, path: &Path) {
        let size = self
            .exec(
                "return [window.innerWidth, document.documentElement.scrollHeight];",
                json!([]),
            )
            .await;
        let params = json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1 },
        });
        let shot = self
            .call(
                "POST",
                &self.at("/goog/cdp/execute"),
                Some(json!({ "cmd": "Page.captureScreenshot", "params": params })),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Drains the browser's log of `kind` (`browser` or `performance`).
    pub async fn log(&self, kind: &str) -> Vec<Value> {
        let v = self
            .call("POST", &self.at("/se/log"), Some(json!({ "type": kind })))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    pub async fn quit(mut self) {
        let _ = self.try_call("DELETE", &self.at(""), None).await;
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a panic too: no Chromium or chromedriver left behind. Drop
        // cannot await, so the session is closed with a plain blocking
        // request before chromedriver is stopped.
        if !self.session.is_empty() {
            use std::io::{Read, Write};
            let addr = self.driver_url.trim_start_matches("http://");
            if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    stream,
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = stream.read(&mut [0u8; 256]);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
