//! The order processor as real OS processes (`stockroom-order-worker`),
//! killed with SIGKILL and started again. Each generation of each worker
//! writes its stdout and stderr to a file of its own; after a kill, the
//! file tells whether a batch was in flight (received, not done), which is
//! the case the test exists for.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Workers {
    env: Vec<(String, String)>,
    dir: PathBuf,
    slots: Vec<Slot>,
    /// SIGKILLs sent.
    pub kills: u32,
    /// Of those, the ones that hit a worker with a batch in flight.
    pub mid_batch: u32,
}

struct Slot {
    child: Option<Child>,
    generation: u32,
}

impl Workers {
    /// Starts `count` workers with the order processor's settings `env`,
    /// logging under `dir`.
    pub fn start(count: usize, env: Vec<(String, String)>, dir: PathBuf) -> Workers {
        std::fs::create_dir_all(&dir).expect("worker log directory");
        let mut workers = Workers {
            env,
            dir,
            slots: (0..count)
                .map(|_| Slot {
                    child: None,
                    generation: 0,
                })
                .collect(),
            kills: 0,
            mid_batch: 0,
        };
        for i in 0..count {
            workers.spawn(i);
        }
        workers
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    fn log(&self, i: usize) -> PathBuf {
        self.dir
            .join(format!("worker-{i}-{}.log", self.slots[i].generation))
    }

    /// Starts worker `i` again (a new generation), if it is not running.
    pub fn spawn(&mut self, i: usize) {
        if self.slots[i].child.is_some() {
            return;
        }
        self.slots[i].generation += 1;
        let log = File::create(self.log(i)).expect("worker log");
        let child = Command::new(env!("CARGO_BIN_EXE_stockroom-order-worker"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("worker log"))
            .stderr(log)
            .spawn()
            .expect("start stockroom-order-worker");
        self.slots[i].child = Some(child);
    }

    /// SIGKILLs worker `i`, if it is running, and records whether it died
    /// with a batch in flight.
    pub fn kill(&mut self, i: usize) {
        let Some(mut child) = self.slots[i].child.take() else {
            return;
        };
        // `Child::kill` is SIGKILL on Unix: no handler, no clean-up.
        child.kill().expect("SIGKILL a worker");
        child.wait().expect("reap a worker");
        self.kills += 1;
        if batch_in_flight(&std::fs::read_to_string(self.log(i)).unwrap_or_default()) {
            self.mid_batch += 1;
        }
    }

    /// Fails the test if a worker ended without being killed: a worker
    /// never exits by itself, so its log says what went wrong.
    pub fn check_alive(&mut self) {
        for i in 0..self.slots.len() {
            let exited = self.slots[i]
                .child
                .as_mut()
                .map(|c| c.try_wait().expect("worker status"));
            if let Some(Some(status)) = exited {
                let log = std::fs::read_to_string(self.log(i)).unwrap_or_default();
                panic!("worker {i} exited by itself ({status}); its log:\n{log}");
            }
        }
    }

    /// Starts every worker that is not running.
    pub fn restart_all(&mut self) {
        for i in 0..self.slots.len() {
            self.spawn(i);
        }
    }

    pub fn stop_all(&mut self) {
        for slot in &mut self.slots {
            if let Some(mut child) = slot.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Whether a worker's output names a batch received and never done.
fn batch_in_flight(log: &str) -> bool {
    let mut open = std::collections::HashSet::new();
    for line in log.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("batch") {
            continue;
        }
        match (words.next(), words.next()) {
            (Some(id), Some("received")) => {
                open.insert(id.to_owned());
            }
            (Some(id), Some("done")) => {
                open.remove(id);
            }
            _ => {}
        }
    }
    !open.is_empty()
}

#[test]
fn a_batch_received_and_not_done_is_in_flight() {
    assert!(batch_in_flight(
        "worker started\nbatch 0.1 received 3\nbatch 0.1 done 3 failed 0\nbatch 1.1 received 10\n"
    ));
    assert!(!batch_in_flight(
        "batch 0.1 received 3\nbatch 1.1 received 1\nbatch 0.1 done 3 failed 0\nbatch 1.1 done 1 failed 0\n"
    ));
}
