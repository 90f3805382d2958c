//! The console's files, embedded at compile time so that the function is
//! one binary. All are our own; nothing is vendored.
//!
//! Assets are served under `/assets/{version}/{file}`, where the version is
//! a hash of every file: a new build gets new URLs, so browsers may keep
//! an asset for a year, and ES module imports (`./api.js`) stay relative
//! and pick up the same version without any rewriting.

use std::sync::OnceLock;

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    Asset {
        name,
        content_type,
        body,
    }
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file under `/assets/`.
pub const ASSETS: &[Asset] = &[
    asset(
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    asset("app.js", JS, include_str!("../assets/app.js")),
    asset("api.js", JS, include_str!("../assets/api.js")),
    asset("dom.js", JS, include_str!("../assets/dom.js")),
    asset("charts.js", JS, include_str!("../assets/charts.js")),
    asset("admin.js", JS, include_str!("../assets/admin.js")),
    asset("stock.js", JS, include_str!("../assets/stock.js")),
    asset("shop.js", JS, include_str!("../assets/shop.js")),
    asset("assistant.js", JS, include_str!("../assets/assistant.js")),
    asset(
        "icon.svg",
        "image/svg+xml",
        include_str!("../assets/icon.svg"),
    ),
];

/// The page shell; `{{version}}` stands for [`version`].
const INDEX_TEMPLATE: &str = include_str!("../assets/index.html");

pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// A hash of every file: 16 hex digits of FNV-1a over names and contents.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                hash ^= u64::from(*b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        feed(INDEX_TEMPLATE.as_bytes());
        for a in ASSETS {
            feed(a.name.as_bytes());
            feed(&[0]);
            feed(a.body.as_bytes());
        }
        format!("{hash:016x}")
    })
}

/// The page shell with its asset URLs versioned.
pub fn index_html() -> &'static str {
    static INDEX: OnceLock<String> = OnceLock::new();
    INDEX.get_or_init(|| INDEX_TEMPLATE.replace("{{version}}", version()))
}

/// What a first visit downloads, in bytes before compression: the shell and
/// every asset (all modules are imported at start).
pub fn first_load_bytes() -> usize {
    index_html().len() + ASSETS.iter().map(|a| a.body.len()).sum::<usize>()
}
