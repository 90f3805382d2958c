#![allow(dead_code)]
pub mod dynamo;
