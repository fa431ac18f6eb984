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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{Conn, Resp, admin, basic, eventually};
use serde_json::Value;
use xsite_sim::harness::{KEYCLOAK_CACHES, SITE_A, SITE_B};
use xsite_sim::{Generation, Grid, Mechanism, PushStatus, SimOptions};

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

/// A request from a parsed curl command, expecting `status` and `expected`.
fn request(
    title: String,
    (method, user, headers, body, url): CurlRequest,
    status: u16,
    expected: String,
) -> Case {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let target = rest
        .find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string());
    Case {
        title,
        method,
        user,
        headers,
        body,
        site_b: rest.starts_with("127.0.0.1:11322"),
        target,
        status,
        expected,
    }
}

/// The set-up steps a section records as prose after its case (`Set-up (not recorded): …`): a
/// `POST http://…`, or a curl command whose URL may hold a `[first-last]` range (curl's globbing),
/// one request per number. Set-up steps have status 0: sent, not compared.
fn setups(title: &str, section: &str) -> Vec<Result<Case, (String, NotReplayed)>> {
    let mut out = Vec::new();
    for line in section
        .lines()
        .filter(|l| l.starts_with("Set-up (not recorded): "))
    {
        let step = format!("set-up after {title}");
        let Some(quoted) = line.split('`').nth(1) else {
            out.push(Err((step, NotReplayed::Unparseable(line.to_owned()))));
            continue;
        };
        let parsed = match quoted.strip_prefix("POST ") {
            Some(url) => Ok((
                "POST".to_owned(),
                Some(("developer".to_owned(), "strong-password".to_owned())),
                Vec::new(),
                String::new(),
                url.to_owned(),
            )),
            None => parse_curl(quoted),
        };
        let (method, user, headers, body, url) = match parsed {
            Ok(parsed) => parsed,
            Err(why) => {
                out.push(Err((step, why)));
                continue;
            }
        };
        let range = url.split_once('[').and_then(|(head, rest)| {
            let (range, tail) = rest.split_once(']')?;
            let (first, last) = range.split_once('-')?;
            Some((
                head,
                first.parse::<u32>().ok()?,
                last.parse::<u32>().ok()?,
                tail,
            ))
        });
        let urls = match range {
            Some((head, first, last, tail)) => {
                (first..=last).map(|n| format!("{head}{n}{tail}")).collect()
            }
            None if url.contains('[') => {
                out.push(Err((step, NotReplayed::Unparseable(line.to_owned()))));
                continue;
            }
            None => vec![url],
        };
        for url in urls {
            let curl = (
                method.clone(),
                user.clone(),
                headers.clone(),
                body.clone(),
                url,
            );
            out.push(Ok(request(step.clone(), curl, 0, String::new())));
        }
    }
    out
}

fn parse_cases(text: &str) -> Vec<Result<Case, (String, NotReplayed)>> {
    let mut out = Vec::new();
    for section in text.split("\n### ").skip(1) {
        let title = section.lines().next().unwrap_or("").to_string();
        let setups = setups(&title, section);
        out.push(parse_case(title, section));
        out.extend(setups);
    }
    out
}

