//! The built `stockroom-admin` binary's command line, run as an operator
//! runs it. Only what needs no store or AWS endpoint: help, version and
//! refused arguments (the commands themselves run against the local
//! stand-ins in the store and end-to-end suites).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test, as clippy.toml allows in #[test] fns"
)]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stockroom-admin"))
        .args(args)
        // Nothing here may reach a store, whatever the caller's environment.
        .env_remove("STORE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn help_lists_every_command() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for command in [
        "create-admin",
        "setup-store",
        "create-queue",
        "create-sender-identity",
        "--version",
        "Exit status",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    let out = run(&["create-queue", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--max-receives <N>"));
}

#[test]
fn version_prints_the_crate_version() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("stockroom-admin {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    for (args, needle) in [
        (&[][..], "Usage: stockroom-admin <COMMAND>"),
        (
            &["make-coffee"][..],
            "unrecognized subcommand 'make-coffee'",
        ),
        (&["create-queue"][..], "--name <NAME>"),
        (
            &["create-queue", "--name", "q", "--max-receives", "many"][..],
            "--max-receives",
        ),
        (
            &[
                "create-admin",
                "--username",
                "a",
                "--password",
                "p",
                "--password-stdin",
            ][..],
            "cannot be used with",
        ),
        (
            &["setup-store", "--table", "x"][..],
            "unexpected argument '--table'",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
