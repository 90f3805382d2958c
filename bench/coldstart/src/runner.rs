//! One spawned function process per run: the environment Lambda gives it,
//! the timing from spawn to the calls the Runtime API stand-in records, the
//! check of its answer, and the strace run that lists sockets opened
//! during init.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use bytes::Bytes;
use thiserror::Error;
use tokio::process::{Child, Command};

use crate::runtime_api::{RunState, RuntimeApi};

/// The per-run id the stand-in hands out with the event.
static RUN_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Debug, Error)]
pub enum RunError {
    #[error("{name}: could not start {path}")]
    Spawn {
        name: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: {reason}; its output is in {log}")]
    Failed {
        name: String,
        reason: String,
        log: String,
    },
    #[error("{name}: could not read the strace log")]
    Trace {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a run hands the function.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The event, then wait for its response.
    Respond(Bytes),
    /// No event: stop at the first `/next`.
    InitOnly,
}

/// One run's times from spawn.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub init: Duration,
    pub response: Duration,
}

/// A binary and everything needed to run it.
#[derive(Debug)]
pub struct Run {
    pub name: String,
    pub path: PathBuf,
    pub env: Vec<(String, String)>,
    /// Output (stdout and stderr) of the last run.
    pub log: PathBuf,
    /// Text every answer must carry (the order id).
    pub expect: String,
    pub timeout: Duration,
}

/// What Lambda puts in a function's environment (region, the execution
/// role's credentials, the function's identity and the Runtime API), then
/// the function's own settings, which win. Nothing else of this process's
/// environment is passed on but `PATH`.
pub fn lambda_env(
    name: &str,
    api: &RuntimeApi,
    settings: &HashMap<String, String>,
) -> Vec<(String, String)> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    let mut env: Vec<(String, String)> = [
        ("PATH", path.as_str()),
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":UTC"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDBENCHMARK"),
        ("AWS_SECRET_ACCESS_KEY", "benchmark-secret"),
        ("AWS_SESSION_TOKEN", "benchmark-session"),
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    env.push(("AWS_LAMBDA_RUNTIME_API".into(), api.host_port()));
    env.retain(|(k, _)| !settings.contains_key(k));
    let mut own: Vec<_> = settings
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    own.sort();
    env.extend(own);
    env
}

impl Run {
    /// Spawns the binary once and times it.
    pub async fn once(&self, api: &RuntimeApi, mode: Mode) -> Result<Sample, RunError> {
        self.timed(api, mode, &[]).await
    }

