//! Ctrl-C (SIGINT), handled where it is pressed.
//!
//! - In a runbook (one-shot, shell or batch file), the first Ctrl-C asks the workflow to stop at
//!   its next safe point ([`xsite::runbook::Cancel`]): it then stops with the same report as an
//!   interlock (what was done, each cache's state, what to run next). A second one exits at
//!   once (130), saying that the state is unknown.
//! - In the shell, the line editor reads Ctrl-C as a key (it cancels the line); while a command
//!   runs, Ctrl-C abandons its request and the prompt comes back (a state change may or may
//!   not have reached the server: the message says so).
//! - Anywhere else (a one-shot command, a batch file), Ctrl-C exits with 130 as before, with a
//!   line on stderr.
//!
//! The handler runs on its own thread (tokio's signal stream on a small runtime), so it works
//! whatever the main thread is blocked on.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use tokio::sync::Notify;

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
/// A Ctrl-C in the shell not yet taken by a command: one pressed just before the command began
/// waiting still abandons it.
static PENDING: AtomicBool = AtomicBool::new(false);
static RUNBOOK: Mutex<Option<Cancel>> = Mutex::new(None);
/// A password question cancelled with Ctrl-C, not yet taken by the command that asked.
static PROMPT_CANCELLED: AtomicBool = AtomicBool::new(false);

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
        // Wakes the command being waited for, if any.
        PENDING.store(true, Ordering::SeqCst);
        shell_interrupt().notify_waiters();
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

fn shell_interrupt() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// The message of a request abandoned by Ctrl-C in the shell.
pub const ABANDONED: &str = "interrupted (Ctrl-C): the request was abandoned; a change it asked for may or may not have been made (check with site status)";

/// What a command's future answers when Ctrl-C abandons it in the shell.
pub trait Interruptible {
    /// The answer of an abandoned request.
    fn interrupted() -> Self;
}

impl<T> Interruptible for xsite::Result<T> {
    fn interrupted() -> Self {
        Err(xsite::Error::Abandoned)
    }
}

/// `future`, abandoned with [`Interruptible::interrupted`] when Ctrl-C is pressed in the shell
/// while it runs.
pub async fn interruptible<F>(future: F) -> F::Output
where
    F: Future,
    F::Output: Interruptible,
{
    if MODE.load(Ordering::SeqCst) != Mode::Shell as u8 {
        return future.await;
    }
    let notified = shell_interrupt().notified();
    if PENDING.swap(false, Ordering::SeqCst) {
        return F::Output::interrupted();
    }
    tokio::select! {
        output = future => output,
        () = notified => {
            PENDING.store(false, Ordering::SeqCst);
            F::Output::interrupted()
        }
    }
}

/// Ctrl-C at a password prompt (read there as a key): in the shell the question is cancelled and
/// the command fails for want of a password; anywhere else the process exits with 130.
pub fn prompt_cancelled() {
    if MODE.load(Ordering::SeqCst) != Mode::Shell as u8 && runbook().is_none() {
        eprintln!("xsite: interrupted");
        std::process::exit(EXIT_CODE);
    }
    PROMPT_CANCELLED.store(true, Ordering::SeqCst);
}

/// Whether the last password question was cancelled with Ctrl-C (and forgets it).
pub fn take_prompt_cancelled() -> bool {
    PROMPT_CANCELLED.swap(false, Ordering::SeqCst)
}

/// Forgets a Ctrl-C that no command took (the shell calls it before reading a line).
pub fn clear_pending() {
    PENDING.store(false, Ordering::SeqCst);
}
