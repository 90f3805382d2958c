//! `coldstart`: cold start of Lambda function binaries as a user feels it,
//! measured on this machine against a local Lambda Runtime API.
//!
//! For every run it spawns the binary with the environment Lambda sets plus
//! the function's settings, hands it ONE event (by default `GET /orders/{id}`
//! of an order it first places in the configured DynamoDB table) and times
//! two moments from the spawn:
//!
//! * **init**: the first `GET /runtime/invocation/next`, everything the
//!   function does before it can take an event;
//! * **first response**: the `POST .../response` of that event, which adds
//!   what the first request pays (SDK credentials and connector, the trust
//!   store, the store call itself).
//!
//! Binaries and runs are interleaved so that a change in machine load hits
//! all of them alike; the ratios to the baselines measured in the same run
//! are the robust numbers. Every response is checked: an HTTP answer other
//! than 200, or one that does not carry the order id, fails the run.
//!
//! Modules: [`runtime_api`] the Runtime API stand-in, [`seed`] the table,
//! order, token and event, [`runner`] one spawned process, [`report`] the
//! statistics and the Markdown table. `scripts/bench-coldstart` builds the
//! binaries and starts the local DynamoDB around it.

mod report;
mod runner;
mod runtime_api;
mod seed;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::report::{Binary, Samples};
use crate::runner::{Mode, Run};
use crate::runtime_api::RuntimeApi;

/// Cold start (init and first response) of Lambda binaries, beside baselines.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Measured runs per binary.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Unmeasured runs per binary first (page cache, moto's first calls).
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Seconds a run may take before it fails.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// A function setting, KEY=VALUE, for every binary (repeatable). Also
    /// the configuration the order is placed with.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    env: Vec<(String, String)>,
    /// The API Gateway event template; path, `id` and token are filled in.
    #[arg(long, default_value = "events/orders-api/get-order.json")]
    event: PathBuf,
    /// The binary whose init the others are compared with.
    #[arg(long, default_value = "hello-lambda")]
    init_baseline: String,
    /// The binary whose first response the others are compared with.
    #[arg(long, default_value = "baseline-dynamodb")]
    response_baseline: String,
    /// Also run each binary once under strace and list the sockets it
    /// opens before its first `/next` (a network call during init).
    #[arg(long)]
    trace_connects: bool,
    /// Where to write every sample as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Directory for each binary's output of its last run.
    #[arg(long, default_value = "target/bench-coldstart/logs")]
    logs: PathBuf,
    /// The binaries, NAME=PATH. A `PATH.zip` beside one gives its zip size.
    #[arg(required = true, value_name = "NAME=PATH", value_parser = binary)]
    binaries: Vec<Binary>,
}

fn key_value(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {raw:?}"))
}

fn binary(raw: &str) -> Result<Binary, String> {
    let (name, path) = key_value(raw).map_err(|_| format!("expected NAME=PATH, got {raw:?}"))?;
    Ok(Binary {
        name,
        path: PathBuf::from(path),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("coldstart: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                eprint!(": {cause}");
                source = cause.source();
            }
            eprintln!();
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(args: Args) -> Result<(), BoxError> {
    for bin in &args.binaries {
        if !bin.path.is_file() {
            return Err(format!("{}: {} is not a file", bin.name, bin.path.display()).into());
        }
    }
    let settings: HashMap<String, String> = args.env.iter().cloned().collect();
    let seeded = seed::seed(&settings, &args.event).await?;
    eprintln!(
        "coldstart: order {} placed; {} warm-up and {} measured runs per binary",
        seeded.order_id.as_uuid(),
        args.warmup,
        args.runs
    );

    let api = RuntimeApi::start().await?;
    std::fs::create_dir_all(&args.logs)?;
    let runs: Vec<Run> = args
        .binaries
        .iter()
        .map(|bin| Run {
            name: bin.name.clone(),
            path: bin.path.clone(),
            env: runner::lambda_env(&bin.name, &api, &settings),
            log: args.logs.join(format!("{}.log", bin.name)),
            expect: seeded.order_id.as_uuid().to_string(),
            timeout: Duration::from_secs(args.timeout),
        })
        .collect();

    let mut samples: Vec<Samples> = args.binaries.iter().map(Samples::new).collect();
    for round in 0..args.warmup + args.runs {
        for (run, into) in runs.iter().zip(samples.iter_mut()) {
            let sample = run.once(&api, Mode::Respond(seeded.event.clone())).await?;
            if round >= args.warmup {
                into.push(sample);
            }
        }
    }
    if args.trace_connects {
        for (run, into) in runs.iter().zip(samples.iter_mut()) {
            into.init_connects = Some(run.init_connects(&api).await?);
        }
    }

    if let Some(path) = &args.json {
        std::fs::write(path, report::json(&samples).to_string())?;
    }
    print!(
        "{}",
        report::markdown(
            &samples,
            args.runs,
            &args.init_baseline,
            &args.response_baseline
        )
    );
    Ok(())
}
