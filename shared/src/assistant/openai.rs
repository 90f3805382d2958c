//! [`ChatModel`] over any OpenAI-compatible chat-completions endpoint with
//! tool calling (`POST {ASSISTANT_API_BASE}/chat/completions`): Together
//! AI, OpenAI, and self-hosted servers such as vLLM or llama.cpp.
//!
//! reqwest (rustls) rather than a provider SDK: the protocol is one POST
//! with a small JSON body, and the SDKs would bring their own runtimes and
//! retry logic. No retries here: the question's deadline is short, and
//! a provider outage is the admin's 503 to retry.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::AssistantConfig;
use crate::ports::{ChatMessage, ChatModel, ModelError, ModelTurn, ToolCall, ToolSpec};

/// The largest provider answer read; a bigger one is malformed.
const MAX_ANSWER_BYTES: usize = 1 << 20;

pub struct OpenAiChat {
    http: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<crate::config::Secret>,
    timeout: Duration,
}

impl std::fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may be a private host; the key is never shown.
        f.debug_struct("OpenAiChat")
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OpenAiChat {
    pub fn new(config: &AssistantConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(config.timeout)
            .build()?;
        Ok(OpenAiChat {
            http,
            url: format!("{}/chat/completions", config.api_base.trim_end_matches('/')),
            model: config.model.clone(),
            api_key: config.api_key.clone(),
            timeout: config.timeout,
        })
    }

    fn body(&self, messages: &[ChatMessage], tools: &[ToolSpec]) -> Value {
        let messages: Vec<Value> = messages.iter().map(message).collect();
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": 0,
        });
        if !tools.is_empty() {
            body["tools"] = tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters,
                    }})
                })
                .collect();
            body["tool_choice"] = json!("auto");
        }
        body
    }
}

fn message(m: &ChatMessage) -> Value {
    match m {
        ChatMessage::System(content) => json!({"role": "system", "content": content}),
        ChatMessage::User(content) => json!({"role": "user", "content": content}),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } if tool_calls.is_empty() => json!({"role": "assistant", "content": content}),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => json!({
            "role": "assistant",
            "content": content,
            "tool_calls": tool_calls.iter().map(|c| json!({
                "id": c.id, "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            })).collect::<Vec<_>>(),
        }),
        ChatMessage::Tool { call_id, content } => {
            json!({"role": "tool", "tool_call_id": call_id, "content": content})
        }
    }
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<AnswerCall>>,
}

#[derive(Deserialize)]
struct AnswerCall {
    id: String,
    function: AnswerFunction,
}

#[derive(Deserialize)]
struct AnswerFunction {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
}

/// The model's turn from a completion body.
fn turn(body: &[u8]) -> Result<ModelTurn, ModelError> {
    let completion: Completion = serde_json::from_slice(body)
        .map_err(|e| ModelError::Malformed(format!("not a chat completion: {e}")))?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(ModelError::Malformed("no choices in the completion".into()));
    };
    let content = choice.message.content.unwrap_or_default();
    let calls = choice.message.tool_calls.unwrap_or_default();
    if calls.is_empty() {
        if content.trim().is_empty() {
            return Err(ModelError::Malformed(
                "an empty reply and no tool call".into(),
            ));
        }
        return Ok(ModelTurn::Reply(content));
    }
    let calls = calls
        .into_iter()
        .map(|c| ToolCall {
            id: c.id,
            name: c.function.name,
            // The protocol says a JSON string; some servers send an object.
            arguments: match c.function.arguments {
                Some(Value::String(text)) => text,
                Some(other) => other.to_string(),
                None => String::new(),
            },
        })
        .collect();
    Ok(ModelTurn::ToolCalls { content, calls })
}

#[async_trait]
impl ChatModel for OpenAiChat {
    async fn complete(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
    ) -> Result<ModelTurn, ModelError> {
        let mut request = self.http.post(&self.url).json(&self.body(messages, tools));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let unavailable = |status: Option<u16>, e: reqwest::Error| {
            if e.is_timeout() {
                ModelError::Timeout(self.timeout)
            } else {
                ModelError::Unavailable {
                    status,
                    source: Box::new(e.without_url()),
                }
            }
        };
        let response = request.send().await.map_err(|e| unavailable(None, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| unavailable(Some(status.as_u16()), e))?;
        if !status.is_success() {
            return Err(ModelError::Unavailable {
                status: Some(status.as_u16()),
                source: format!("the provider answered {status}").into(),
            });
        }
        if body.len() > MAX_ANSWER_BYTES {
            return Err(ModelError::Malformed(format!(
                "an answer of {} bytes",
                body.len()
            )));
        }
        turn(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_replies_and_tool_calls_in_both_argument_shapes() {
        let reply = br#"{"choices":[{"message":{"role":"assistant","content":"All good."}}]}"#;
        assert_eq!(turn(reply).unwrap(), ModelTurn::Reply("All good.".into()));
        let calls = br#"{"choices":[{"message":{"content":null,"tool_calls":[
            {"id":"a","type":"function","function":{"name":"get_listing","arguments":"{\"sku\":\"X\"}"}},
            {"id":"b","type":"function","function":{"name":"open_reorders","arguments":{}}}]}}]}"#;
        let ModelTurn::ToolCalls { calls, .. } = turn(calls).unwrap() else {
            panic!("expected tool calls");
        };
        assert_eq!(calls[0].arguments, r#"{"sku":"X"}"#);
        assert_eq!(calls[1].arguments, "{}");
        for garbage in [
            &b"<html>"[..],
            br#"{"choices":[]}"#,
            br#"{"choices":[{"message":{}}]}"#,
        ] {
            assert!(matches!(turn(garbage), Err(ModelError::Malformed(_))));
        }
    }
}
