//! Shared test support.
pub mod kinesis;
pub mod moto;
