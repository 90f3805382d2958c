//! `stockroom-spapi-stub --port N --outbound-prism URL --listings-prism URL`:
//! see the library's documentation (and docs/local-servers.md).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use stockroom_spapi_stub::{Stub, StubOptions, serve};
use tokio::net::TcpListener;

/// Local stand-in for Amazon SP-API and Login with Amazon.
#[derive(Debug, Parser)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port, printed at start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Base URL of the Prism mock serving fulfillmentOutbound_2020-07-01.json.
    #[arg(long)]
    outbound_prism: String,
    /// Base URL of the Prism mock serving listingsItems_2021-08-01.json.
    #[arg(long)]
    listings_prism: String,
    /// Lifetime of the access tokens issued, in seconds.
    #[arg(long, default_value_t = 3600)]
    expires_in: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let stub = Arc::new(Stub::new(StubOptions {
        outbound_prism: args.outbound_prism,
        listings_prism: args.listings_prism,
        expires_in: args.expires_in,
    }));
    let listener = match TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "stockroom-spapi-stub: cannot listen on port {}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("stockroom-spapi-stub on http://{addr}");
    }
    tokio::select! {
        result = serve(listener, stub) => {
            if let Err(e) = result {
                eprintln!("stockroom-spapi-stub: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
