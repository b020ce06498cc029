//! libFuzzer target for the de-aggregator: `cargo +nightly fuzz run deaggregate`.
//! The body is shared with the stable test `kpl-aggregation/tests/fuzz_deaggregate.rs`.
#![no_main]

#[path = "../body.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|input: &[u8]| body::deaggregate_body(input));