    /// Runs the binary once under strace, up to its first `/next`, and
    /// returns the addresses it connected or sent to other than the Runtime
    /// API (a DNS query included).
    pub async fn init_connects(&self, api: &RuntimeApi) -> Result<Vec<String>, RunError> {
        let trace = self.log.with_extension("strace");
        let trace_arg = trace.display().to_string();
        let prefix = [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=connect,sendto,sendmsg",
            "-o",
            trace_arg.as_str(),
        ];
        self.timed(api, Mode::InitOnly, &prefix).await?;
        let text = std::fs::read_to_string(&trace).map_err(|source| RunError::Trace {
            name: self.name.clone(),
            source,
        })?;
        let mut found: Vec<String> = text
            .lines()
            .filter_map(socket_address)
            .filter(|addr| *addr != api.host_port())
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    async fn timed(
        &self,
        api: &RuntimeApi,
        mode: Mode,
        prefix: &[&str],
    ) -> Result<Sample, RunError> {
        let request_id = format!(
            "bench-{}",
            RUN_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let (event, timeout) = match &mode {
            Mode::Respond(event) => (Some(event.clone()), self.timeout),
            // strace slows everything down.
            Mode::InitOnly => (None, self.timeout * 3),
        };
        let mut state = api.arm(request_id, event);
        let log = std::fs::File::create(&self.log).map_err(|e| self.spawn_error(e))?;
        let log_err = log.try_clone().map_err(|e| self.spawn_error(e))?;
        let (program, args) = match prefix.split_first() {
            Some((first, rest)) => (
                PathBuf::from(first),
                rest.iter()
                    .map(|s| s.to_string())
                    .chain([self.path.display().to_string()])
                    .collect(),
            ),
            None => (self.path.clone(), Vec::new()),
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        if !prefix.is_empty() {
            // Its own process group, so that the traced function dies with
            // strace (a killed strace detaches its tracees and they run on).
            command.process_group(0);
        }

        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| self.spawn_error(e))?;
        let done = |run: &RunState| {
            run.failure.is_some()
                || match mode {
                    Mode::Respond(_) => run.response_at.is_some(),
                    Mode::InitOnly => run.next_at.is_some(),
                }
        };
        let outcome = tokio::select! {
            seen = state.wait_for(done) => seen.map(|run| run.clone()).map_err(|_| "the Runtime API stopped".to_owned()),
            status = child.wait() => Err(format!("exited ({}) before it answered", status.map(|s| s.to_string()).unwrap_or_default())),
            _ = tokio::time::sleep(timeout) => Err(format!("no answer within {} s", timeout.as_secs())),
        };
        stop(&mut child, !prefix.is_empty()).await;
        let run = outcome.map_err(|reason| self.failed(reason))?;
        if let Some(failure) = &run.failure {
            return Err(self.failed(failure.clone()));
        }
        let since = |at: Option<Instant>| {
            at.map(|t| t.saturating_duration_since(started))
                .unwrap_or_default()
        };
        if matches!(mode, Mode::Respond(_)) {
            self.check(run.response.as_deref().unwrap_or_default())?;
        }
        Ok(Sample {
            init: since(run.next_at),
            response: since(run.response_at),
        })
    }

    /// An HTTP answer (a `statusCode` field) must be 200, and every answer
    /// must carry the order id: a 401 or 404 in 2 ms is no cold start.
    fn check(&self, response: &[u8]) -> Result<(), RunError> {
        let answer: serde_json::Value = serde_json::from_slice(response)
            .map_err(|e| self.failed(format!("answered no JSON ({e})")))?;
        let status = answer.get("statusCode").and_then(|s| s.as_u64());
        if status.is_some_and(|s| s != 200) || !answer.to_string().contains(&self.expect) {
            let text = String::from_utf8_lossy(response);
            return Err(self.failed(format!("answered {text}")));
        }
        Ok(())
    }

    fn spawn_error(&self, source: std::io::Error) -> RunError {
        RunError::Spawn {
            name: self.name.clone(),
            path: self.path.display().to_string(),
            source,
        }
    }

    fn failed(&self, reason: String) -> RunError {
        RunError::Failed {
            name: self.name.clone(),
            reason,
            log: self.log.display().to_string(),
        }
    }
}

async fn stop(child: &mut Child, whole_group: bool) {
    // Already gone is fine: the run's outcome says why.
    if whole_group && let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status()
            .await;
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// The address of an strace `connect`, `sendto` or `sendmsg` line, if it
/// names one: `127.0.0.1:8000`, `[::1]:53`, `unix:/path`.
fn socket_address(line: &str) -> Option<String> {
    if !["connect(", "sendto(", "sendmsg("]
        .iter()
        .any(|call| line.contains(call))
    {
        return None;
    }
    let quoted = |after: &str| {
        let start = line.find(after)? + after.len();
        let end = line[start..].find('"')?;
        Some(line[start..start + end].to_owned())
    };
    if let Some(path) = quoted("sun_path=\"") {
        return Some(format!("unix:{path}"));
    }
    let port_at = line.find("_port=htons(")? + "_port=htons(".len();
    let port: String = line[port_at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if let Some(ip) = quoted("inet_addr(\"") {
        return Some(format!("{ip}:{port}"));
    }
    quoted("inet_pton(AF_INET6, \"").map(|ip| format!("[{ip}]:{port}"))
}

#[cfg(test)]
mod tests {
    use super::socket_address;

    #[test]
    fn reads_strace_socket_addresses() {
        let v4 = r#"123 connect(9, {sa_family=AF_INET, sin_port=htons(8000), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS"#;
        let v6 = r#"123 sendto(5, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 1"#;
        let unix = r#"123 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT"#;
        assert_eq!(socket_address(v4).as_deref(), Some("127.0.0.1:8000"));
        assert_eq!(socket_address(v6).as_deref(), Some("[::1]:53"));
        assert_eq!(
            socket_address(unix).as_deref(),
            Some("unix:/var/run/nscd/socket")
        );
        assert_eq!(socket_address("123 write(1, \"connect(\", 8) = 8"), None);
    }
}
