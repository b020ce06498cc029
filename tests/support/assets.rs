//! Stand-in code assets for tests that only store, hash or reference them (the emulator never
//! runs them; the gate checks only templates).

#![allow(dead_code)]

/// Every code asset the templates reference.
pub const ASSET_NAMES: [&str; 8] = [
    "consumer-function-arm64.zip",
    "consumer-function-x86_64.zip",
    "fare-endpoint-function-arm64.zip",
    "fare-endpoint-function-x86_64.zip",
    "producer-x86_64.zip",
    "kpl-kds-kda-flink.jar",
    "kds-kda-apigw-flink.jar",
    "streaming-etl-flink.jar",
];

/// A folder with a small stand-in file for each of [`ASSET_NAMES`].
pub fn stand_in_assets() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for name in ASSET_NAMES {
        std::fs::write(d.path().join(name), format!("stand-in for {name}")).unwrap();
    }
    d
}

/// Deploys `pattern` as `stack` on the emulator with stand-in assets
/// ([`super::moto::deploy_args`]) through the binary, and asserts that it succeeds.
pub fn deploy(m: &super::moto::Moto, pattern: &str, stack: &str) {
    let assets = stand_in_assets();
    let args = super::moto::deploy_args(pattern, stack, assets.path(), &m.free_subnet());
    super::moto::ok(&m.cli().args(&args).output().unwrap());
}
