//! The requests a site received, in order, so that tests and the bench can count what a client
//! sends (a one-shot command, a runbook) per route. Bounded: past [`MAX_LOGGED`] requests only
//! the count grows.

use std::sync::Mutex;

/// The most requests a site keeps in its log.
pub const MAX_LOGGED: usize = 100_000;

/// One request as the site received it, with the status it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The method, `GET`, `POST`, …
    pub method: String,
    /// The path and query as sent, `/rest/v2/caches/work/x-site/backups/site-b?action=take-offline`.
    pub uri: String,
    /// The status answered (401 for an authentication challenge).
    pub status: u16,
}

impl LoggedRequest {
    /// `METHOD path?query`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.uri)
    }
}

#[derive(Debug, Default)]
struct State {
    logged: Vec<LoggedRequest>,
    total: usize,
}

/// A site's request log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    state: Mutex<State>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn record(&self, method: &str, uri: &str, status: u16) {
        let mut s = self.lock();
        s.total += 1;
        if s.logged.len() < MAX_LOGGED {
            s.logged.push(LoggedRequest {
                method: method.to_string(),
                uri: uri.to_string(),
                status,
            });
        }
    }

    /// The logged requests and the total count (which goes on past the cap).
    pub(crate) fn snapshot(&self) -> (Vec<LoggedRequest>, usize) {
        let s = self.lock();
        (s.logged.clone(), s.total)
    }

    pub(crate) fn clear(&self) {
        *self.lock() = State::default();
    }
}