fn parse_case(title: String, section: &str) -> Result<Case, (String, NotReplayed)> {
    let Some(cmd) = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
    else {
        return Err((title, NotReplayed::Unparseable("no command".into())));
    };
    let Some(status) = section
        .split("Status **")
        .nth(1)
        .and_then(|s| s.split("**").next())
        .and_then(|s| s.parse().ok())
    else {
        return Err((title, NotReplayed::Unparseable("no status".into())));
    };
    let expected = section
        .split("verbatim:\n\n```\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or("")
        .to_string();
    if cmd.contains("probe-async") {
        return Err((title, NotReplayed::AsyncCache));
    }
    match parse_curl(cmd) {
        Ok(curl) => Ok(request(title, curl, status, expected)),
        Err(why) => Err((title, why)),
    }
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

/// Recorded cases of the newer lines where the simulator, which imitates 15.0, answers otherwise:
/// the server and container info (the codename and release, `cache_configuration_names` with the
/// RESP templates, `tracing_enabled`; 16.0 also adds `cache-manager-name` to `/v2/server` and drops
/// `/v2/server/cache-managers`). Listed by case number; each must still differ, so the list cannot
/// go stale.
fn known_difference(recording: &str, title: &str) -> Option<&'static str> {
    let number = title.split('.').next().unwrap_or("");
    let info = ["1", "3", "4", "5", "6", "7", "178"];
    if recording.starts_with("15.2.") && info.contains(&number) {
        return Some("15.2 server/container info");
    }
    if recording.starts_with("16.0.") && (info.contains(&number) || number == "2") {
        return Some("16.0 server/container info");
    }
    None
}

/// What one recording's replay found.
struct Replay {
    name: String,
    checked: usize,
    failures: Vec<String>,
    /// Cases that differ as [`known_difference`] says they do.
    known: Vec<String>,
    not_replayed: BTreeMap<NotReplayed, Vec<String>>,
    version: VersionRewrite,
}

/// The version a recording was made from: its file name up to `.md` or `-auth-…`.
fn recorded_version(name: &str) -> &str {
    let stem = name.trim_end_matches(".md");
    stem.split_once("-auth-").map_or(stem, |(v, _)| v)
}

/// The release a simulator of this generation reports (`GET /rest/v2/server`), read from a
/// grid with Basic enabled (the DIGEST-only recordings' grid refuses Basic).
async fn simulator_version(generation: Generation) -> String {
    let grid = Grid::start(SimOptions {
        generation,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let server = admin(&grid.site_a_url(), "GET", "/rest/v2/server", "").await;
    grid.shutdown().await;
    let info: Value = serde_json::from_str(&server.body).unwrap();
    // `Infinispan '<codename>' <release>`: the release is what a recording's file name carries.
    let text = info["version"].as_str().unwrap();
    text.rsplit(' ').next().unwrap().to_owned()
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
    let simulated = simulator_version(generation).await;
    let mut report = Replay {
        version: VersionRewrite {
            recorded: recorded_version(&name).to_owned(),
            simulated,
            bodies: 0,
        },
        name,
        checked: 0,
        failures: Vec::new(),
        known: Vec::new(),
        not_replayed: BTreeMap::new(),
    };
    let text = std::fs::read_to_string(path).unwrap();
    let mut cases = Vec::new();
    for parsed in parse_cases(&text) {
        match parsed {
            Ok(case) => cases.push(case),
            Err((title, why)) => report.not_replayed.entry(why).or_default().push(title),
        }
    }
    for (i, case) in cases.iter().enumerate() {
        // A push a case started has ended before the next case in the recorded runs, unless the
        // recording shows it still running.
        if !observes_running_push(&cases, i) {
            let what = format!(
                "{} / {}: the push started before ends",
                report.name, case.title
            );
            eventually(&what, async || (!pushing(&grid)).then_some(())).await;
        }
        let r = send(&grid, case).await;
        if case.status == 0 {
            continue; // a set-up step
        }
        report.checked += 1;
        let same = r.status == case.status && same_body(case, &r.body, &mut report.version);
        match (same, known_difference(&report.name, &case.title)) {
            (true, None) => {}
            (false, Some(_)) => report.known.push(case.title.clone()),
            (true, Some(why)) => report.failures.push(format!(
                "{} / {}: listed as a known difference ({why}) but the simulator now agrees",
                report.name, case.title
            )),
            (false, None) => report.failures.push(format!(
                "{} / {}: expected {} {:?}, got {} {:?}",
                report.name, case.title, case.status, case.expected, r.status, r.body
            )),
        }
    }
    grid.shutdown().await;
    report
}

/// Whether the recording shows a push still running when `cases[i]` ran: a push-state-status read
/// that answered `SENDING`, or a cancel-push-state whose next push-state-status read answered
/// `CANCELED` (it cancelled a running push; a cancel after the push ended leaves `OK`).
fn observes_running_push(cases: &[Case], i: usize) -> bool {
    let reads_status = |c: &Case| c.target.contains("action=push-state-status");
    let case = &cases[i];
    if reads_status(case) {
        return case.expected.contains("SENDING");
    }
    case.target.contains("cancel-push-state")
        && cases[i + 1..]
            .iter()
            .find(|c| reads_status(c))
            .is_some_and(|c| c.expected.contains("CANCELED"))
}

/// Whether a push is still `SENDING` from either site, in any cache (per-cache or container-wide pushes).
fn pushing(grid: &Grid) -> bool {
    [(grid.site_a(), SITE_B), (grid.site_b(), SITE_A)]
        .iter()
        .any(|(site, to)| {
            KEYCLOAK_CACHES.iter().any(|cache| {
                site.backup(cache, to)
                    .is_some_and(|b| b.push_status == PushStatus::Sending)
            })
        })
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
    let (mut total, mut known) = (0, 0);
    for f in &files {
        let r = replay(f).await;
        total += r.checked;
        known += r.known.len();
        let count = |why: &NotReplayed| r.not_replayed.get(why).map_or(0, Vec::len);
        eprintln!(
            "{}: {} cases replayed ({} known differences); not replayed by design: {} curl Digest, \
             {} curl -I, {} ASYNC cache; version text {} rewritten to the simulator's {} in {} bodies",
            r.name,
            r.checked,
            r.known.len(),
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
    eprintln!(
        "replayed {total} recorded cases from {} files ({known} known differences)",
        files.len()
    );
    assert!(total > 0, "no case could be replayed");
    assert!(
        all.is_empty(),
        "{} problems over {total} recorded cases:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// A recorded case this replay cannot read is reported as unparseable (a failure), never dropped.
#[test]
fn unreadable_cases_are_reported() {
    let text = "# x\n\n### 1. an unknown curl option\n\n```sh\ncurl --compressed 'http://127.0.0.1:11222/rest/v2/server'\n```\n\nStatus **200**.\n\
                \n### 2. no status\n\n```sh\ncurl 'http://127.0.0.1:11222/rest/v2/server'\n```\n\
                \nSet-up (not recorded): something done by hand.\n";
    let parsed = parse_cases(text);
    let unparseable: Vec<&str> = parsed
        .iter()
        .filter_map(|p| match p {
            Err((title, NotReplayed::Unparseable(_))) => Some(title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        unparseable,
        [
            "1. an unknown curl option",
            "2. no status",
            "set-up after 2. no status"
        ]
    );
}

/// Scalar bodies of the push-status routes are compared by value, and a push status other than
/// `SENDING`/`OK` must match exactly.
#[test]
fn push_status_values_are_compared() {
    let case = |target: &str, expected: &str| Case {
        title: "t".into(),
        method: "POST".into(),
        user: None,
        headers: Vec::new(),
        body: String::new(),
        site_b: false,
        target: target.into(),
        status: 200,
        expected: expected.into(),
    };
    let mut version = VersionRewrite {
        recorded: "14.0.28.Final".into(),
        simulated: "14.0.35.Final".into(),
        bodies: 0,
    };
    let clear = case(
        "/rest/v2/caches/work/x-site/local?action=clear-push-state-status",
        "\"ok\"",
    );
    assert!(same_body(&clear, "\"ok\"", &mut version));
    assert!(!same_body(&clear, "\"nope\"", &mut version));
    let status = case(
        "/rest/v2/caches/work/x-site/backups?action=push-state-status",
        r#"{"site-b":"CANCELED"}"#,
    );
    assert!(!same_body(&status, r#"{"site-b":"OK"}"#, &mut version));
    let running = case(
        "/rest/v2/caches/work/x-site/backups?action=push-state-status",
        r#"{"site-b":"OK"}"#,
    );
    assert!(same_body(&running, r#"{"site-b":"SENDING"}"#, &mut version));
    assert_eq!(version.bodies, 0);
}
