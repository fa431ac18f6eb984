//! `xsite --demo`: the embedded two-site Data Grid (the simulator), on its own thread. Only in
//! builds with the `demo` feature (a default one).
//!
//! The grid gets its own thread and runtime, so that it keeps answering while the shell waits
//! for input (the shell's runtime only runs during a command), and so that other programs
//! (curl, a second xsite) can reach it too.

use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// A running embedded grid. Dropping it stops the grid.
#[derive(Debug)]
pub struct DemoGrid {
    site_a: String,
    site_b: String,
    handles: Vec<xsite_sim::SiteHandle>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DemoGrid {
    /// Starts the grid with the simulator's default options (Infinispan 14.0, Digest and Basic
    /// authentication, user `developer`).
    pub fn start() -> std::io::Result<DemoGrid> {
        DemoGrid::start_with(xsite_sim::SimOptions::default())
    }

    /// Starts the grid with the given options.
    pub fn start_with(options: xsite_sim::SimOptions) -> std::io::Result<DemoGrid> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("xsite-demo-grid".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match xsite_sim::Grid::start(options).await {
                        Ok(grid) => {
                            let handles = ["site-a", "site-b"]
                                .iter()
                                .filter_map(|name| grid.site(name))
                                .collect::<Vec<_>>();
                            let _ =
                                ready_tx.send(Ok((grid.site_a_url(), grid.site_b_url(), handles)));
                            let _ = stop_rx.await;
                            grid.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (site_a, site_b, handles) = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the demo grid thread ended before starting"))??;
        Ok(DemoGrid {
            site_a,
            site_b,
            handles,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Site A's base URL (`http://127.0.0.1:PORT`).
    pub fn site_a_url(&self) -> &str {
        &self.site_a
    }

    /// Site B's base URL.
    pub fn site_b_url(&self) -> &str {
        &self.site_b
    }

    /// The simulator's handle on a site (`site-a`, `site-b`): fault switches and state, for
    /// tests and demonstrations.
    pub fn site(&self, name: &str) -> Option<&xsite_sim::SiteHandle> {
        self.handles.iter().find(|h| h.name() == name)
    }

    /// The `connect` URL of a site, with the demo credentials in its user-info.
    pub fn connect_url(&self, site_url: &str) -> String {
        site_url.replacen(
            "://",
            &format!(
                "://{}:{}@",
                xsite_sim::ADMIN_USER,
                xsite_sim::ADMIN_PASSWORD
            ),
            1,
        )
    }
}

impl Drop for DemoGrid {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
