//! Replays the transcripts recorded against real servers (`docs/real-server/<version>.md`, written by
//! `scripts/probe`) against the simulator, and compares status codes and bodies. Every recording is
//! replayed: 14.0.28 against the 14 generation, 15.0.21, 15.2.6 and 16.0.7 against the 15 generation.
//!
//! Cases the simulator cannot reproduce by design are counted and reported, not replayed (Digest via
//! curl, HEAD via `curl -I`, the throw-away ASYNC cache); their number per recording is pinned, and a
//! case that cannot be parsed for any other reason fails the test. Differences that are not
//! meaningful are normalised, each visibly: the version text (the simulator reports the release it is
//! named after, 14.0.35.Final or 15.0.22.Final; the recordings come from 14.0.28.Final and others, and
//! every body where the version was rewritten is counted and printed), the order of `defined_caches` (a
//! hash set of objects on the server, different on every call) and whether a push read right after it
//! started is still `SENDING` or already `OK` (it depends on the data volume and timing). Every other
//! push status (`IDLE`, `CANCELED`, `ERROR`) and every scalar body is compared exactly.

mod common;

use std::collections::BTreeMap;
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

/// Why a recorded case is not replayed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NotReplayed {
    /// By design: curl's own Digest exchange (`--digest`, `--anyauth`).
    CurlDigest,
    /// By design: `curl -I` (HEAD).
    CurlHead,
    /// By design: the throw-away ASYNC cache the probe creates (`probe-async`).
    AsyncCache,
    /// Anything else: the recording has a shape this replay does not read. Always a failure.
    Unparseable(String),
}

/// Turns a recorded `curl …` command into a request, or says why it is not replayed.
fn parse_curl(cmd: &str) -> Result<CurlRequest, NotReplayed> {
    let unparseable = |why: String| NotReplayed::Unparseable(format!("{why} in `{cmd}`"));
    let words = shell_words(cmd);
    if words.first().map(String::as_str) != Some("curl") {
        return Err(unparseable("not a curl command".to_owned()));
    }
    let (mut method, mut user, mut headers, mut body, mut url) =
        (None, None, Vec::new(), None, None);
    let mut it = words.into_iter().skip(1);
    while let Some(w) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .ok_or_else(|| unparseable(format!("{what} without a value")))
        };
        match w.as_str() {
            "-X" => method = Some(value("-X")?),
            "-u" => {
                let v = value("-u")?;
                let (u, p) = v
                    .split_once(':')
                    .ok_or_else(|| unparseable(format!("-u {v}")))?;
                user = Some((u.to_string(), p.to_string()));
            }
            "-H" => {
                let v = value("-H")?;
                let (k, val) = v
                    .split_once(':')
                    .ok_or_else(|| unparseable(format!("-H {v}")))?;
                headers.push((k.trim().to_string(), val.trim().to_string()));
            }
            "--data" => body = Some(value("--data")?),
            "-I" => return Err(NotReplayed::CurlHead),
            "--digest" | "--anyauth" => return Err(NotReplayed::CurlDigest),
            w if w.starts_with("http://") => url = Some(w.to_string()),
            other => return Err(unparseable(format!("curl word {other:?}"))),
        }
    }
    let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.to_string());
    let url = url.ok_or_else(|| unparseable("no URL".to_owned()))?;
    Ok((method, user, headers, body.unwrap_or_default(), url))
}

fn parse_cases(text: &str) -> Vec<Result<Case, (String, NotReplayed)>> {
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
            out.push(Err((title, NotReplayed::Unparseable("no command".into()))));
            continue;
        };
        let Some(status) = section
            .split("Status **")
            .nth(1)
            .and_then(|s| s.split("**").next())
            .and_then(|s| s.parse().ok())
        else {
            out.push(Err((title, NotReplayed::Unparseable("no status".into()))));
            continue;
        };
        let expected = section
            .split("verbatim:\n\n```\n")
            .nth(1)
            .and_then(|s| s.split("\n```").next())
            .unwrap_or("")
            .to_string();
        if cmd.contains("probe-async") {
            out.push(Err((title, NotReplayed::AsyncCache)));
            continue;
        }
        match parse_curl(cmd) {
            Ok((method, user, headers, body, url)) => {
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
            Err(why) => out.push(Err((title, why))),
        }
    }
    out
}

/// A version rewrite, made visible: the recording's version text, the simulator's, and how many
/// recorded bodies carried it.
struct VersionRewrite {
    recorded: String,
    simulated: String,
    bodies: usize,
}

/// Push statuses a read can see either way, depending on how far the push got: `SENDING` or `OK`.
fn push_timing_class(status: &str) -> &str {
    match status {
        "SENDING" | "OK" => "SENDING or OK",
        other => other,
    }
}

