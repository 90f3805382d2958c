//! The browser test's vocabulary: find controls the way a person does (by
//! their label or name), wait for pages, audit them (accessible names, one
//! heading, no sideways scrolling, a clean console, no request leaving the
//! dev server) and take screenshots.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::webdriver::{Browser, Element};

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An XPath string literal (the test's own strings hold no quote).
fn lit(s: &str) -> String {
    assert!(!s.contains('\''), "{s}");
    format!("'{s}'")
}

pub struct Walk {
    pub b: Browser,
    pub base: String,
    pub shots: PathBuf,
    pub width: u32,
    /// Console errors the test provoked on purpose (API refusals).
    pub expected_errors: Vec<&'static str>,
}

impl Walk {
    pub async fn button(&self, name: &str) -> Element {
        let n = lit(name);
        self.b
            .find(&format!(
                "//button[normalize-space()={n} or @aria-label={n}]"
            ))
            .await
    }

    pub async fn press(&self, name: &str) {
        let e = self.button(name).await;
        self.b.click(&e).await;
    }

    /// The control labelled `label` (by a <label for>).
    pub async fn field(&self, label: &str) -> Element {
        self.b
            .find(&format!(
                "//*[@id=//label[normalize-space()={}]/@for]",
                lit(label)
            ))
            .await
    }

    pub async fn fill(&self, label: &str, text: &str) {
        let e = self.field(label).await;
        self.b.clear(&e).await;
        if !text.is_empty() {
            self.b.send_keys(&e, text).await;
        }
    }

    pub async fn choose(&self, label: &str, value: &str) {
        let select = self.field(label).await;
        self.b.click(&select).await;
        let option = self
            .b
            .find(&format!(
                "//*[@id=//label[normalize-space()={}]/@for]/option[@value={}]",
                lit(label),
                lit(value)
            ))
            .await;
        self.b.click(&option).await;
    }

    pub async fn wait_text(&self, text: &str) {
        self.b.wait_text(text).await;
    }

    pub async fn ready(&self, page: &str) {
        self.b
            .find(&format!("//main[@data-ready={}]", lit(page)))
            .await;
    }

    pub async fn open(&self, page: &str, link: &str) {
        let a = self
            .b
            .find(&format!("//nav//a[normalize-space()={}]", lit(link)))
            .await;
        self.b.click(&a).await;
        self.ready(page).await;
    }

    /// The value shown beside a dashboard figure.
    pub async fn figure(&self, name: &str) -> String {
        let dd = self
            .b
            .find(&format!("//dt[normalize-space()={}]/../dd", lit(name)))
            .await;
        self.b.text(&dd).await
    }

    pub async fn shoot(&self, name: &str) {
        let path = self.shots.join(format!("{name}-{}.png", self.width));
        self.b.screenshot_page(&path).await;
    }

    /// Every control has an accessible name, every chart is an image with
    /// one, the page has one h1, and nothing is wider than the window.
    pub async fn audit(&self, page: &str) {
        for e in self
            .b
            .all("//main//*[self::input or self::select or self::button or self::a or @role='img'] | //header//*[self::a or self::button]")
            .await
        {
            if !self.b.displayed(&e).await {
                continue;
            }
            let name = self.b.label(&e).await;
            let role = self.b.role(&e).await;
            assert!(
                !name.trim().is_empty(),
                "{page}: a {role} without an accessible name"
            );
        }
        let h1 = self.b.all("//h1").await;
        assert_eq!(h1.len(), 1, "{page}: one h1");
        let overflow = self
            .b
            .exec(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                json!([]),
            )
            .await;
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{page} at {} px is {overflow} px too wide",
            self.width
        );
        self.console_clean(page).await;
    }

    /// No error in the browser console beyond the ones provoked on purpose,
    /// and no request to anything but the dev server.
    pub async fn console_clean(&self, step: &str) {
        for entry in self.b.log("browser").await {
            let level = entry["level"].as_str().unwrap_or_default();
            let message = entry["message"].as_str().unwrap_or_default();
            if level == "SEVERE" {
                assert!(
                    self.expected_errors.iter().any(|e| message.contains(e)),
                    "{step}: the browser console logged an error: {message}"
                );
            }
        }
        for entry in self.b.log("performance").await {
            let message: Value =
                serde_json::from_str(entry["message"].as_str().unwrap_or("{}")).unwrap();
            if message["message"]["method"] != "Network.requestWillBeSent" {
                continue;
            }
            let url = message["message"]["params"]["request"]["url"]
                .as_str()
                .unwrap_or_default();
            // Only network schemes can leave the machine (Chromium's own
            // chrome:// resources and data: URLs do not).
            let network = ["http:", "https:", "ws:", "wss:", "ftp:"]
                .iter()
                .any(|scheme| url.starts_with(scheme));
            assert!(
                !network || url.starts_with(&format!("{}/", self.base)),
                "{step}: a request left the dev server: {url}"
            );
        }
    }

    pub async fn sign_in(&self, username: &str, password: &str, page: &str) {
        self.ready("sign-in").await;
        self.fill("Username", username).await;
        self.fill("Password", password).await;
        self.press("Sign in").await;
        self.ready(page).await;
    }

    pub async fn sign_out(&self) {
        self.press("Sign out").await;
        self.ready("sign-in").await;
        let left = self
            .b
            .exec("return sessionStorage.length;", json!([]))
            .await;
        assert_eq!(left, 0, "the token is dropped on sign out");
    }

    /// The row of a table that shows `text`.
    pub fn row(text: &str) -> String {
        format!("//tr[.//td[contains(normalize-space(), {})]]", lit(text))
    }
}
