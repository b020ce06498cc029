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
