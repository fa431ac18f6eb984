//! Typed async SDK over the Data Grid REST v2 cross-site routes.
