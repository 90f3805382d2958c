//! What runs behind the dev server: a worker per queue feeding the same
//! consumers the Lambdas run, and timers for the scheduled jobs.

use std::sync::Arc;
use std::time::Duration;

use stockroom::app::{App, AppError};
use stockroom::consumers;
use stockroom::functions;
use stockroom::jobs::{self, JobSummary};
use stockroom::metrics::MetricsLog;
use stockroom::ports::QueueName;
use stockroom::queue::{Consumer, MemoryQueues};
use stockroom::telemetry::{self, Invocation};
use tokio::task::JoinHandle;

/// A scheduled job, by its function name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    StockCheck,
    OrderRecovery,
    DemandForecast,
}

impl Job {
    pub const ALL: [Job; 3] = [Job::StockCheck, Job::OrderRecovery, Job::DemandForecast];

    pub fn name(self) -> &'static str {
        match self {
            Job::StockCheck => "stock-check",
            Job::OrderRecovery => "order-recovery",
            Job::DemandForecast => "demand-forecast",
        }
    }

    pub fn parse(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.name() == name)
    }

    /// Runs the job as one invocation of its function, its metrics kept in `metrics`.
    pub async fn run(self, app: &App, metrics: &MetricsLog) -> Result<JobSummary, AppError> {
        let work = async {
            match self {
                Job::StockCheck => jobs::stock_check::run(app).await,
                Job::OrderRecovery => jobs::order_recovery::run(app).await,
                Job::DemandForecast => jobs::demand_forecast::run(app).await,
            }
        };
        telemetry::invoke(Invocation::local(self.name()), metrics, work).await
    }
}

/// How often each job runs on its own.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub intervals: Vec<(Job, Duration)>,
}

/// The function that consumes `queue` in a deployment.
fn consumer_name(queue: QueueName) -> &'static str {
    functions::ALL
        .iter()
        .find(|f| f.consumes().contains(&queue))
        .map_or("dev-server", |f| f.name)
}

fn consumer(app: &Arc<App>, queue: QueueName, metrics: &Arc<MetricsLog>) -> Consumer {
    let app = Arc::clone(app);
    let metrics = Arc::clone(metrics);
    Arc::new(move |event| {
        let app = Arc::clone(&app);
        let metrics = Arc::clone(&metrics);
        Box::pin(async move {
            let invocation = Invocation::local(consumer_name(queue));
            let work = async {
                match queue {
                    QueueName::Orders => consumers::order_processor::handle(&app, event).await,
                    QueueName::Reorders => consumers::reorder_mailer::handle(&app, event).await,
                    QueueName::ListingStatus | QueueName::ListingQuantity => {
                        consumers::listing_notifications::handle(&app, event).await
                    }
                    QueueName::FulfillmentStatus => {
                        consumers::fulfillment_notifications::handle(&app, event).await
                    }
                    QueueName::AmazonSync => consumers::amazon_sync::handle(&app, event).await,
                }
            };
            telemetry::invoke(invocation, metrics.as_ref(), work).await
        })
    })
}

/// The background tasks; aborted when dropped.
#[derive(Debug)]
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    pub fn start(
        app: &Arc<App>,
        queues: &Arc<MemoryQueues>,
        schedule: &Schedule,
        metrics: &Arc<MetricsLog>,
    ) -> Self {
        let mut tasks: Vec<JoinHandle<()>> = QueueName::ALL
            .into_iter()
            .map(|queue| queues.spawn_worker(queue, consumer(app, queue, metrics)))
            .collect();
        for (job, every) in schedule.intervals.iter().copied() {
            let app = Arc::clone(app);
            let metrics = Arc::clone(metrics);
            tasks.push(tokio::spawn(async move {
                let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    if let Err(e) = job.run(&app, &metrics).await {
                        tracing::error!(job = job.name(), error = %stockroom::telemetry::chain(&e), "scheduled job failed");
                    }
                }
            }));
        }
        Background { tasks }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
