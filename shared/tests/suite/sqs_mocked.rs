//! Recorded responses for what moto never does: a batch that half fails.
// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput;
use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use stockroom::ports::{PublishError, PublishQueue, Publisher};
use stockroom::queue::sqs::{self, QueueUrls, SqsPublisher};

const URL: &str = "https://sqs.us-east-1.amazonaws.com/000000000000/orders";

fn ok(id: &str) -> SendMessageBatchResultEntry {
    SendMessageBatchResultEntry::builder()
        .id(id)
        .message_id(format!("m-{id}"))
        .md5_of_message_body("x")
        .build()
        .unwrap()
}

fn failed(id: &str, sender_fault: bool, code: &str) -> BatchResultErrorEntry {
    BatchResultErrorEntry::builder()
        .id(id)
        .sender_fault(sender_fault)
        .code(code)
        .message("recorded")
        .build()
        .unwrap()
}

fn publisher(rules: &[&aws_smithy_mocks::Rule]) -> SqsPublisher {
    let client = mock_client!(aws_sdk_sqs, RuleMode::Sequential, rules, |c| {
        sqs::configure(c)
            .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
    });
    SqsPublisher::new(client, QueueUrls::new().with(PublishQueue::Orders, URL))
}

fn bodies(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("body {i}")).collect()
}

#[tokio::test]
async fn entries_the_service_failed_are_sent_again_and_refused_ones_reported() {
    // Of the first batch of 10: entry 3 fails on the service side, entry 5
    // is refused for good. The retry carries entry 3 alone.
    let first = mock!(Client::send_message_batch)
        .match_requests(|req| req.entries().len() == 10)
        .then_output(|| {
            SendMessageBatchOutput::builder()
                .set_successful(Some(
                    ["0", "1", "2", "4", "6", "7", "8", "9"]
                        .into_iter()
                        .map(ok)
                        .collect(),
                ))
                .failed(failed("3", false, "InternalError"))
                .failed(failed("5", true, "InvalidMessageContents"))
                .build()
                .unwrap()
        });
    let retry = mock!(Client::send_message_batch)
        .match_requests(|req| {
            req.entries().len() == 1 && req.entries()[0].message_body() == "body 3"
        })
        .then_output(|| {
            SendMessageBatchOutput::builder()
                .successful(ok("3"))
                .set_failed(Some(vec![]))
                .build()
                .unwrap()
        });
    let second_batch = mock!(Client::send_message_batch)
        .match_requests(|req| req.entries().len() == 2)
        .then_output(|| {
            SendMessageBatchOutput::builder()
                .successful(ok("0"))
                .successful(ok("1"))
                .set_failed(Some(vec![]))
                .build()
                .unwrap()
        });
    let publisher = publisher(&[&first, &retry, &second_batch]);
    let err = publisher
        .publish(PublishQueue::Orders, &bodies(12))
        .await
        .unwrap_err();
    match err {
        PublishError::Rejected { failed, source } => {
            assert_eq!(failed, 1);
            assert!(
                source.to_string().contains("InvalidMessageContents"),
                "{source}"
            );
        }
        other => panic!("expected one rejected message, got {other:?}"),
    }
    assert_eq!(
        (
            first.num_calls(),
            retry.num_calls(),
            second_batch.num_calls()
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn entries_that_keep_failing_end_as_unavailable() {
    let always = mock!(Client::send_message_batch)
        .sequence()
        .output(|| {
            SendMessageBatchOutput::builder()
                .set_successful(Some(vec![]))
                .failed(failed("0", false, "InternalError"))
                .build()
                .unwrap()
        })
        .repeatedly()
        .build();
    let publisher = publisher(&[&always]);
    let err = publisher
        .publish(PublishQueue::Orders, &bodies(1))
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Unavailable(_)), "{err:?}");
    assert_eq!(always.num_calls(), 4, "bounded retries");
}
