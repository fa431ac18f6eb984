//! A session wired to an embedded grid, with captured output.

use xsite_clish::Mode;
use xsite_repl::console::{Captured, Console, Format};
use xsite_repl::demo::DemoGrid;
use xsite_repl::exec::{Executor, Outcome};
use xsite_repl::prompt::{NoPrompter, Prompter};
use xsite_repl::session::{Session, TlsSettings};

/// An executor, its captured output, and the grid it talks to.
pub struct Harness {
    pub exec: Executor,
    pub out: Captured,
    pub grid: DemoGrid,
}

impl Harness {
    /// A disconnected interactive session, with no one to answer prompts.
    pub fn new() -> Harness {
        Harness::with(Box::new(NoPrompter), Mode::Interactive, Format::Cli)
    }

    /// A disconnected session with the given prompter, mode and format.
    pub fn with(prompter: Box<dyn Prompter>, mode: Mode, format: Format) -> Harness {
        let grid = DemoGrid::start().expect("the embedded grid starts");
        let session = Session::new(TlsSettings::default(), prompter, mode);
        let (console, out) = Console::capture(format);
        Harness {
            exec: Executor::new(session, console),
            out,
            grid,
        }
    }

    /// A disconnected session whose runbook sites name both sites of its grid (as `--demo` does).
    pub fn with_both_sites() -> Harness {
        let mut h = Harness::new();
        let (a, b) = (
            h.grid.connect_url(h.grid.site_a_url()),
            h.grid.connect_url(h.grid.site_b_url()),
        );
        let (out, err) = h.run(&format!(
            "runbook sites --site-url site-a={a} --site-url site-b={b}"
        ));
        assert!(out.starts_with("site-a  http://127.0.0.1:"), "{out}{err}");
        let password = xsite_sim::ADMIN_PASSWORD;
        assert!(
            !out.contains(password) && !err.contains(password),
            "{out}{err}"
        );
        h
    }

    /// A session connected to site-a.
    pub fn connected() -> Harness {
        let mut h = Harness::new();
        let url = h.grid.connect_url(h.grid.site_a_url());
        let (out, err) = h.run(&format!("connect {url}"));
        assert_eq!((out.as_str(), err.as_str()), ("", ""));
        h
    }

    /// Runs a line; returns what it printed on stdout and stderr.
    pub fn run(&mut self, line: &str) -> (String, String) {
        self.exec.run_line(line);
        self.out.take()
    }

    /// Runs a line; returns its outcome and stdout.
    pub fn outcome(&mut self, line: &str) -> (Outcome, String) {
        let outcome = self.exec.run_line(line);
        (outcome, self.out.take().0)
    }

    /// The prompt, without colour.
    pub fn prompt(&self) -> String {
        self.exec.session.prompt(false)
    }
}
