//! Prints the milliseconds the first AWS-LC random draw of this process
//! takes: the DRBG's seeding, which with CPU jitter entropy runs the
//! jitter collector first. A Stockroom function pays it once per cold
//! start, at its first TLS handshake to DynamoDB, SQS or SES (the
//! ClientHello random and the key share). Built twice, with
//! AWS_LC_SYS_NO_JITTER_ENTROPY set to 1 (this workspace) and 0: the
//! commands are in BENCHMARKS.md ("Cold start and size").

use std::time::Instant;

fn main() {
    let mut buf = [0u8; 32];
    let start = Instant::now();
    let filled = aws_lc_rs::rand::fill(&mut buf);
    let elapsed = start.elapsed();
    if filled.is_err() {
        eprintln!("aws-lc-rs could not draw random bytes");
        std::process::exit(1);
    }
    println!("{:.3}", elapsed.as_secs_f64() * 1000.0);
}
