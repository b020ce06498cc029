//! Template rendering.
