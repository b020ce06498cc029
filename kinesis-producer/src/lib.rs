//! KPL-compatible Kinesis producer (placeholder, filled in by the produce issue).
