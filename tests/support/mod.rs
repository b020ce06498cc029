//! Shared test support.
pub mod assets;
pub mod gate;
pub mod kinesis;
pub mod moto;
pub mod replay;
pub mod tmux;
