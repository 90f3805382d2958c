//! SES v2 mailer.
//!
//! Sends plain-text mail from one configured (verified) sender. After the
//! SDK's retries, throttling (`TooManyRequests`, `LimitExceeded`), timeouts,
//! connection failures and 5xx are `MailError::Unavailable` (the reorder
//! mailer puts the reorder back and retries later); everything else
//! (rejected message, unverified sender, bad address, paused account) is
//! `MailError::Rejected`, which no retry fixes.
//!
//! The sender's correlation id goes out as the `X-Correlation-ID` header,
//! so a supplier's reply or a bounce can be traced to the reorder's logs.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::config::timeout::TimeoutConfig;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::create_email_identity::CreateEmailIdentityError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};

use crate::ports::{BoxError, Email, MailError, Mailer, Propagation};

/// The correlation header, as mail headers are conventionally spelled.
const CORRELATION_MAIL_HEADER: &str = "X-Correlation-ID";

/// Applies the retry (standard, 3 attempts) and timeout policy
/// (connect 1 s, attempt 3 s, call 8 s) to an SES v2 client config.
pub fn configure(builder: aws_sdk_sesv2::config::Builder) -> aws_sdk_sesv2::config::Builder {
    builder
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
}

/// An SES v2 client from the shared SDK config (honours `AWS_ENDPOINT_URL_SESV2`).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::from_conf(configure(aws_sdk_sesv2::config::Builder::from(sdk)).build())
}

fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ResponseError(ctx) => ctx.raw().status().is_server_error(),
        SdkError::ServiceError(ctx) => {
            ctx.raw().status().is_server_error()
                || matches!(
                    ctx.err().code(),
                    Some(
                        "TooManyRequestsException"
                            | "LimitExceededException"
                            | "ThrottlingException"
                    )
                )
        }
        _ => false,
    }
}

/// Sends mail through SES v2. Cheap to clone; build once per cold start.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
}

impl SesMailer {
    /// `sender` must be a verified SES identity. Makes no network call.
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
        }
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(Box::new(e)))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.send_with(email, &Propagation::default()).await
    }

    async fn send_with(&self, email: &Email, propagation: &Propagation) -> Result<(), MailError> {
        let mut message = Message::builder()
            .subject(content(&email.subject)?)
            .body(Body::builder().text(content(&email.body)?).build());
        if let Some(id) = &propagation.correlation_id {
            message = message.headers(
                MessageHeader::builder()
                    .name(CORRELATION_MAIL_HEADER)
                    .value(id)
                    .build()
                    .map_err(|e| MailError::Rejected(Box::new(e)))?,
            );
        }
        let message = message.build();
        let result = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_transient(&err) => Err(MailError::Unavailable(Box::new(err))),
            Err(err) => Err(MailError::Rejected(Box::new(err))),
        }
    }
}

/// The sender identity could not be created.
#[derive(Debug, thiserror::Error)]
#[error("could not create the SES identity {identity}")]
pub struct IdentitySetupError {
    identity: String,
    #[source]
    source: BoxError,
}

/// Creates the email identity `sender` (for local setup and tests; real
/// SES then sends a verification mail). Ok if it already exists.
pub async fn create_sender_identity(
    client: &Client,
    sender: &str,
) -> Result<(), IdentitySetupError> {
    match client
        .create_email_identity()
        .email_identity(sender)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(CreateEmailIdentityError::AlreadyExistsException(_))
            ) =>
        {
            Ok(())
        }
        Err(err) => Err(IdentitySetupError {
            identity: sender.to_owned(),
            source: Box::new(err),
        }),
    }
}
