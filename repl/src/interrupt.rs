//! Ctrl-C (SIGINT), handled where it is pressed.
//!
//! - In a runbook (one-shot, shell or batch file), the first Ctrl-C asks the workflow to stop at
//!   its next safe point ([`xsite::runbook::Cancel`]): it then stops with the same report as an
//!   interlock (what was done, each cache's state, what to run next). A second one exits at
//!   once (130), saying that the state is unknown.
//! - In the shell, the line editor reads Ctrl-C as a key (it cancels the line); while a command
//!   runs, Ctrl-C no longer ends the shell: the command finishes (its requests have timeouts),
//!   then the prompt comes back.
//! - Anywhere else (a one-shot command, a batch file), Ctrl-C exits with 130 as before, with a
//!   line on stderr.
//!
//! The handler runs on its own thread (tokio's signal stream on a small runtime), so it works
//! whatever the main thread is blocked on.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use xsite::runbook::Cancel;

/// What a Ctrl-C does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Exit with 130.
    Exit = 0,
    /// The interactive shell: never exit on Ctrl-C.
    Shell = 1,
}

static MODE: AtomicU8 = AtomicU8::new(Mode::Exit as u8);
static RUNBOOK: Mutex<Option<Cancel>> = Mutex::new(None);

/// The exit code of a process ended by Ctrl-C (128 + SIGINT).
pub const EXIT_CODE: i32 = 130;

fn runbook() -> MutexGuard<'static, Option<Cancel>> {
    RUNBOOK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sets what Ctrl-C does outside runbooks.
pub fn set_mode(mode: Mode) {
    MODE.store(mode as u8, Ordering::SeqCst);
}

/// Installs the handler. Returns false (and Ctrl-C keeps its default, ending the process) when
/// the signal cannot be caught.
pub fn install() -> bool {
    let (ready, registered) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("xsite-sigint".to_owned())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready.send(false);
                return;
            };
            rt.block_on(async move {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    let Ok(mut stream) = signal(SignalKind::interrupt()) else {
                        let _ = ready.send(false);
                        return;
                    };
                    let _ = ready.send(true);
                    while stream.recv().await.is_some() {
                        on_interrupt();
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = ready.send(true);
                    while tokio::signal::ctrl_c().await.is_ok() {
                        on_interrupt();
                    }
                }
            });
        });
    spawned.is_ok() && registered.recv().unwrap_or(false)
}

/// What one Ctrl-C does.
fn on_interrupt() {
    if let Some(cancel) = runbook().as_ref() {
        if cancel.is_requested() {
            eprintln!(
                "\nxsite: second Ctrl-C: exiting now, without the stop report; the caches' state is unknown: run `runbook status`"
            );
            std::process::exit(EXIT_CODE);
        }
        cancel.request();
        eprintln!(
            "\nxsite: Ctrl-C: stopping at the next safe point (never between a status check and its clear); Ctrl-C again to exit now"
        );
        return;
    }
    if MODE.load(Ordering::SeqCst) == Mode::Shell as u8 {
        eprintln!(
            "\nxsite: Ctrl-C: the command runs to its end (its requests time out), then the prompt comes back"
        );
        return;
    }
    eprintln!("\nxsite: interrupted");
    std::process::exit(EXIT_CODE);
}

/// While alive, Ctrl-C stops this runbook at its next safe point (see the module docs).
#[derive(Debug)]
pub struct RunbookGuard {
    cancel: Cancel,
}

impl RunbookGuard {
    /// Routes Ctrl-C to `cancel` until the guard is dropped.
    pub fn new(cancel: Cancel) -> RunbookGuard {
        *runbook() = Some(cancel.clone());
        RunbookGuard { cancel }
    }

    /// Whether a Ctrl-C asked this runbook to stop.
    pub fn interrupted(&self) -> bool {
        self.cancel.is_requested()
    }
}

impl Drop for RunbookGuard {
    fn drop(&mut self) {
        *runbook() = None;
    }
}
