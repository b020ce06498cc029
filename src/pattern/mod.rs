//! Pattern manifests.
