//! The language model behind the inventory assistant: one chat-completion
//! turn with tools. The adapter (`crate::assistant::openai`) speaks the
//! OpenAI-compatible chat-completions protocol that Together AI and most
//! self-hosted servers offer.
//!
//! Tool arguments and results stay JSON text here: they are the model's
//! own protocol, parsed and rendered by the tools (`crate::assistant::tools`)
//! exactly as HTTP bodies are by the routes.

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use super::BoxError;

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatMessage {
    /// Stockroom's instructions to the model.
    System(String),
    /// What the admin asked.
    User(String),
    /// What the model said before, with the tools it asked for.
    Assistant {
        content: String,
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call, fed back to the model.
    Tool { call_id: String, content: String },
}

/// A tool the model may call: its name, what it does, and the JSON Schema
/// of its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: serde_json::Value,
}

/// A tool call as the model asked for it; `arguments` is the model's JSON
/// text, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// What the model answered: a reply for the admin, or tools to run first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelTurn {
    Reply(String),
    ToolCalls {
        /// Text the model said alongside the calls (often empty).
        content: String,
        calls: Vec<ToolCall>,
    },
}

/// Why the model gave no usable answer.
#[derive(Debug, Error)]
pub enum ModelError {
    /// No answer within the time allowed.
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    /// The provider could not be reached, or answered with an error status.
    #[error("the model provider is unavailable (status {status:?})")]
    Unavailable {
        status: Option<u16>,
        #[source]
        source: BoxError,
    },
    /// The provider answered, but not with a chat completion we can read.
    #[error("the model provider answered something unreadable: {0}")]
    Malformed(String),
}

#[async_trait]
pub trait ChatModel: Send + Sync {
    /// One chat-completion turn over `messages`, offering `tools`.
    async fn complete(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
    ) -> Result<ModelTurn, ModelError>;
}
