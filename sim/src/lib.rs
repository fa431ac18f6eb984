//! Embedded two-site Data Grid.
