//! A scripted OpenAI-compatible chat-completions server: it answers each
//! `POST /v1/chat/completions` with the next step of its script and keeps
//! every request it received, so a test can check what Stockroom sent the
//! model (the tools offered, the tool results) as well as what came back.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// One answer of the script.
#[derive(Debug, Clone)]
pub enum Step {
    /// 200 with this completion body.
    Completion(Value),
    /// This status and raw body.
    Raw(u16, String),
    /// Wait this long, then answer the inner step.
    Late(Duration, Box<Step>),
}

/// A completion asking for tool calls: `(name, arguments JSON text)`.
pub fn calls(calls: &[(&str, &str)]) -> Step {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function",
                   "function": {"name": name, "arguments": args}})
        })
        .collect();
    Step::Completion(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "finish_reason": "tool_calls",
                     "message": {"role": "assistant", "content": null, "tool_calls": calls}}]
    }))
}

/// A completion with a final reply.
pub fn reply(text: &str) -> Step {
    Step::Completion(json!({
        "id": "chatcmpl-2", "object": "chat.completion", "model": "scripted",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}]
    }))
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Step>,
    requests: Vec<Value>,
    authorization: Vec<Option<String>>,
}

/// The running server; dropped with the test's runtime.
#[derive(Debug, Clone)]
pub struct ScriptedModel {
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

impl ScriptedModel {
    pub async fn start(script: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                let service = service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(answer(&state, req).await) }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        ScriptedModel { base_url, state }
    }

    /// Every completion request received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The Authorization header of every request, in order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().authorization.clone()
    }

    /// The tool results (role `tool` messages) of request `n`.
    pub fn tool_results(&self, n: usize) -> Vec<Value> {
        self.requests()[n]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "tool")
            .map(|m| serde_json::from_str(m["content"].as_str().unwrap()).unwrap())
            .collect()
    }

    pub fn steps_left(&self) -> usize {
        self.state.lock().unwrap().script.len()
    }
}

async fn answer(state: &Mutex<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = req.into_body().collect().await.unwrap().to_bytes();
    if path != "/v1/chat/completions" {
        return raw(404, "not found".into());
    }
    let step = {
        let mut state = state.lock().unwrap();
        state
            .requests
            .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
        state.authorization.push(auth);
        state.script.pop_front()
    };
    let mut step = step.unwrap_or_else(|| Step::Raw(500, "script exhausted".into()));
    loop {
        match step {
            Step::Completion(body) => return raw(200, body.to_string()),
            Step::Raw(status, body) => return raw(status, body),
            Step::Late(delay, inner) => {
                tokio::time::sleep(delay).await;
                step = *inner;
            }
        }
    }
}

fn raw(status: u16, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
