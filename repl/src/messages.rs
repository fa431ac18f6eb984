//! cli.sh texts that only the REPL prints. Every other text (parse errors, context errors, the
//! batch reports) comes from the shared command model, `xsite_clish`.

/// The message of `RestConnection.fetch` when the server cannot be reached
/// (`Messages.connectionFailed`).
pub fn connection_failed(detail: &str) -> String {
    format!("Could not connect to server: {detail}")
}
