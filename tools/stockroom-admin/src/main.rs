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

use clap::{Parser, Subcommand};
use stockroom::app::{App, ensure_admin};
use stockroom::auth::Password;
use stockroom::config::{Config, StoreConfig};
use stockroom::domain::Username;
use stockroom::wiring::{build_store, ensure_store_ready};

/// Text after the commands in `--help`.
const AFTER_HELP: &str = "\
The store comes from STORE (dynamodb or mongodb) with TABLE_NAME or
MONGODB_URI, as for the functions. AWS endpoints, region and credentials
come from the usual AWS_* variables (AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SESV2 for local stand-ins).

Exit status: 0 done, 1 the operation failed, 2 bad arguments.";

/// One-off operations beside the Lambda functions: the admin bootstrap, and
/// the table, queues and sender identity on local stand-ins.
#[derive(Debug, Parser)]
#[command(name = "stockroom-admin", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates the admin account in the store named by STORE; an existing
    /// account of that name is left alone. Without --password or
    /// --password-stdin the password is read from ADMIN_PASSWORD.
    CreateAdmin {
        #[arg(long, value_name = "NAME")]
        username: String,
        /// The password (visible to other users of the machine: prefer
        /// --password-stdin or ADMIN_PASSWORD).
        #[arg(long, value_name = "PW", conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Prepares the store named by STORE: creates the DynamoDB table
    /// TABLE_NAME with its indexes and TTL (waiting until it is ACTIVE), or
    /// checks the MongoDB deployment and creates its indexes. Idempotent. For
    /// local stand-ins and tests; on AWS the SAM template owns the table.
    SetupStore,
    /// Creates the queue NAME and its dead-letter queue NAME-dlq and prints
    /// the queue URL.
    CreateQueue {
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Receives before a message moves to the dead-letter queue.
        #[arg(long, value_name = "N", default_value_t = 5)]
        max_receives: u32,
    },
    /// Creates the SES v2 email identity (real SES then mails a verification
    /// link).
    CreateSenderIdentity {
        #[arg(long, value_name = "ADDRESS")]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Bad arguments, --help and --version exit here (2, 0 and 0).
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("stockroom-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::CreateAdmin {
            username,
            password,
            password_stdin,
        } => create_admin(&username, password, password_stdin).await,
        Command::SetupStore => setup_store().await,
        Command::CreateQueue { name, max_receives } => create_queue(&name, max_receives).await,
        Command::CreateSenderIdentity { email } => create_sender_identity(&email).await,
    }
}

async fn create_admin(
    username: &str,
    password: Option<String>,
    password_stdin: bool,
) -> Result<(), String> {
    let username = Username::parse(username).map_err(|e| e.to_string())?;
    let raw_password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from stdin: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Some(pw) = password {
        pw
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

async fn setup_store() -> Result<(), String> {
    let config = store_config()?;
    ensure_store_ready(&config).await.map_err(|e| chain(&e))?;
    match &config.store {
        StoreConfig::Memory => println!("STORE is memory: nothing to set up"),
        StoreConfig::DynamoDb { table } => println!("DynamoDB table {table} ready"),
        StoreConfig::MongoDb { database, .. } => println!("MongoDB database {database} ready"),
    }
    Ok(())
}

async fn create_queue(name: &str, max_receives: u32) -> Result<(), String> {
    let sdk = stockroom::aws::load().await;
    let client = stockroom::queue::sqs::client(&sdk);
    let url = stockroom::queue::sqs::create_queue_with_dlq(&client, name, max_receives)
        .await
        .map_err(|e| chain(&e))?;
    println!("{url}");
    Ok(())
}

async fn create_sender_identity(email: &str) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_each_command() {
        let cli =
            Cli::try_parse_from(["stockroom-admin", "create-queue", "--name", "orders"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::CreateQueue { ref name, max_receives: 5 } if name == "orders"
        ));
        let cli = Cli::try_parse_from([
            "stockroom-admin",
            "create-admin",
            "--username",
            "root",
            "--password-stdin",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::CreateAdmin {
                password: None,
                password_stdin: true,
                ..
            }
        ));
        let both = Cli::try_parse_from([
            "stockroom-admin",
            "create-admin",
            "--username",
            "root",
            "--password",
            "x",
            "--password-stdin",
        ]);
        assert_eq!(both.unwrap_err().exit_code(), 2);
    }
}
