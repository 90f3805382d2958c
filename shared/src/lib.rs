//! Stockroom library crate (work in progress).

pub mod app;
pub mod auth;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod forecast;
pub mod http;
pub mod jobs;
pub mod lambda;
pub mod mail;
pub mod messages;
pub mod notifications;
pub mod ports;
pub mod queue;
pub mod store;
pub mod telemetry;
pub mod views;
pub mod wiring;
