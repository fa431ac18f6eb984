//! Replays the transcripts recorded against real servers (`docs/real-server/<version>.md`, written by
//! `scripts/probe`) against the simulator of the same generation, and compares status codes and bodies.
//!
//! Cases the simulator cannot reproduce by design are skipped (Digest via curl, HEAD via `curl -I`, the throw-away
//! ASYNC cache). Differences that are not meaningful are normalised: the patch version, the order of
//! `defined_caches` (a hash set of objects on the server, different on every call) and the exact moment a push
//! finishes (`SENDING`/`OK`/`CANCELED` depend on the data volume and timing).

mod common;

use std::path::{Path, PathBuf};

use common::{Conn, Resp, basic};
use serde_json::Value;
use xsite_sim::{Generation, Grid, Mechanism, SimOptions};

struct Case {
    title: String,
    method: String,
    user: Option<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    site_b: bool,
    target: String,
    status: u16,
    expected: String,
}

/// Splits a shell command line on blanks, honouring single quotes (all the recorded commands need).
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A request parsed from a `curl` command: method, credentials, headers, body, URL.
type CurlRequest = (
    String,
    Option<(String, String)>,
    Vec<(String, String)>,
    String,
    String,
);

/// Turns a recorded `curl …` command into a request, or `None` for commands the replay does not handle.
fn parse_curl(cmd: &str) -> Option<CurlRequest> {
    let words = shell_words(cmd);
    if words.first().map(String::as_str) != Some("curl") {
        return None;
    }
    let (mut method, mut user, mut headers, mut body, mut url) =
        (None, None, Vec::new(), None, None);
    let mut it = words.into_iter().skip(1);
    while let Some(w) = it.next() {
        match w.as_str() {
            "-X" => method = it.next(),
            "-u" => {
                let v = it.next()?;
                let (u, p) = v.split_once(':')?;
                user = Some((u.to_string(), p.to_string()));
            }
            "-H" => {
                let v = it.next()?;
                let (k, val) = v.split_once(':')?;
                headers.push((k.trim().to_string(), val.trim().to_string()));
            }
            "--data" => body = it.next(),
            "-I" | "--digest" | "--anyauth" => return None,
            w if w.starts_with("http://") => url = Some(w.to_string()),
            _ => return None,
        }
    }
    let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.to_string());
    Some((method, user, headers, body.unwrap_or_default(), url?))
}

fn parse_cases(text: &str) -> Vec<Result<Case, String>> {
    let mut out = Vec::new();
    for section in text.split("\n### ").skip(1) {
        let title = section.lines().next().unwrap_or("").to_string();
        // A set-up step recorded as prose: `POST http://…` between cases.
        for line in section
            .lines()
            .filter(|l| l.starts_with("Set-up (not recorded): `POST "))
        {
            let url = line
                .split('`')
                .nth(1)
                .unwrap_or("")
                .trim_start_matches("POST ");
            out.push(Ok(Case {
                title: format!("set-up of the case after {title}"),
                method: "POST".into(),
                user: Some(("developer".into(), "strong-password".into())),
                headers: Vec::new(),
                body: String::new(),
                site_b: url.contains(":11322"),
                target: url
                    .split_once("://")
                    .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_string()))
                    .unwrap_or_default(),
                status: 0,
                expected: String::new(),
            }));
        }
        let Some(cmd) = section
            .split("```sh\n")
            .nth(1)
            .and_then(|s| s.split("\n```").next())
        else {
            continue;
        };
        let Some(status) = section
            .split("Status **")
            .nth(1)
            .and_then(|s| s.split("**").next())
            .and_then(|s| s.parse().ok())
        else {
            continue;
        };
        let expected = section
            .split("verbatim:\n\n```\n")
            .nth(1)
            .and_then(|s| s.split("\n```").next())
            .unwrap_or("")
            .to_string();
        if cmd.contains("probe-async") {
            out.push(Err(title));
            continue;
        }
        match parse_curl(cmd) {
            Some((method, user, headers, body, url)) => {
                let rest = url.split_once("://").map_or("", |(_, r)| r);
                let target = rest
                    .find('/')
                    .map_or("/".to_string(), |i| rest[i..].to_string());
                out.push(Ok(Case {
                    title,
                    method,
                    user,
                    headers,
                    body,
                    site_b: rest.starts_with("127.0.0.1:11322"),
                    target,
                    status,
                    expected,
                }));
            }
            None => out.push(Err(title)),
        }
    }
    out
}

