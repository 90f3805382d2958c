//! The SQS publisher and the SES v2 mailer against moto (the threaded
//! `aws` server). Needs `AWS_ENDPOINT_URL_SQS` and `AWS_ENDPOINT_URL_SESV2`;
//! `scripts/test` starts the server and exports them.
// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_sqs::types::QueueAttributeName;
use stockroom::mail::ses::{self, SesMailer};
use stockroom::ports::{Email, MailError, Mailer, PublishError, PublishQueue, Publisher};
use stockroom::queue::sqs::{self, QueueUrls, SqsPublisher};

async fn sdk() -> aws_config::SdkConfig {
    support::endpoint("AWS_ENDPOINT_URL_SQS", "aws");
    support::endpoint("AWS_ENDPOINT_URL_SESV2", "aws");
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Receives until `want` bodies arrived or ten seconds passed.
async fn receive(client: &aws_sdk_sqs::Client, url: &str, want: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while bodies.len() < want && tokio::time::Instant::now() < deadline {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        bodies.extend(
            out.messages()
                .iter()
                .filter_map(|m| m.body().map(str::to_owned)),
        );
    }
    bodies
}

#[tokio::test]
async fn a_published_message_is_received() {
    let sdk = sdk().await;
    let client = sqs::client(&sdk);
    let url = sqs::create_queue_with_dlq(&client, &unique("orders"), 3)
        .await
        .unwrap();
    let attrs = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .unwrap();
    let redrive: serde_json::Value = serde_json::from_str(
        attrs
            .attributes()
            .unwrap()
            .get(&QueueAttributeName::RedrivePolicy)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        "3"
    );
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .unwrap()
            .ends_with("-dlq")
    );

    let publisher = SqsPublisher::new(
        client.clone(),
        QueueUrls::new().with(PublishQueue::Orders, &url),
    );
    let body = format!("{{\"order_id\":\"{}\"}}", uuid::Uuid::new_v4());
    publisher
        .publish(PublishQueue::Orders, std::slice::from_ref(&body))
        .await
        .unwrap();
    assert_eq!(receive(&client, &url, 1).await, vec![body]);
}

#[tokio::test]
async fn a_batch_of_25_arrives_complete() {
    let sdk = sdk().await;
    let client = sqs::client(&sdk);
    let url = sqs::create_queue_with_dlq(&client, &unique("reorders"), 5)
        .await
        .unwrap();
    let publisher = SqsPublisher::new(
        client.clone(),
        QueueUrls::new().with(PublishQueue::Reorders, &url),
    );
    let bodies: Vec<String> = (0..25)
        .map(|i| format!("message {i} {}", uuid::Uuid::new_v4()))
        .collect();
    publisher
        .publish(PublishQueue::Reorders, &bodies)
        .await
        .unwrap();
    let got: BTreeSet<String> = receive(&client, &url, 25).await.into_iter().collect();
    assert_eq!(got, bodies.into_iter().collect::<BTreeSet<_>>());
}

#[tokio::test]
async fn amazon_sync_goes_to_a_fifo_queue_grouped_by_sku() {
    let sdk = sdk().await;
    let client = sqs::client(&sdk);
    let name = format!("{}.fifo", unique("amazon-sync"));
    let url = sqs::create_queue_with_dlq(&client, &name, 3).await.unwrap();
    let attrs = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attrs = attrs.attributes().unwrap();
    assert_eq!(
        attrs
            .get(&QueueAttributeName::FifoQueue)
            .map(String::as_str),
        Some("true")
    );
    let redrive = attrs.get(&QueueAttributeName::RedrivePolicy).unwrap();
    assert!(redrive.contains("-dlq.fifo"), "{redrive}");

    let publisher = SqsPublisher::new(
        client.clone(),
        QueueUrls::new().with(PublishQueue::AmazonSync, &url),
    );
    // The same body twice is two messages (no deduplication by content).
    let bodies: Vec<String> = ["MUG", "TEE", "MUG"]
        .iter()
        .map(|sku| format!("{{\"sku\":\"{sku}\"}}"))
        .collect();
    publisher
        .publish(PublishQueue::AmazonSync, &bodies)
        .await
        .unwrap();
    // A group's next message comes once the one before is deleted.
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.len() < 3 && tokio::time::Instant::now() < deadline {
        let out = client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            got.extend(m.body().map(str::to_owned));
            client
                .delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    got.sort();
    assert_eq!(
        got,
        [r#"{"sku":"MUG"}"#, r#"{"sku":"MUG"}"#, r#"{"sku":"TEE"}"#]
    );
}

#[tokio::test]
async fn an_unconfigured_queue_is_reported() {
    let sdk = sdk().await;
    let publisher = SqsPublisher::new(sqs::client(&sdk), QueueUrls::new());
    let err = publisher
        .publish(PublishQueue::Orders, &["x".into()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::NotConfigured(PublishQueue::Orders)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_sent_mail_is_recorded_by_ses() {
    let sdk = sdk().await;
    let client = ses::client(&sdk);
    let sender = format!("{}@stockroom.example", unique("orders"));
    ses::create_sender_identity(&client, &sender).await.unwrap();
    ses::create_sender_identity(&client, &sender).await.unwrap(); // idempotent
    let email = Email {
        to: "supplier@acme.example".into(),
        subject: unique("Reorder"),
        body: "Please send 25 units of MUG-1.".into(),
    };
    SesMailer::new(client, &sender).send(&email).await.unwrap();

    let endpoint = support::endpoint("AWS_ENDPOINT_URL_SESV2", "aws");
    let data: serde_json::Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = data["ses"]["Message"]
        .as_array()
        .expect("ses.Message is a list");
    let sent = messages
        .iter()
        .find(|m| m["subject"] == email.subject.as_str())
        .expect("the mail is recorded");
    assert_eq!(sent["body"], email.body.as_str());
    assert_eq!(sent["source"], sender.as_str());
    assert_eq!(sent["destinations"]["ToAddresses"][0], email.to.as_str());
}

#[tokio::test]
async fn mail_from_an_unverified_sender_is_rejected() {
    let sdk = sdk().await;
    let mailer = SesMailer::new(
        ses::client(&sdk),
        format!("{}@unverified.example", unique("nobody")),
    );
    let email = Email {
        to: "supplier@acme.example".into(),
        subject: "x".into(),
        body: "y".into(),
    };
    let err = mailer.send(&email).await.unwrap_err();
    assert!(matches!(err, MailError::Rejected(_)), "{err:?}");
}
