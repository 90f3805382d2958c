//! The SQS publisher and the SES mailer against a closed port: after the
//! SDK's retries, `Unavailable` (the message is redelivered, the reorder
//! mail retried later), never a panic or a permanent rejection.
// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use stockroom::mail::ses::{self, SesMailer};
use stockroom::ports::{Email, MailError, Mailer, PublishError, PublishQueue, Publisher};
use stockroom::queue::sqs::{self, QueueUrls, SqsPublisher};

fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
}

#[tokio::test]
async fn an_unreachable_queue_is_unavailable() {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(closed_port());
    let client = aws_sdk_sqs::Client::from_conf(sqs::configure(config).build());
    let url = "http://127.0.0.1:1/000000000000/orders";
    let publisher = SqsPublisher::new(client, QueueUrls::new().with(PublishQueue::Orders, url));
    let err = publisher
        .publish(PublishQueue::Orders, &["x".into()])
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_mail_service_is_unavailable() {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(closed_port());
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::from_conf(ses::configure(config).build()),
        "a@b.example",
    );
    let email = Email {
        to: "supplier@acme.example".into(),
        subject: "Reorder".into(),
        body: "25 units".into(),
    };
    let err = mailer.send(&email).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err:?}");
}
