//! `stockroom-dev`: serves every route and the web console on
//! http://127.0.0.1:3000 (`PORT` overrides) on the configured store (the
//! embedded one by default).

use std::process::ExitCode;

use std::sync::Arc;

use stockroom::config::{LogFormat, StoreConfig};
use stockroom::metrics::MetricsLog;
use stockroom::telemetry;
use stockroom::wiring::{build_local_app, ensure_store_ready};
use stockroom_dev_server::config::{DEFAULT_ADMIN_PASSWORD, DevConfig};
use stockroom_dev_server::{DevServer, seed, serve};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stockroom-dev: {}", stockroom::telemetry::chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dev = DevConfig::from_env()?;
    telemetry::init(dev.config.log_format, "dev-server");
    ensure_store_ready(&dev.config).await?;
    let app = build_local_app(&dev.config).await?;
    seed::admin(&app, &dev.admin_username, &dev.admin_password).await?;
    if dev.seed {
        let created = seed::catalogue(&app).await?;
        println!("seeded {created} demo listings");
    } else if dev.config.store != StoreConfig::Memory {
        println!("demo catalogue not loaded on a real store (SEED=true loads it)");
    }
    let listener = TcpListener::bind(("127.0.0.1", dev.port)).await?;
    let addr = listener.local_addr()?;
    println!(
        "stockroom dev server on http://{addr} (store: {})",
        dev.config.store.kind()
    );
    // Only the published default is shown; a password of one's own is not
    // printed.
    if dev.admin_password == DEFAULT_ADMIN_PASSWORD {
        println!(
            "admin account: {} / {DEFAULT_ADMIN_PASSWORD}",
            dev.admin_username
        );
    } else {
        println!(
            "admin account: {} (password from ADMIN_PASSWORD)",
            dev.admin_username
        );
    }
    println!("console: http://{addr}/");
    println!("API description: http://{addr}/openapi.json; Ctrl-C stops");
    let outbox = stockroom::mail::Outbox::with_rules(dev.outbox);
    // With JSON logs, the metrics go to stdout too, as Lambda writes them.
    let metrics = match dev.config.log_format {
        LogFormat::Json => MetricsLog::echoing(),
        LogFormat::Text => MetricsLog::default(),
    };
    let server = DevServer::start_with(app, dev.queues, &dev.schedule, outbox, Arc::new(metrics));
    serve(server, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    println!("stopped");
    Ok(())
}
