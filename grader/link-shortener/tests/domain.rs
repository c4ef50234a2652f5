//! Hidden tests for the domain's validated values: `Alias::parse` and
//! `TargetUrl::parse`. No repository, no HTTP: plain values in, `Result` out.

use expect::expect_eq;
use link_shortener::domain::{Alias, LinkError, TargetUrl};

#[track_caller]
fn alias_ok(raw: &str, expected: &str) {
    match Alias::parse(raw) {
        Ok(alias) => expect_eq!(
            alias.as_str(),
            expected,
            "Alias::parse({raw:?}) should give the alias {expected:?}, but gave {:?}",
            alias.as_str()
        ),
        Err(err) => panic!(
            "Alias::parse({raw:?}) should accept it as {expected:?}, but returned Err({err:?})"
        ),
    }
}

#[track_caller]
fn alias_refused(raw: &str, why: &str) {
    let result = Alias::parse(raw);
    expect_eq!(
        result,
        Err(LinkError::InvalidAlias),
        "Alias::parse({raw:?}) should be Err(InvalidAlias) because {why}, but was {result:?}"
    );
}

#[track_caller]
fn url_ok(raw: &str) {
    match TargetUrl::parse(raw) {
        Ok(url) => expect_eq!(
            url.as_str(),
            raw,
            "TargetUrl::parse({raw:?}) should keep the URL exactly as given, but it became {:?}",
            url.as_str()
        ),
        Err(err) => panic!("TargetUrl::parse({raw:?}) should accept it, but returned Err({err:?})"),
    }
}

#[track_caller]
fn url_refused(raw: &str, why: &str) {
    let result = TargetUrl::parse(raw);
    expect_eq!(
        result,
        Err(LinkError::InvalidUrl),
        "TargetUrl::parse({raw:?}) should be Err(InvalidUrl) because {why}, but was {result:?}"
    );
}

/// Upper-case ASCII letters in an alias are lower-cased, so `My-Link` and `my-link` are the same alias.
/// Rules: alias-lowercased.
#[test]
fn alias_is_lowercased() {
    alias_ok("My-Link", "my-link");
    alias_ok("ABC", "abc");
    alias_ok("already-lower-42", "already-lower-42");
    expect_eq!(
        Alias::parse("Promo-2024").ok(),
        Alias::parse("promo-2024").ok()
    );
    alias_refused(
        "\u{212A}elvin",
        "the Kelvin sign '\u{212A}' (U+212A) is not an ASCII letter, so it is not lower-cased \
         and stays a bad character (`to_ascii_lowercase`, not `to_lowercase`, which turns it into 'k')",
    );
}

/// An alias has 3 to 32 characters: 3 and 32 are accepted, 2 and 33 (and the empty text) are not.
/// Rules: alias-length.
#[test]
fn alias_length_bounds() {
    alias_ok("abc", "abc");
    alias_ok(&"a".repeat(32), &"a".repeat(32));
    alias_ok(&"B".repeat(32), &"b".repeat(32));
    alias_refused("ab", "it has only 2 characters (the minimum is 3)");
    alias_refused("", "it is empty");
    alias_refused(&"a".repeat(33), "it has 33 characters (the maximum is 32)");
}

/// An alias may use only the letters a-z, the digits 0-9 and the hyphen.
/// Rules: alias-characters.
#[test]
fn alias_characters() {
    alias_ok("a-b-c", "a-b-c");
    alias_ok("2024", "2024");
    alias_ok("---", "---");
    alias_ok("0-9-az", "0-9-az");
    alias_refused("my_link", "'_' is not allowed");
    alias_refused("my link", "a space is not allowed");
    alias_refused(" abc", "a leading space is not allowed (no trimming)");
    alias_refused("abc/def", "'/' is not allowed");
    alias_refused("a.b.c", "'.' is not allowed");
    alias_refused("café", "'é' is not an ASCII letter");
    alias_refused("naïve", "'ï' is not an ASCII letter");
    alias_refused("abc!", "'!' is not allowed");
}

/// A target URL must start with `http://` or `https://`, in lower case.
/// Rules: url-scheme.
#[test]
fn url_scheme() {
    url_ok("http://example.com");
    url_ok("https://example.com");
    url_refused("ftp://example.com/file", "ftp is not http or https");
    url_refused("example.com", "it has no scheme");
    url_refused("www.example.com/page", "it has no scheme");
    url_refused("https:/example.com", "`https:/` is not `https://`");
    url_refused("https:example.com", "`https:` is not `https://`");
    url_refused("HTTPS://example.com", "the scheme must be in lower case");
    for raw in [
        "httpx://example.com",
        "httpss://example.com",
        "https-evil://example.com",
        "http+unix://example.com",
    ] {
        url_refused(raw, "the scheme must be exactly http or https");
    }
    url_refused(
        "javascript://example.com/%0Aalert(1)",
        "javascript is not http or https",
    );
    url_refused("", "it is empty");
}

/// The host, after `://` and up to the first `/`, `?`, `#` or the end, must not be empty.
/// Rules: url-host.
#[test]
fn url_needs_a_host() {
    url_ok("https://example.com/a/b?c=d#e");
    url_ok("http://localhost:8080/");
    url_ok("https://x");
    url_ok("http://192.168.0.1?x=1");
    url_refused("https://", "there is nothing after `https://`");
    url_refused("http://", "there is nothing after `http://`");
    url_refused("https:///path", "the host before `/path` is empty");
    url_refused("https://?q=1", "the host before `?` is empty");
    url_refused("http://#top", "the host before `#` is empty");
}

/// A target URL is made of visible ASCII characters only: no spaces, no control characters, nothing non-ASCII.
/// Rules: url-visible-ascii.
#[test]
fn url_visible_ascii_only() {
    url_ok("https://example.com/~user/a-b_c.d?x=[1]&y=!$'()*+,;=:@%20");
    url_refused("https://example.com/a b", "it contains a space");
    url_refused(
        " https://example.com",
        "it starts with a space (no trimming)",
    );
    url_refused("https://example.com/\n", "it contains a newline");
    url_refused("https://example.com/\tx", "it contains a tab");
    url_refused("https://example.com/\rx", "it contains a carriage return");
    url_refused(
        "https://example.com/\u{0}",
        "it contains the NUL control character",
    );
    url_refused(
        "https://example.com/\u{1b}[0m",
        "it contains the ESC control character",
    );
    url_refused("https://example.com/\u{b}x", "it contains a vertical tab");
    url_refused(
        "https://example.com/\u{7f}",
        "it contains the DEL control character",
    );
    url_refused("https://bücher.example/", "'ü' is not ASCII");
    url_refused("https://example.com/caf\u{e9}", "'é' is not ASCII");
}

/// A target URL may be at most 2048 characters long.
/// Rules: url-max-length.
#[test]
fn url_length_limit() {
    let prefix = "https://example.com/";
    let longest = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));
    expect_eq!(longest.len(), 2048);
    url_ok(&longest);
    let too_long = format!("{longest}a");
    url_refused(&too_long, "it has 2049 characters (the maximum is 2048)");
}

/// A valid target URL is kept exactly as given: no lower-casing, trimming or other rewriting.
/// Rules: url-kept-as-given.
#[test]
fn url_kept_as_given() {
    url_ok("https://Example.COM/Path/To?Q=UPPER#Frag");
    url_ok("http://example.com//double//slashes/");
    url_ok("https://example.com:443");
    let url = TargetUrl::parse("https://Example.com/X").unwrap();
    expect_eq!(
        url.to_string(),
        "https://Example.com/X",
        "a TargetUrl displays exactly as given"
    );
}
