//! `${…}` substitution, as cli.sh applies it to every batch line before parsing it.
//!
//! cli.sh replaces `${key}` with the Java system property `key` (`${env.NAME}` reads the
//! environment), `${key:default}` falls back to `default`, `${a,b}` tries `a` then `b`, and
//! `${/}` / `${:}` are the file and path separators. A key that resolves to nothing stays as
//! written. There is no escape: a literal `${` cannot be written in a line whose key resolves.

use std::collections::{BTreeMap, HashMap};

/// Where `${key}` values come from. The key arrives as written (`env.HOME`, `site.name`).
///
/// Implemented for closures `Fn(&str) -> Option<String>` and for string maps.
pub trait Vars {
    /// The value of `key`, if it has one.
    fn lookup(&self, key: &str) -> Option<String>;
}

impl<F> Vars for F
where
    F: Fn(&str) -> Option<String>,
{
    fn lookup(&self, key: &str) -> Option<String> {
        self(key)
    }
}

impl Vars for HashMap<String, String> {
    fn lookup(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl Vars for BTreeMap<String, String> {
    fn lookup(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl Vars for indexmap::IndexMap<String, String> {
    fn lookup(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// No variables: every `${…}` stays as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVars;

impl Vars for NoVars {
    fn lookup(&self, _key: &str) -> Option<String> {
        None
    }
}

/// A line after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The resulting text.
    pub text: String,
    /// Keys that resolved to nothing and were left as `${key}`.
    pub unresolved: Vec<String>,
}

/// Replaces `${…}` in `line`, with cli.sh's rules (see the module documentation).
pub fn substitute<V: Vars + ?Sized>(line: &str, vars: &V) -> Substituted {
    #[derive(PartialEq)]
    enum State {
        Normal,
        SeenDollar,
        InBracket,
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut unresolved = Vec::new();
    let mut replaced_any = false;
    let mut state = State::Normal;
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '$' && state != State::InBracket {
            state = State::SeenDollar;
        } else if c == '{' && state == State::SeenDollar {
            out.extend(&chars[start..i - 1]);
            state = State::InBracket;
            start = i - 1;
        } else if state == State::SeenDollar {
            state = State::Normal;
        } else if c == '}' && state == State::InBracket {
            if start + 2 == i {
                out.push_str("${}");
            } else {
                let key: String = chars[start + 2..i].iter().collect();
                match resolve(&key, vars) {
                    Some(value) => {
                        replaced_any = true;
                        out.push_str(&value);
                    }
                    None => {
                        out.push_str("${");
                        out.push_str(&key);
                        out.push('}');
                        unresolved.push(key);
                    }
                }
            }
            start = i + 1;
            state = State::Normal;
        }
    }
    if !replaced_any {
        // cli.sh returns the line untouched when nothing was replaced.
        return Substituted {
            text: line.to_owned(),
            unresolved,
        };
    }
    out.extend(&chars[start.min(chars.len())..]);
    Substituted {
        text: out,
        unresolved,
    }
}

fn resolve<V: Vars + ?Sized>(key: &str, vars: &V) -> Option<String> {
    match key {
        "/" => return Some(std::path::MAIN_SEPARATOR.to_string()),
        ":" => return Some(if cfg!(windows) { ";" } else { ":" }.to_owned()),
        _ => {}
    }
    if let Some(value) = vars.lookup(key) {
        return Some(value);
    }
    match key.find(':') {
        Some(colon) if colon > 0 => {
            let real = &key[..colon];
            vars.lookup(real)
                .or_else(|| composite(real, vars))
                .or_else(|| Some(key[colon + 1..].to_owned()))
        }
        _ => composite(key, vars),
    }
}

/// `a,b`: `a` if it resolves, else `b`.
fn composite<V: Vars + ?Sized>(key: &str, vars: &V) -> Option<String> {
    let comma = key.find(',')?;
    let first = if comma > 0 {
        vars.lookup(&key[..comma])
    } else {
        None
    };
    first.or_else(|| {
        let second = &key[comma + 1..];
        if second.is_empty() {
            None
        } else {
            vars.lookup(second)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> HashMap<String, String> {
        HashMap::from([
            ("site".to_owned(), "site-b".to_owned()),
            ("env.NS".to_owned(), "keycloak".to_owned()),
        ])
    }

    #[test]
    fn replaces_known_keys() {
        let s = substitute("site take-offline --all-caches --site=${site}", &vars());
        assert_eq!(s.text, "site take-offline --all-caches --site=site-b");
        assert!(s.unresolved.is_empty());
        assert_eq!(substitute("${env.NS}/x", &vars()).text, "keycloak/x");
    }

    #[test]
    fn defaults_composites_and_unknowns() {
        let v = vars();
        assert_eq!(substitute("${nope:dflt}", &v).text, "dflt");
        assert_eq!(substitute("${nope,site}", &v).text, "site-b");
        let s = substitute("a ${nope} b ${site}", &v);
        assert_eq!(s.text, "a ${nope} b site-b");
        assert_eq!(s.unresolved, ["nope"]);
        // Nothing replaced: the line comes back untouched.
        let s = substitute("x ${nope} ${} $${", &NoVars);
        assert_eq!(s.text, "x ${nope} ${} $${");
        let closure = |k: &str| (k == "a").then(|| "1".to_owned());
        assert_eq!(substitute("${a}${b}", &closure).text, "1${b}");
    }
}
