//! The built `stockroom-forecast` binary, run as a person runs it: real
//! arguments, real files, standard streams and exit codes.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test, as clippy.toml allows in #[test] fns"
)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Runs the binary with `args`, `stdin` on its standard input.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom-forecast"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A file in the system's temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn help_describes_every_option() {
    let out = run(&["--help"], "");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for option in [
        "--horizon",
        "--lead-time",
        "--review-period",
        "--service-level",
        "--delimiter",
        "--format",
        "--version",
        "Exit status",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = run(&["--version"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("stockroom-forecast {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    for (args, needle) in [
        (&["--service-level", "1.5", "x.csv"][..], "--service-level"),
        (&["--lead-time", "soon", "x.csv"][..], "--lead-time"),
        (
            &["--frobnicate", "x.csv"][..],
            "unexpected argument '--frobnicate'",
        ),
        (&[][..], "SALES.csv"),
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = run(&["no-such-sales-file.csv"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read no-such-sales-file.csv"));
}

#[test]
fn reads_a_semicolon_export_with_quoted_newlines_and_extra_columns() {
    let mut csv = String::from("Date;Note;Quantity;SKU;Store\n");
    for day in 1..=28 {
        csv.push_str(&format!("2025-02-{day:02};;5;\"MUG; BLUE\";north\n"));
    }
    csv.push_str("2025-02-03;\"gift,\nwrapped\";2;RARE;south\n");
    csv.push_str("2025-02-30;;1;RARE;south\n");
    let file = TempFile::new("semicolon.csv", &csv);
    let out = run(&[file.path(), "--delimiter", ";", "--horizon", "3"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["sku"], "MUG; BLUE");
    assert_eq!(lines[0]["forecast"], serde_json::json!([5.0, 5.0, 5.0]));
    assert_eq!(lines[1]["sku"], "RARE");
    let stderr = text(&out.stderr);
    // The quoted newline makes the bad row's record start on line 32.
    assert!(
        stderr.starts_with(
            "line 32: invalid date \"2025-02-30\", expected YYYY-MM-DD\n\
             2 SKUs from 29 rows, 1 bad rows; classes: "
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

#[test]
fn writes_csv_from_standard_input() {
    let csv = "sku,date,quantity\nA,2025-01-01,2\nA,2025-01-02,2\n";
    let out = run(&["-", "--format", "csv", "--horizon", "2"], csv);
    assert_eq!(out.status.code(), Some(0));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "sku");
    assert_eq!(&header[5], "reorder_point");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][3]), ("A", "2;2"));
}

#[test]
fn a_file_of_bad_rows_exits_1() {
    let out = run(&["-"], "A,never,1\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error: no usable row in -"));
}
