//! Pattern-1 Kinesis consumer, in the spirit of the Kinesis Connector Library:
//! de-aggregate (KPL) -> transform -> filter -> buffer -> emit.
//!
//! The pipeline lives here so it can be tested without Lambda; `main.rs` only wires it to
//! `lambda_runtime`. Settings come from environment variables, see [`config::Config`].

pub mod buffer;
pub mod config;
pub mod emit;
pub mod handler;
pub mod log;
pub mod metrics;
pub mod transform;

pub use handler::{Outcome, Pipeline};
