//! cli.sh texts that only the REPL prints. Every other text (parse errors, context errors)
//! comes from the shared command model, `xsite_batch::script`.

/// The message of `RestConnection.fetch` when the server cannot be reached
/// (`Messages.connectionFailed`).
pub fn connection_failed(detail: &str) -> String {
    format!("Could not connect to server: {detail}")
}

/// The first line of the report of a batch line that cli.sh cannot parse (up to 16.0.8 it
/// heads every aborting error). The shared model keeps this text private
/// (`script::messages::batch_error`).
pub fn error_executing_file(file: &str, line: usize, text: &str) -> String {
    format!("Error executing file: {file}, line {line}: '{text}'")
}

/// The line after a failed command in a batch, from 16.0.9 (`Messages.batchError`). The shared
/// model keeps this text private (`script::messages::batch_error`).
pub fn batch_error(file: &str, line: usize, text: &str) -> String {
    format!("Batch error: {file}, line {line}: '{text}'")
}
