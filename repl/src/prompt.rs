//! Asking for a username and password, as cli.sh does when the server answers 401.
//!
//! The real prompter talks to the controlling terminal (`/dev/tty`), so it works while stdin is a
//! batch file and stdout a pipe; the password is read without echo. When there is no terminal, it
//! answers nothing and the 401 stands.
//!
//! Ctrl-C at the password prompt cancels the question (as it cancels a line in the shell): the
//! terminal reads it as a key there, so the command goes on without a password and fails with
//! "none was given"; outside the shell it exits with 130, as anywhere else.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};

use secrecy::SecretString;

/// Something that can ask for credentials.
pub trait Prompter {
    /// Asks for a username (`Username: `); `None` if nobody can be asked.
    fn username(&mut self) -> Option<String>;
    /// Asks for a password without echo (`Password: `); `None` if nobody can be asked.
    fn password(&mut self) -> Option<SecretString>;
    /// Asks for a password without echo, with the given prompt (`Password for developer at
    /// site-a: `); `None` if nobody can be asked. By default, as [`Prompter::password`].
    fn password_for(&mut self, prompt: &str) -> Option<SecretString> {
        let _ = prompt;
        self.password()
    }
}

/// Asks on the controlling terminal, when standard input is one (like cli.sh, which asks only
/// when Java has a console); a batch piped in is never stopped by a question.
#[derive(Debug, Default)]
pub struct TtyPrompter;

fn can_ask() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

impl Prompter for TtyPrompter {
    fn username(&mut self) -> Option<String> {
        if !can_ask() {
            return None;
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let mut writer = tty.try_clone().ok()?;
        writer.write_all(b"Username: ").ok()?;
        writer.flush().ok()?;
        let mut line = String::new();
        BufReader::new(tty).read_line(&mut line).ok()?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    fn password(&mut self) -> Option<SecretString> {
        self.password_for("Password: ")
    }

    fn password_for(&mut self, prompt: &str) -> Option<SecretString> {
        if !can_ask() {
            return None;
        }
        match no_echo::read(prompt) {
            Ok(Secret::Typed(password)) => Some(password),
            Ok(Secret::Cancelled) => {
                crate::interrupt::prompt_cancelled();
                None
            }
            Ok(Secret::Ended) | Err(_) => None,
        }
    }
}

/// What a no-echo question ended with.
#[derive(Debug)]
pub enum Secret {
    /// Enter, after what was typed.
    Typed(SecretString),
    /// Ctrl-C.
    Cancelled,
    /// Ctrl-D on an empty answer, or the end of the input.
    Ended,
}

/// Edits a secret from the keys typed (bytes of a terminal without echo, line editing or
/// signals): Backspace and Ctrl-U edit it, Enter ends it, Ctrl-C cancels it, Ctrl-D on an empty
/// answer ends the input. Everything else is kept as typed.
pub fn edit_secret(keys: impl IntoIterator<Item = u8>) -> Secret {
    use secrecy::zeroize::Zeroize;
    let mut typed: Vec<u8> = Vec::new();
    let outcome = 'keys: {
        for key in keys {
            match key {
                b'\r' | b'\n' => {
                    let text = String::from_utf8_lossy(&typed).into_owned();
                    break 'keys Secret::Typed(SecretString::from(text));
                }
                0x03 => break 'keys Secret::Cancelled,
                0x04 if typed.is_empty() => break 'keys Secret::Ended,
                0x7f | 0x08 => {
                    // One character back: the bytes of a UTF-8 sequence go together.
                    while let Some(byte) = typed.pop() {
                        if byte & 0xC0 != 0x80 {
                            break;
                        }
                    }
                }
                0x15 => typed.zeroize(),
                _ => typed.push(key),
            }
        }
        Secret::Ended
    };
    typed.zeroize();
    outcome
}

#[cfg(unix)]
mod no_echo {
    use std::io::{Read, Write};

    use nix::sys::termios::{self, LocalFlags, SetArg};

    use super::{Secret, edit_secret};