fn normalise_version(s: &str) -> String {
    s.replace("14.0.28.Final", "14.0.35.Final")
        .replace("15.0.21.Final", "15.0.22.Final")
}

/// Whether a recorded body and the simulator's agree, up to the normalisations described above.
fn same_body(case: &Case, got: &str) -> bool {
    let expected = normalise_version(&case.expected);
    if expected == got {
        return true;
    }
    let (Ok(mut e), Ok(mut g)) = (
        serde_json::from_str::<Value>(&expected),
        serde_json::from_str::<Value>(got),
    ) else {
        return false;
    };
    if case.target.contains("push-state-status") {
        let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        return keys(&e) == keys(&g);
    }
    let sort_defined = |v: &mut Value| {
        if let Some(Value::Array(a)) = v.get_mut("defined_caches") {
            a.sort_by_key(|x| x["name"].as_str().unwrap_or("").to_string());
        }
    };
    sort_defined(&mut e);
    sort_defined(&mut g);
    e == g
}

async fn send(grid: &Grid, case: &Case) -> Resp {
    let url = if case.site_b {
        grid.site_b_url()
    } else {
        grid.site_a_url()
    };
    let mut conn = Conn::open(&url).await.expect("connect");
    let mut headers: Vec<(String, String)> = case.headers.clone();
    if let Some((u, p)) = &case.user {
        headers.push(("Authorization".into(), basic(u, p)));
    }
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    conn.send(&case.method, &case.target, &refs, &case.body)
        .await
        .expect("request")
}

async fn replay(path: &Path) -> (usize, Vec<String>) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let generation = if name.starts_with("14.0.") {
        Generation::V14
    } else {
        Generation::V15
    };
    let mechanisms = if name.contains("-auth-DIGEST") {
        vec![Mechanism::Digest]
    } else {
        vec![Mechanism::Digest, Mechanism::Basic]
    };
    let grid = Grid::start(SimOptions {
        generation,
        mechanisms,
        push_delay: std::time::Duration::from_millis(1),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let (mut checked, mut failures) = (0, Vec::new());
    for case in parse_cases(&text).into_iter().flatten() {
        let r = send(&grid, &case).await;
        if case.status == 0 {
            continue; // a set-up step
        }
        checked += 1;
        if r.status != case.status || !same_body(&case, &r.body) {
            failures.push(format!(
                "{name} / {}: expected {} {:?}, got {} {:?}",
                case.title, case.status, case.expected, r.status, r.body
            ));
        }
        // Let a push started by this case finish before the next one, like the recorded runs did.
        if case.target.contains("start-push-state") {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    grid.shutdown().await;
    (checked, failures)
}

fn recordings() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/real-server");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            (n.starts_with("14.0.") || n.starts_with("15.0.")) && n.ends_with(".md")
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn simulator_matches_recorded_real_servers() {
    let files = recordings();
    if files.is_empty() {
        eprintln!("no recordings under docs/real-server; nothing to compare");
        return;
    }
    let mut all = Vec::new();
    let mut total = 0;
    for f in &files {
        let (checked, failures) = replay(f).await;
        total += checked;
        all.extend(failures);
    }
    eprintln!("replayed {total} recorded cases from {} files", files.len());
    assert!(total > 0, "no case could be replayed");
    assert!(
        all.is_empty(),
        "{} of {total} recorded cases differ:\n{}",
        all.len(),
        all.join("\n")
    );
}
