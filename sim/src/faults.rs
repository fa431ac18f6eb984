//! Per-site fault switches that tests flip at runtime: latency, unresponsiveness and injected statuses.
//! (Site down and the cross-site link live in the server and the state, because they change connectivity.)

use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Default)]
struct State {
    latency: Duration,
    unresponsive: bool,
    injected: Option<Injection>,
}

#[derive(Debug)]
struct Injection {
    /// Only requests whose path and query contain this answer the injection; `None`: every one.
    matching: Option<String>,
    status: u16,
    body: String,
    remaining: usize,
}

/// The fault switches of one site.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    state: Mutex<State>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("faults lock")
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    pub(crate) fn set_unresponsive(&self, on: bool) {
        self.lock().unresponsive = on;
    }

    pub(crate) fn unresponsive(&self) -> bool {
        self.lock().unresponsive
    }

    /// Makes the next `count` responses (to requests whose path and query contain `matching`,
    /// when given) answer `status` with `body`, replacing any earlier injection.
    pub(crate) fn inject(&self, matching: Option<String>, status: u16, body: String, count: usize) {
        self.lock().injected = (count > 0).then_some(Injection {
            matching,
            status,
            body,
            remaining: count,
        });
    }

    /// Consumes one injected response for a request to `target` (path and query), if any is
    /// pending for it.
    pub(crate) fn take_injection(&self, target: &str) -> Option<(u16, String)> {
        let mut s = self.lock();
        let inj = s.injected.as_mut()?;
        if inj
            .matching
            .as_deref()
            .is_some_and(|fragment| !target.contains(fragment))
        {
            return None;
        }
        inj.remaining -= 1;
        let out = (inj.status, inj.body.clone());
        if inj.remaining == 0 {
            s.injected = None;
        }
        Some(out)
    }
}
