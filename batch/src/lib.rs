//! Batch CR generation.
