//! Connection strings, read the way cli.sh's `RestConnector` reads them.
//!
//! | Input | Server |
//! |---|---|
//! | none, empty, `-` | `http://localhost:11222` |
//! | `host:port`, `[v6]:port` | `http://host:port` |
//! | `http(s)://[user[:password]@]host[:port][/…]` | that scheme, host and port (default 80 / 443) |
//!
//! A bare `host` without a port is refused, as in cli.sh. The user-info is percent-decoded and
//! returned apart from the server, so that the server URL never carries a secret.

use secrecy::{ExposeSecret, SecretString};
use xsite_clish::{redact_url, split_url_password};

/// Where to connect, and any credentials the connection string held.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: String,
    /// The host, with brackets for IPv6 (`[::1]`).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The username from the URL's user-info.
    pub username: Option<String>,
    /// The password from the URL's user-info.
    pub password: Option<SecretString>,
}

impl Endpoint {
    /// The server's base URL, without credentials or path: `http://host:port`.
    pub fn base_url(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }

    /// `host:port`, which cli.sh shows in the prompt when the server reports no node name.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Whether the connection uses TLS.
    pub fn is_tls(&self) -> bool {
        self.scheme == "https"
    }
}

/// Reads a connection string; `None` when cli.sh would not accept it either.
pub fn parse(connection: Option<&str>) -> Result<Endpoint, String> {
    let text = connection.unwrap_or("").trim();
    if text.is_empty() || text == "-" {
        return Ok(Endpoint {
            scheme: "http".to_owned(),
            host: "localhost".to_owned(),
            port: 11222,
            username: None,
            password: None,
        });
    }
    if let Some((host, port)) = host_port(text) {
        return Ok(Endpoint {
            scheme: "http".to_owned(),
            host: host.to_owned(),
            port,
            username: None,
            password: None,
        });
    }
    // The password comes out first, by the shared model's one reader of user-info, so that
    // neither the URL parser nor an error message ever sees it.
    let (stripped, password) = split_url_password(text);
    let mut target = parse_url(&stripped).ok_or_else(|| {
        format!(
            "Invalid connection string '{}': expected host:port, [ipv6]:port or \
             http(s)://[user[:password]@]host[:port]",
            redact_url(text)
        )
    })?;
    target.password = password.map(|p| SecretString::from(decode(p.expose_secret())));
    Ok(target)
}

/// `host:port` or `[v6]:port` (cli.sh's `HOST_PORT` pattern, whole input).
fn host_port(text: &str) -> Option<(&str, u16)> {
    let (host, port) = if text.starts_with('[') {
        let close = text.find(']')?;
        let host = &text[..=close];
        if !host[1..host.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':')
        {
            return None;
        }
        (host, text[close + 1..].strip_prefix(':')?)
    } else {
        let (host, port) = text.split_once(':')?;
        if host.contains(['/', '?', '#']) {
            return None;
        }
        (host, port)
    };
    if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((host, port.parse().ok()?))
}

fn parse_url(text: &str) -> Option<Endpoint> {
    let url = url::Url::parse(text).ok()?;
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = match url.host()? {
        url::Host::Ipv6(addr) => format!("[{addr}]"),
        other => other.to_string(),
    };
    let port = url.port_or_known_default()?;
    let username = (!url.username().is_empty()).then(|| decode(url.username()));
    Some(Endpoint {
        scheme: scheme.to_owned(),
        host,
        port,
        username,
        password: None,
    })
}

/// Percent-decodes user-info as Java's `URLDecoder` does (`+` is a space).
pub fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: Option<&str>) -> String {
        parse(text).unwrap().base_url()
    }

    #[test]
    fn defaults() {
        assert_eq!(url(None), "http://localhost:11222");
        assert_eq!(url(Some("")), "http://localhost:11222");
        assert_eq!(url(Some("-")), "http://localhost:11222");
    }

    #[test]
    fn host_and_port() {
        assert_eq!(url(Some("127.0.0.1:11322")), "http://127.0.0.1:11322");
        assert_eq!(
            url(Some("dg.example.com:11222")),
            "http://dg.example.com:11222"
        );
        assert_eq!(url(Some("[::1]:11222")), "http://[::1]:11222");
        assert!(parse(Some("justahost")).is_err());
        assert!(parse(Some("host:")).is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(url(Some("http://h")), "http://h:80");
        assert_eq!(url(Some("https://h")), "https://h:443");
        assert_eq!(url(Some("https://h:11222/rest")), "https://h:11222");
        assert_eq!(url(Some("http://[::1]:11222")), "http://[::1]:11222");
        assert!(parse(Some("ftp://h:21")).is_err());
    }

    #[test]
    fn user_info_is_decoded_and_kept_apart() {
        let t = parse(Some("http://dev%40corp:p%3As+s@h:11222")).unwrap();
        assert_eq!(t.username.as_deref(), Some("dev@corp"));
        assert_eq!(t.password.as_ref().unwrap().expose_secret(), "p:s s");
        assert_eq!(t.base_url(), "http://h:11222");
        let t = parse(Some("http://admin@h:11222")).unwrap();
        assert_eq!(t.username.as_deref(), Some("admin"));
        assert!(t.password.is_none());
    }

    #[test]
    fn an_invalid_url_is_reported_without_its_password() {
        // A port out of range: the message quotes the connection string, masked.
        let err = parse(Some("http://dev:SECRET@host:99999")).unwrap_err();
        assert!(err.contains("http://dev:********@host:99999"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        // A password with characters a URL parser would read as the path.
        let t = parse(Some("http://dev:SE/CR?ET@host:1")).unwrap();
        assert_eq!(t.password.as_ref().unwrap().expose_secret(), "SE/CR?ET");
        assert_eq!(t.base_url(), "http://host:1");
    }
}
