//! `POST /assistant/messages` (admin): ask the inventory assistant.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assistant::{self, Role, Turn};
use crate::http::error::ErrorBody;
use crate::http::routes::responses::{AdminOnly, JsonBody};
use crate::http::{ApiError, ApiRequest, response};

/// Who said a message.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    User,
    Assistant,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    pub role: MessageRole,
    /// 1 to 4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub content: String,
}

/// The conversation so far, the last message the admin's question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistantRequest {
    /// 1 to 20 messages, 16000 characters in all; the last from `user`.
    #[schema(min_items = 1, max_items = 20)]
    pub messages: Vec<MessageInput>,
}

/// A tool the assistant used to answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolUseView {
    /// One of get_listing, low_stock_listings, order_analytics, get_order,
    /// get_forecast, open_reorders (or a name the model made up, which
    /// was refused).
    pub tool: String,
    /// The arguments as the model gave them.
    #[schema(value_type = Object)]
    pub arguments: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantReply {
    pub reply: String,
    pub used: Vec<ToolUseView>,
}

#[utoipa::path(
    post, path = "/assistant/messages", tag = "assistant", operation_id = "askAssistant",
    request_body = AssistantRequest,
    responses(
        AdminOnly, JsonBody,
        (status = 200, description = "The assistant's reply and the read-only tools it used", body = AssistantReply),
        (status = 400, description = "`malformed_json`, or `validation_failed`: no messages, over 20, a message over 4,000 characters, over 16,000 in all, or the last not from the user", body = ErrorBody),
        (status = 503, description = "`assistant_not_configured`, `assistant_unavailable` (the model provider timed out or failed), or `service_unavailable` (the store is down)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    ),
    security(("bearer" = []))
)]
pub async fn message(app: &crate::app::App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let principal = req.admin(app)?;
    let body: AssistantRequest = req.json()?;
    let turns: Vec<Turn> = body
        .messages
        .into_iter()
        .map(|m| Turn {
            role: match m.role {
                MessageRole::User => Role::User,
                MessageRole::Assistant => Role::Assistant,
            },
            content: m.content,
        })
        .collect();
    let answer = assistant::converse(app, &principal, &turns).await?;
    Ok(response::json(
        StatusCode::OK,
        &AssistantReply {
            reply: answer.reply,
            used: answer
                .used
                .into_iter()
                .map(|u| ToolUseView {
                    tool: u.tool,
                    arguments: u.arguments,
                })
                .collect(),
        },
    ))
}
