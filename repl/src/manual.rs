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

/// The man page (section 1, roff) of `command`, or of its sub-command at `path`
/// (`["runbook", "resync"]` gives xsite-runbook-resync(1), a page the parent's page names).
/// An unknown sub-command is an [`std::io::ErrorKind::InvalidInput`] error.
pub fn man_page(command: clap::Command, path: &[String]) -> std::io::Result<Vec<u8>> {
    // Built, as clap_mangen builds its pages: sub-commands get their `xsite-runbook` titles
    // and the global options.
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut page_of = &command;
    for name in path {
        page_of = page_of.find_subcommand(name).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "no man page for '{}': {} --help lists the commands",
                    path.join(" "),
                    command.get_name()
                ),
            )
        })?;
    }
    // Every page is the same program's: its name and version, not the sub-command's.
    let source = format!(
        "{} {}",
        command.get_name(),
        command.get_version().unwrap_or_default()
    );
    let mut page = Vec::new();
    clap_mangen::Man::new(page_of.clone())
        .source(source)
        .render(&mut page)?;
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