    /// Asks on `/dev/tty` with echo, line editing and signals off (so that Ctrl-C is a key
    /// here), and puts the terminal back as it was, whatever happens.
    pub(super) fn read(prompt: &str) -> std::io::Result<Secret> {
        let mut tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        let saved = termios::tcgetattr(&tty).map_err(std::io::Error::from)?;
        let mut quiet = saved.clone();
        quiet
            .local_flags
            .remove(LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG);
        quiet.control_chars[termios::SpecialCharacterIndices::VMIN as usize] = 1;
        quiet.control_chars[termios::SpecialCharacterIndices::VTIME as usize] = 0;
        tty.write_all(prompt.as_bytes())?;
        tty.flush()?;
        termios::tcsetattr(&tty, SetArg::TCSAFLUSH, &quiet).map_err(std::io::Error::from)?;
        let keys = tty.try_clone()?;
        // One byte per read, on purpose: a buffer would swallow what is typed after Enter.
        #[allow(clippy::unbuffered_bytes)]
        let outcome = edit_secret(keys.bytes().map_while(Result::ok));
        let restored = termios::tcsetattr(&tty, SetArg::TCSAFLUSH, &saved);
        let _ = tty.write_all(match outcome {
            Secret::Cancelled => b"^C\n",
            _ => b"\n",
        });
        restored.map_err(std::io::Error::from)?;
        Ok(outcome)
    }
}

#[cfg(not(unix))]
mod no_echo {
    use super::Secret;
    use secrecy::SecretString;

    /// Without termios: rpassword (Ctrl-C is then the console's).
    pub(super) fn read(prompt: &str) -> std::io::Result<Secret> {
        rpassword::prompt_password(prompt).map(|p| Secret::Typed(SecretString::from(p)))
    }
}

/// Never asks: for runs without a terminal.
#[derive(Debug, Default)]
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn username(&mut self) -> Option<String> {
        None
    }

    fn password(&mut self) -> Option<SecretString> {
        None
    }
}

/// Answers from a script of usernames and passwords, and counts the questions: for tests.
#[derive(Debug, Default)]
pub struct ScriptedPrompter {
    usernames: VecDeque<String>,
    passwords: VecDeque<String>,
    /// How many times each was asked.
    pub asked: std::rc::Rc<std::cell::Cell<(usize, usize)>>,
}

impl ScriptedPrompter {
    /// A prompter that answers these, in order, then nothing.
    pub fn new<U, P>(usernames: U, passwords: P) -> ScriptedPrompter
    where
        U: IntoIterator,
        U::Item: Into<String>,
        P: IntoIterator,
        P::Item: Into<String>,
    {
        ScriptedPrompter {
            usernames: usernames.into_iter().map(Into::into).collect(),
            passwords: passwords.into_iter().map(Into::into).collect(),
            asked: Default::default(),
        }
    }
}

impl Prompter for ScriptedPrompter {
    fn username(&mut self) -> Option<String> {
        let (u, p) = self.asked.get();
        self.asked.set((u + 1, p));
        self.usernames.pop_front()
    }

    fn password(&mut self) -> Option<SecretString> {
        let (u, p) = self.asked.get();
        self.asked.set((u, p + 1));
        self.passwords.pop_front().map(SecretString::from)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::{Secret, edit_secret};

    fn typed(keys: &[u8]) -> String {
        match edit_secret(keys.iter().copied()) {
            Secret::Typed(s) => s.expose_secret().to_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn enter_ends_and_backspace_and_ctrl_u_edit() {
        assert_eq!(typed(b"secret\r"), "secret");
        assert_eq!(typed(b"secrex\x7ft\n"), "secret");
        assert_eq!(typed(b"wrong\x15right\r"), "right");
        assert_eq!(typed("pä\x7fa\r".as_bytes()), "pa");
        assert_eq!(typed(b"a b\x04c\r"), "a b\x04c");
    }

    #[test]
    fn ctrl_c_cancels_and_ctrl_d_on_nothing_ends() {
        assert!(matches!(edit_secret(*b"half\x03rest\r"), Secret::Cancelled));
        assert!(matches!(edit_secret(*b"\x04"), Secret::Ended));
        assert!(matches!(edit_secret(*b"no enter"), Secret::Ended));
    }
}