/// Whether a recorded body and the simulator's agree, up to the normalisations described above.
fn same_body(case: &Case, got: &str, version: &mut VersionRewrite) -> bool {
    let expected = if case.expected.contains(&version.recorded) {
        version.bodies += 1;
        case.expected.replace(&version.recorded, &version.simulated)
    } else {
        case.expected.clone()
    };
    if expected == got {
        return true;
    }
    let (Ok(mut e), Ok(mut g)) = (
        serde_json::from_str::<Value>(&expected),
        serde_json::from_str::<Value>(got),
    ) else {
        return false;
    };
    // A status map (`{"site-b":"OK"}`): same sites, same statuses up to the push's timing. Scalar
    // bodies (`"ok"` of clear-push-state-status) were compared exactly above.
    if case.target.contains("action=push-state-status")
        && let (Some(e), Some(g)) = (e.as_object(), g.as_object())
    {
        let class = |o: &serde_json::Map<String, Value>| -> Vec<(String, String)> {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        push_timing_class(v.as_str().unwrap_or("?")).to_owned(),
                    )
                })
                .collect()
        };
        return class(e) == class(g);
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

/// What one recording's replay found.
struct Replay {
    name: String,
    checked: usize,
    failures: Vec<String>,
    not_replayed: BTreeMap<NotReplayed, Vec<String>>,
    version: VersionRewrite,
}

/// The version a recording was made from: its file name up to `.md` or `-auth-…`.
fn recorded_version(name: &str) -> &str {
    let stem = name.trim_end_matches(".md");
    stem.split_once("-auth-").map_or(stem, |(v, _)| v)
}

async fn replay(path: &Path) -> Replay {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let generation = if name.starts_with("14.") {
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
    let server = send(
        &grid,
        &Case {
            title: "the simulator's version".into(),
            method: "GET".into(),
            user: Some(("developer".into(), "strong-password".into())),
            headers: Vec::new(),
            body: String::new(),
            site_b: false,
            target: "/rest/v2/server".into(),
            status: 200,
            expected: String::new(),
        },
    )
    .await;
    let simulated = serde_json::from_str::<Value>(&server.body).unwrap()["version"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut report = Replay {
        version: VersionRewrite {
            recorded: recorded_version(&name).to_owned(),
            simulated,
            bodies: 0,
        },
        name,
        checked: 0,
        failures: Vec::new(),
        not_replayed: BTreeMap::new(),
    };
    let text = std::fs::read_to_string(path).unwrap();
    for parsed in parse_cases(&text) {
        let case = match parsed {
            Ok(case) => case,
            Err((title, why)) => {
                report.not_replayed.entry(why).or_default().push(title);
                continue;
            }
        };
        let r = send(&grid, &case).await;
        if case.status == 0 {
            continue; // a set-up step
        }
        report.checked += 1;
        if r.status != case.status || !same_body(&case, &r.body, &mut report.version) {
            report.failures.push(format!(
                "{} / {}: expected {} {:?}, got {} {:?}",
                report.name, case.title, case.status, case.expected, r.status, r.body
            ));
        }
        // Let a push started by this case finish before the next one, like the recorded runs did.
        if case.target.contains("start-push-state") {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    grid.shutdown().await;
    report
}

fn recordings() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/real-server");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("the recordings {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(|c: char| c.is_ascii_digit()) && n.ends_with(".md")
        })
        .collect();
    files.sort();
    files
}

/// Cases each recording holds that the replay cannot send by design: (curl Digest, curl -I, ASYNC
/// cache). A change here means the probe changed: look at what is no longer replayed.
fn expected_not_replayed(name: &str) -> [usize; 3] {
    if name.contains("-auth-DIGEST") {
        [3, 0, 0]
    } else {
        [4, 3, 7]
    }
}

#[tokio::test]
async fn simulator_matches_recorded_real_servers() {
    let files = recordings();
    let mut all = Vec::new();
    let mut total = 0;
    for f in &files {
        let r = replay(f).await;
        total += r.checked;
        let count = |why: &NotReplayed| r.not_replayed.get(why).map_or(0, Vec::len);
        eprintln!(
            "{}: {} cases replayed; not replayed by design: {} curl Digest, {} curl -I, {} ASYNC cache; \\
             version text {} rewritten to the simulator's {} in {} bodies",
            r.name,
            r.checked,
            count(&NotReplayed::CurlDigest),
            count(&NotReplayed::CurlHead),
            count(&NotReplayed::AsyncCache),
            r.version.recorded,
            r.version.simulated,
            r.version.bodies
        );
        for (why, titles) in &r.not_replayed {
            if let NotReplayed::Unparseable(reason) = why {
                all.push(format!("{}: cannot parse {titles:?}: {reason}", r.name));
            }
        }
        let by_design = [
            count(&NotReplayed::CurlDigest),
            count(&NotReplayed::CurlHead),
            count(&NotReplayed::AsyncCache),
        ];
        if by_design != expected_not_replayed(&r.name) {
            all.push(format!(
                "{}: not replayed by design {by_design:?}, expected {:?}: {:?}",
                r.name,
                expected_not_replayed(&r.name),
                r.not_replayed
            ));
        }
        all.extend(r.failures);
    }
    eprintln!("replayed {total} recorded cases from {} files", files.len());
    assert!(total > 0, "no case could be replayed");
    assert!(
        all.is_empty(),
        "{} problems over {total} recorded cases:\n{}",
        all.len(),
        all.join("\n")
    );
}
