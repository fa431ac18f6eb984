//! Asking for a username and password, as cli.sh does when the server answers 401.
//!
//! The real prompter talks to the controlling terminal (`/dev/tty`), so it works while stdin is a
//! batch file and stdout a pipe; the password is read without echo (rpassword). When there is no
//! terminal, it answers nothing and the 401 stands.

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
        if !can_ask() {
            return None;
        }
        rpassword::prompt_password("Password: ")
            .ok()
            .map(SecretString::from)
    }

    fn password_for(&mut self, prompt: &str) -> Option<SecretString> {
        if !can_ask() {
            return None;
        }
        rpassword::prompt_password(prompt)
            .ok()
            .map(SecretString::from)
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
