//! Every Managed Service for Apache Flink call of the tool (`aws-sdk-kinesisanalyticsv2`), used by
//! `start`, `stop`, `deploy --start` and `status`:
//!
//! - [`application`]: a stack's application (found from its resources), its state
//!   (DescribeApplication), its snapshots, StartApplication and StopApplication, and the
//!   service's own error for a failed operation (DescribeApplicationOperation);
//! - [`lifecycle`]: the application lifecycle: starting and stopping it and following its status live until it settles;
//! - [`log`]: the application's CloudWatch log since the start (FilterLogEvents), and the root
//!   cause of a failed start read from it.
//!
//! Like [`crate::cfn`], the functions take clients built by the caller, so tests can give ones
//! that replay recorded responses.

pub mod application;
pub mod lifecycle;
pub mod log;

pub use aws_sdk_kinesisanalyticsv2::Client;
