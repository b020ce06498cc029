//! Workspace automation for streamstack's Lambda functions.
//!
//! * [`build`]: cross-builds every function in [`functions::FUNCTIONS`] as a
//!   static musl `bootstrap` for x86_64 and arm64 (profile `lambda`) and
//!   packages each into a deterministic zip ([`package`]).
//! * [`deps`]: checks the toolchain pieces the build needs and says how to
//!   install a missing one in one line.
//! * [`harness`]: a local implementation of the Lambda Runtime API that runs
//!   the real `bootstrap` binaries (arm64 under `qemu-aarch64-static`).
//! * [`events`]: sample events (API Gateway proxy, Kinesis incl. a
//!   KPL-aggregated record) for the harness tests and the benchmark.
//! * [`bench`]: the cold-start benchmark on top of the harness.
//! * [`flink`]: the Flink jobs of patterns 2 and 4, built with Maven into the same folder.
//! * [`artifact`]: what a build produces and why it fails, shared by `build` and `flink`
//!   (so that neither imports the other's types: `build` calls `flink`, not back).
//! * [`fare_front`]: a local stand-in for API Gateway in front of the fare endpoint
//!   (SigV4 and API key checks, proxy events, injected failures) for the Flink job's tests.

pub mod artifact;
pub mod bench;
pub mod build;
pub mod deps;
pub mod events;
pub mod fare_front;
pub mod flink;
pub mod functions;
pub mod harness;
mod http;
pub mod package;
pub mod paths;
