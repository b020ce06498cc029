//! KPL aggregated record format (placeholder, filled in by the Rust compute issue).
