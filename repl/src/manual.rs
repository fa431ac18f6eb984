//! `xsite completions SHELL` and `xsite man`: a shell completion script and a roff man page,
//! both generated from the binary's clap definition (the one that parses its command line), so
//! they list exactly the options and sub-commands the binary accepts.

use std::io::Write;

pub use clap_complete::Shell;

/// The completion script of `command` for `shell`.
pub fn completions(command: &mut clap::Command, shell: Shell) -> Vec<u8> {
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(shell, command, name, &mut script);
    script
}

/// The man page of `command` (section 1), in roff.
pub fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    Ok(page)
}

/// Writes generated text on stdout; a reader that stopped early (`| head`) is not an error.
pub fn print(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
