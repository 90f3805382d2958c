//! The inventory assistant: an admin asks in plain language, a language
//! model answers from Stockroom's own data.
//!
//! The model is treated as one more client, with less trust than an admin:
//!
//! * [`conversation`]: the loop. It checks the admin's messages against
//!   the caps, offers the tools, runs the calls the model asks for and
//!   feeds the results back, for at most [`conversation::MAX_TOOL_ROUNDS`]
//!   rounds within one overall deadline, and returns the reply with the
//!   list of tools used.
//! * [`tools`]: the model's edge, as `crate::http::routes` is a browser's.
//!   Six read-only tools, each parsing its JSON arguments, calling the same
//!   use case as the matching HTTP route and rendering the same view, cut
//!   to a size budget. There is no tool that writes, so no text the model
//!   reads (a listing title that says "ignore your instructions") can make
//!   it change anything: the worst it can do is ask for a tool that does
//!   not exist and be told so.
//! * [`openai`]: the [`crate::ports::ChatModel`] adapter for any
//!   OpenAI-compatible chat-completions endpoint with tool calling
//!   (`ASSISTANT_API_BASE`, `ASSISTANT_MODEL`, `ASSISTANT_API_KEY`).

pub mod conversation;
#[cfg(feature = "assistant")]
pub mod openai;
pub mod tools;

pub use conversation::{Answer, Role, ToolUse, Turn, converse};
