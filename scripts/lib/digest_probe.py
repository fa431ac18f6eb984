#!/usr/bin/env python3
"""Probe how a real Infinispan server handles HTTP Digest (and Basic) authentication on the REST endpoint.

Usage: digest_probe.py HOST PORT USER PASSWORD PATH
Prints a Markdown section (raw request header lines, status line, all response headers in order, body) to stdout.
curl --digest always starts over with a fresh challenge, so nonce reuse, nc handling and per-connection
authentication can only be seen with a hand-written client like this one (http.client, explicit connections).
"""
import hashlib
import http.client
import json
import os
import re
import sys

HOST, PORT, USER, PASSWORD, PATH = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
N = 0


def out(s=""):
    sys.stdout.write(s + "\n")


def parse_challenge(value):
    scheme, _, rest = value.partition(" ")
    params = dict((k, v1 if v1 else v2) for k, v1, v2 in
                  re.findall(r'([A-Za-z0-9_-]+)=(?:"([^"]*)"|([^,\s]*))', rest))
    return scheme, params


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def digest_header(ch, method, uri, nc, cnonce="0a4f113b", password=None, username=None, realm=None, nonce=None):
    username = username or USER
    realm = realm if realm is not None else ch["realm"]
    nonce = nonce or ch["nonce"]
    ha1 = md5(f"{username}:{realm}:{password or PASSWORD}")
    ha2 = md5(f"{method}:{uri}")
    ncs = f"{nc:08x}"
    resp = md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
    h = (f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
         f'cnonce="{cnonce}", nc={ncs}, qop=auth, response="{resp}", algorithm=MD5')
    if "opaque" in ch:
        h += f', opaque="{ch["opaque"]}"'
    return h


def request(conn, label, method, path, auth=None, body=None, extra=None):
    """Send one request on conn, record it, return (status, headers list, body bytes)."""
    global N
    N += 1
    headers = {}
    if auth:
        headers["Authorization"] = auth
    if body is not None:
        headers["Content-Type"] = "application/json"
    if extra:
        headers.update(extra)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    hdrs = r.getheaders()
    out(f"**{N}. {label}**")
    out()
    out("```")
    out(f"> {method} {path} HTTP/1.1   [connection #{conn.cid}]")
    for k, v in headers.items():
        out(f"> {k}: {v}")
    out(f"< HTTP/1.{r.version % 10} {r.status} {r.reason}")
    for k, v in hdrs:
        out(f"< {k}: {v}")
    out("```")
    out(f"body: {json.dumps(data.decode('utf-8', 'backslashreplace'))} ({len(data)} bytes)")
    out()
    return r.status, hdrs, data


CID = 0


def connect():
    global CID
    CID += 1
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    c.cid = CID
    return c


def challenge_of(hdrs):
    for k, v in hdrs:
        if k.lower() == "www-authenticate" and v.startswith("Digest "):
            return parse_challenge(v)[1]
    raise SystemExit("no Digest challenge in " + repr(hdrs))


def main():
    import base64
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    out(f"Target: `http://{HOST}:{PORT}{PATH}` as `{USER}`; client: python3 http.client, one TCP connection per "
        "`connection #n`. `>` lines are exactly the request line and headers the script set (http.client adds "
        "`Host` and `Accept-Encoding: identity`, and `Content-Length` for bodies); `<` lines are the response "
        "status line and all headers in order.")
    out()

    out("#### A. Challenge, then nonce reuse with increasing nc")
    out()
    c1 = connect()
    st, hdrs, _ = request(c1, "no Authorization header: the challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    out(f"Parsed Digest challenge parameters: `{json.dumps(ch)}`")
    out()
    request(c1, "nc=00000001, same connection", "GET", PATH, digest_header(ch, "GET", PATH, 1))
    request(c1, "same connection, NO Authorization header at all (is the identity kept per connection?)", "GET", PATH)
    request(c1, "same nonce, nc=00000002, same connection", "GET", PATH, digest_header(ch, "GET", PATH, 2))
    c2 = connect()
    request(c2, "same nonce, nc=00000003, NEW connection", "GET", PATH, digest_header(ch, "GET", PATH, 3))
    c3 = connect()
    request(c3, "same nonce, nc=00000003 again (nc reused), new connection", "GET", PATH,
            digest_header(ch, "GET", PATH, 3))
    c4 = connect()
    request(c4, "same nonce, nc=00000002 (nc goes backwards), new connection", "GET", PATH,
            digest_header(ch, "GET", PATH, 2))
    c5 = connect()
    request(c5, "same nonce, nc=00000009 (nc skips ahead), new connection", "GET", PATH,
            digest_header(ch, "GET", PATH, 9))
    c6 = connect()
    request(c6, "same nonce, nc=0000000a with a different cnonce, new connection", "GET", PATH,
            digest_header(ch, "GET", PATH, 10, cnonce="ffff0001"))
    for c in (c1, c2, c3, c4, c5, c6):
        c.close()

    out("#### B. Digest mistakes")
    out()
    c = connect()
    st, hdrs, _ = request(c, "fresh challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    request(c, "uri in the header differs from the request target (query added to uri only)", "GET", PATH,
            digest_header(ch, "GET", PATH + "?x=1", 1))
    c.close()
    c = connect()
    st, hdrs, _ = request(c, "fresh challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    request(c, "wrong password", "GET", PATH, digest_header(ch, "GET", PATH, 1, password="wrong"))
    c.close()
    c = connect()
    request(c, "made-up nonce", "GET", PATH,
            digest_header({"realm": "default"}, "GET", PATH, 1, nonce="AAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
    c.close()
    c = connect()
    st, hdrs, _ = request(c, "fresh challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    request(c, "wrong realm in the header (response computed with it)", "GET", PATH,
            digest_header(ch, "GET", PATH, 1, realm="other"))
    c.close()
    c = connect()
    st, hdrs, _ = request(c, "fresh challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    request(c, "unknown user", "GET", PATH, digest_header(ch, "GET", PATH, 1, username="nobody"))
    c.close()
    c = connect()
    st, hdrs, _ = request(c, "fresh challenge", "GET", PATH)
    ch = challenge_of(hdrs)
    q = PATH + ("&" if "?" in PATH else "?") + "pretty=true"
    request(c, "request target with a query string; uri = path + query (must match exactly)", "GET", q,
            digest_header(ch, "GET", q, 1))
    c.close()

    out("#### C. Basic and the per-connection identity")
    out()
    c = connect()
    request(c, "preemptive Basic (no challenge first)", "GET", PATH, basic)
    request(c, "same connection, no Authorization header", "GET", PATH)
    request(c, "same connection, Basic with a WRONG password", "GET", PATH,
            "Basic " + base64.b64encode(f"{USER}:wrong".encode()).decode())
    request(c, "same connection, no Authorization header again", "GET", PATH)
    c.close()
    c = connect()
    request(c, "new connection, no Authorization header", "GET", PATH)
    request(c, "Basic with a wrong password", "GET", PATH,
            "Basic " + base64.b64encode(f"{USER}:wrong".encode()).decode())
    request(c, "Basic with a malformed token", "GET", PATH, "Basic !!!")
    request(c, "unknown scheme Bearer", "GET", PATH, "Bearer abc")
    c.close()


if __name__ == "__main__":
    main()
