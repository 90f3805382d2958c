//! `stockroom-admin`: one-off operations an operator (or a local test run)
//! needs beside the Lambda functions.
//!
//! * `create-admin` is the admin bootstrap of a deployment: there is no
//!   public route that creates an admin. It reads the same environment as
//!   the functions (`STORE`, `TABLE_NAME`, `MONGODB_URI`, AWS credentials
//!   and region) and creates the account unless the username exists.
//! * `setup-store` prepares the configured store (`wiring::ensure_store_ready`:
//!   the DynamoDB table with its indexes and TTL, or the MongoDB indexes);
//!   `create-queue` and `create-sender-identity` set up SQS and SES. On
//!   AWS the SAM template owns the table, queues and identity; these are
//!   for local stand-ins (moto) and tests, through the library's own
//!   setup helpers, so that the table is exactly the one the adapter
//!   expects.

use std::io::BufRead;
use std::process::ExitCode;

use stockroom::app::{App, ensure_admin};
use stockroom::auth::Password;
use stockroom::config::{Config, StoreConfig};
use stockroom::domain::Username;
use stockroom::wiring::{build_store, ensure_store_ready};

const USAGE: &str = "\
Usage: stockroom-admin COMMAND [OPTIONS]

Commands:
  create-admin --username NAME [--password PW | --password-stdin]
      Creates the admin account in the store named by STORE (dynamodb or
      mongodb; TABLE_NAME / MONGODB_URI as for the functions). An existing
      account of that name is left alone. Without --password or
      --password-stdin the password is read from ADMIN_PASSWORD.
  setup-store
      Prepares the store named by STORE: creates the DynamoDB table
      TABLE_NAME with its indexes and TTL (waiting until it is ACTIVE), or
      checks the MongoDB deployment and creates its indexes. Idempotent.
      For local stand-ins and tests; on AWS the SAM template owns the table.
  create-queue --name NAME [--max-receives N]
      Creates NAME and its dead-letter queue NAME-dlq (redrive after N
      receives, default 5) and prints the queue URL.
  create-sender-identity --email ADDRESS
      Creates the SES v2 email identity (real SES then mails a
      verification link).

AWS endpoints, region and credentials come from the usual AWS_* variables
(AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SESV2
for local stand-ins).
";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("stockroom-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), String> {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Err("no command given".into());
    };
    let opts = Options::parse(rest)?;
    match command.as_str() {
        "create-admin" => create_admin(&opts).await,
        "setup-store" => setup_store(&opts).await,
        "create-queue" => create_queue(&opts).await,
        "create-sender-identity" => create_sender_identity(&opts).await,
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?} (see --help)")),
    }
}

/// `--name value` pairs and `--flag` switches, nothing positional.
#[derive(Debug, Default)]
struct Options {
    pairs: Vec<(String, String)>,
    switches: Vec<String>,
}

const SWITCHES: &[&str] = &["--password-stdin"];

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut opts = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if !arg.starts_with("--") {
                return Err(format!("unexpected argument {arg:?}"));
            }
            if SWITCHES.contains(&arg.as_str()) {
                opts.switches.push(arg.clone());
                continue;
            }
            let value = it
                .next()
                .ok_or_else(|| format!("{arg} needs a value"))?
                .clone();
            opts.pairs.push((arg.clone(), value));
        }
        Ok(opts)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("{name} is required"))
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    fn reject_unknown(&self, known: &[&str]) -> Result<(), String> {
        match self
            .pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(self.switches.iter().map(String::as_str))
            .find(|k| !known.contains(k))
        {
            Some(unknown) => Err(format!("unknown option {unknown}")),
            None => Ok(()),
        }
    }
}

async fn create_admin(opts: &Options) -> Result<(), String> {
    opts.reject_unknown(&["--username", "--password", "--password-stdin"])?;
    let username = Username::parse(opts.required("--username")?).map_err(|e| e.to_string())?;
    let raw_password = if opts.switch("--password-stdin") {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from stdin: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Some(pw) = opts.get("--password") {
        pw.to_owned()
    } else {
        std::env::var("ADMIN_PASSWORD").map_err(|_| {
            "no password: pass --password-stdin, --password or set ADMIN_PASSWORD".to_owned()
        })?
    };
    let password = Password::parse(&raw_password).map_err(|e| e.to_string())?;

    let config = store_config()?;
    if config.store == StoreConfig::Memory {
        return Err(
            "STORE is memory (or unset): an admin created in this process's memory would be \
             lost when it exits; set STORE=dynamodb or STORE=mongodb"
                .into(),
        );
    }
    let store = build_store(&config).await.map_err(|e| e.to_string())?;
    let app = App::without_tokens(store, config.settings.clone());
    let admin = ensure_admin(&app, username, password)
        .await
        .map_err(|e| chain(&e))?;
    if admin.role != stockroom::domain::Role::Admin {
        return Err(format!(
            "{} exists and is not an admin; choose another username",
            admin.username
        ));
    }
    println!(
        "admin {} ready (customer_id {}) in the {} store",
        admin.username,
        admin.customer_id,
        config.store.kind()
    );
    Ok(())
}

/// The functions' configuration from the environment. `TOKEN_SECRET` may be
/// absent: this tool signs nothing.
fn store_config() -> Result<Config, String> {
    Config::from_env().map_err(|e| e.to_string())
}

async fn setup_store(opts: &Options) -> Result<(), String> {
    opts.reject_unknown(&[])?;
    let config = store_config()?;
    ensure_store_ready(&config).await.map_err(|e| chain(&e))?;
    match &config.store {
        StoreConfig::Memory => println!("STORE is memory: nothing to set up"),
        StoreConfig::DynamoDb { table } => println!("DynamoDB table {table} ready"),
        StoreConfig::MongoDb { database, .. } => println!("MongoDB database {database} ready"),
    }
    Ok(())
}

async fn create_queue(opts: &Options) -> Result<(), String> {
    opts.reject_unknown(&["--name", "--max-receives"])?;
    let name = opts.required("--name")?;
    let max_receives: u32 = match opts.get("--max-receives") {
        Some(raw) => raw
            .parse()
            .map_err(|e| format!("--max-receives {raw:?}: {e}"))?,
        None => 5,
    };
    let sdk = stockroom::aws::load().await;
    let client = stockroom::queue::sqs::client(&sdk);
    let url = stockroom::queue::sqs::create_queue_with_dlq(&client, name, max_receives)
        .await
        .map_err(|e| chain(&e))?;
    println!("{url}");
    Ok(())
}

async fn create_sender_identity(opts: &Options) -> Result<(), String> {
    opts.reject_unknown(&["--email"])?;
    let email = opts.required("--email")?;
    let sdk = stockroom::aws::load().await;
    let client = stockroom::mail::ses::client(&sdk);
    stockroom::mail::ses::create_sender_identity(&client, email)
        .await
        .map_err(|e| chain(&e))?;
    println!("sender identity {email} ready");
    Ok(())
}

/// An error with its sources, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    stockroom::telemetry::chain(error)
}
