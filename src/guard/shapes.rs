//! Common credential formats (README "The outbound guard"): shapes that are credentials
//! with high confidence, found in one pass over the text and replaced by
//! `[REDACTED:<kind>]`.
//!
//! Hand-rolled rather than regular expressions: every shape is a fixed prefix and a run
//! of one character class, a PEM block, a URL's userinfo or an assignment, which a few
//! small matchers say plainly. One pass looks only at the bytes that can start a shape
//! (a token's first letter, `-----BEGIN `, `:` and `=`), so a 10 MB diff takes
//! milliseconds, and no pattern is compiled at every run.

use std::ops::Range;

/// What a credential is: its name in `[REDACTED:<kind>]`, on stderr, in `byok guard`
/// and in the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    StripeLiveKey,
    GoogleApiKey,
    OpenaiKey,
    AnthropicKey,
    OpenrouterKey,
    GroqKey,
    XaiKey,
    HuggingfaceToken,
    ReplicateToken,
    /// `sk-` and a random-looking body: DeepSeek, Together, older OpenAI keys, others.
    ApiKey,
    PrivateKey,
    Jwt,
    UrlPassword,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AwsAccessKeyId => "aws_access_key_id",
            Kind::AwsSecretAccessKey => "aws_secret_access_key",
            Kind::GithubToken => "github_token",
            Kind::GitlabToken => "gitlab_token",
            Kind::SlackToken => "slack_token",
            Kind::StripeLiveKey => "stripe_live_key",
            Kind::GoogleApiKey => "google_api_key",
            Kind::OpenaiKey => "openai_key",
            Kind::AnthropicKey => "anthropic_key",
            Kind::OpenrouterKey => "openrouter_key",
            Kind::GroqKey => "groq_key",
            Kind::XaiKey => "xai_key",
            Kind::HuggingfaceToken => "huggingface_token",
            Kind::ReplicateToken => "replicate_token",
            Kind::ApiKey => "api_key",
            Kind::PrivateKey => "private_key",
            Kind::Jwt => "jwt",
            Kind::UrlPassword => "url_password",
        }
    }
}

/// One credential: its kind and the bytes to replace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: Kind,
    pub range: Range<usize>,
}

fn is_tok(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn upper_digit(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}
/// base64url, and the `-`/`_` of most vendors' keys.
fn b64url(c: u8) -> bool {
    is_tok(c)
}
fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
fn slack(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// A prefix, then `min..=max` bytes of one class, then the end of the token.
struct Rule {
    prefix: &'static [u8],
    class: fn(u8) -> bool,
    min: usize,
    max: usize,
    kind: Kind,
    /// The body must look random (mixed letters and digits, or long hex): for prefixes
    /// that ordinary words also start with.
    random: bool,
}

const fn rule(prefix: &'static [u8], class: fn(u8) -> bool, min: usize, kind: Kind) -> Rule {
    Rule {
        prefix,
        class,
        min,
        max: 512,
        kind,
        random: false,
    }
}

const fn exact(prefix: &'static [u8], class: fn(u8) -> bool, len: usize, kind: Kind) -> Rule {
    Rule {
        prefix,
        class,
        min: len,
        max: len,
        kind,
        random: false,
    }
}

const fn random(prefix: &'static [u8], min: usize, kind: Kind) -> Rule {
    Rule {
        prefix,
        class: b64url,
        min,
        max: 512,
        kind,
        random: true,
    }
}

/// In order: the first rule whose prefix and body fit wins (specific `sk-` prefixes
/// before the generic one).
const RULES: &[Rule] = &[
    exact(b"AKIA", upper_digit, 16, Kind::AwsAccessKeyId),
    exact(b"ASIA", upper_digit, 16, Kind::AwsAccessKeyId),
    exact(b"ABIA", upper_digit, 16, Kind::AwsAccessKeyId),
    exact(b"ACCA", upper_digit, 16, Kind::AwsAccessKeyId),
    exact(b"AIza", b64url, 35, Kind::GoogleApiKey),
    rule(b"ghp_", alnum, 36, Kind::GithubToken),
    rule(b"gho_", alnum, 36, Kind::GithubToken),
    rule(b"ghu_", alnum, 36, Kind::GithubToken),
    rule(b"ghs_", alnum, 36, Kind::GithubToken),
    rule(b"ghr_", alnum, 36, Kind::GithubToken),
    rule(b"github_pat_", word, 22, Kind::GithubToken),
    rule(b"glpat-", b64url, 20, Kind::GitlabToken),
    rule(b"xoxb-", slack, 10, Kind::SlackToken),
    rule(b"xoxp-", slack, 10, Kind::SlackToken),
    rule(b"xoxa-", slack, 10, Kind::SlackToken),
    rule(b"xoxo-", slack, 10, Kind::SlackToken),
    rule(b"xoxs-", slack, 10, Kind::SlackToken),
    rule(b"xoxr-", slack, 10, Kind::SlackToken),
    rule(b"xoxe-", slack, 10, Kind::SlackToken),
    rule(b"xapp-", slack, 10, Kind::SlackToken),
    rule(b"sk_live_", alnum, 16, Kind::StripeLiveKey),
    rule(b"rk_live_", alnum, 16, Kind::StripeLiveKey),
    rule(b"sk-ant-", b64url, 20, Kind::AnthropicKey),
    rule(b"sk-or-v1-", alnum, 32, Kind::OpenrouterKey),
    rule(b"sk-proj-", b64url, 20, Kind::OpenaiKey),
    rule(b"sk-svcacct-", b64url, 20, Kind::OpenaiKey),
    rule(b"sk-admin-", b64url, 20, Kind::OpenaiKey),
    rule(b"sk-None-", b64url, 20, Kind::OpenaiKey),
    random(b"sk-", 20, Kind::ApiKey),
    random(b"gsk_", 20, Kind::GroqKey),
    random(b"xai-", 20, Kind::XaiKey),
    random(b"hf_", 30, Kind::HuggingfaceToken),
    random(b"r8_", 30, Kind::ReplicateToken),
];

/// Mixed upper case, lower case and digits, or 32+ hex digits: a generated key, not a
/// hyphenated phrase such as `sk-learn-is-a-python-library`.
fn looks_random(body: &[u8]) -> bool {
    let upper = body.iter().any(u8::is_ascii_uppercase);
    let lower = body.iter().any(u8::is_ascii_lowercase);
    let digit = body.iter().filter(|c| c.is_ascii_digit()).count();
    let hex = body.len() >= 32 && body.iter().all(u8::is_ascii_hexdigit);
    hex || (upper && lower && digit >= 2)
}

/// Where the run of `class` starting at `from` ends.
fn run_end(b: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
    let mut i = from;
    while i < b.len() && class(b[i]) {
        i += 1;
    }
    i
}

fn token_start(b: &[u8], i: usize) -> bool {
    i == 0 || !is_tok(b[i - 1])
}

fn token_end(b: &[u8], i: usize) -> bool {
    i >= b.len() || !is_tok(b[i])
}

/// The bytes a shape can start at (or, `:` and `=`, be found from).
const TRIGGERS: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"Agxsrhe-:=";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Every credential in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !TRIGGERS[b[i] as usize] {
            i += 1;
            continue;
        }
        let found = match b[i] {
            b'A' | b'g' | b'x' | b's' | b'r' | b'h' if token_start(b, i) => prefixed(b, i),
            b'e' if token_start(b, i) => jwt(b, i),
            b'-' if b[i..].starts_with(b"-----BEGIN ") => pem(b, i),
            b':' => url_password(b, i).or_else(|| aws_secret(b, i)),
            b'=' => aws_secret(b, i),
            _ => None,
        };
        match found {
            Some(span) => {
                i = span.range.end;
                out.push(span);
            }
            None => i += 1,
        }
    }
    out
}

/// `text` with every span replaced by `[REDACTED:<kind>]`; spans in order, not
/// overlapping, on character boundaries (every shape is ASCII).
pub fn redact(text: &str, spans: &[&Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.range.start]);
        out.push_str("[REDACTED:");
        out.push_str(s.kind.as_str());
        out.push(']');
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn prefixed(b: &[u8], i: usize) -> Option<Span> {
    let second = *b.get(i + 1)?;
    for r in RULES {
        // Two bytes first: most tokens starting with these letters are ordinary words.
        if r.prefix[0] != b[i] || r.prefix[1] != second || !b[i..].starts_with(r.prefix) {
            continue;
        }
        let body = i + r.prefix.len();
        let end = run_end(b, body, r.class);
        let n = end - body;
        if n < r.min || n > r.max || !token_end(b, end) {
            continue;
        }
        if r.random && !looks_random(&b[body..end]) {
            continue;
        }
        return Some(Span {
            kind: r.kind,
            range: i..end,
        });
    }
    None
}

/// `eyJ….eyJ….sig`: a JSON header and payload (base64url of `{"`) and a signature.
fn jwt(b: &[u8], i: usize) -> Option<Span> {
    let segment = |from: usize, json: bool, min: usize| -> Option<usize> {
        if json && !b[from..].starts_with(b"eyJ") {
            return None;
        }
        let end = run_end(b, from, |c| {
            c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
        });
        (end - from >= min).then_some(end)
    };
    let head = segment(i, true, 10)?;
    (b.get(head) == Some(&b'.')).then_some(())?;
    let payload = segment(head + 1, true, 10)?;
    (b.get(payload) == Some(&b'.')).then_some(())?;
    let end = segment(payload + 1, false, 16)?;
    token_end(b, end).then_some(Span {
        kind: Kind::Jwt,
        range: i..end,
    })
}

/// How far past `-----BEGIN` the matching `-----END` line may be: an RSA-8192 key is
/// under 7 KB.
const PEM_REACH: usize = 16 * 1024;

/// A PEM private key block, from `-----BEGIN … PRIVATE KEY-----` to its `-----END …`
/// line; the body may hold diff markers and escaped newlines (a key inside a JSON
/// string), but nothing else that is not base64 or a header. A block cut short (no END)
/// is redacted when base64 lines follow the BEGIN line.
fn pem(b: &[u8], i: usize) -> Option<Span> {
    let label_at = i + b"-----BEGIN ".len();
    let line_end = b[label_at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| label_at + p);
    let close = find_bytes(&b[label_at..line_end], b"-----")? + label_at;
    let label = &b[label_at..close];
    if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
        return None;
    }
    let body_at = close + 5;
    let reach = (body_at + PEM_REACH).min(b.len());
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let body_char =
        |c: u8| c.is_ascii_alphanumeric() || b"+/=-:,\\ \t\r\n>\"'".contains(&c) || c == b'.';
    if let Some(p) = find_bytes(&b[body_at..reach], &end_marker) {
        let end_at = body_at + p;
        if b[body_at..end_at].iter().all(|&c| body_char(c)) {
            return Some(Span {
                kind: Kind::PrivateKey,
                range: i..end_at + end_marker.len(),
            });
        }
        return None;
    }
    // No END line: the BEGIN line and the base64 lines right after it.
    let mut end = body_at;
    let mut lines = 0;
    for line in b[body_at..].split(|&c| c == b'\n').skip(1) {
        let t = line.strip_prefix(b"+").unwrap_or(line);
        let t = t.trim_ascii();
        if t.len() < 16
            || !t
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
        {
            break;
        }
        lines += 1;
        end = line.as_ptr() as usize - b.as_ptr() as usize + line.len();
    }
    (lines > 0).then_some(Span {
        kind: Kind::PrivateKey,
        range: i..end,
    })
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `scheme://user:password@host`: the password.
fn url_password(b: &[u8], i: usize) -> Option<Span> {
    if !b[i..].starts_with(b"://") {
        return None;
    }
    let mut s = i;
    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b"+.-".contains(&b[s - 1])) {
        s -= 1;
    }
    if s == i || !b[s].is_ascii_alphabetic() {
        return None;
    }
    let user_at = i + 3;
    let mut at = None;
    for (k, &c) in b[user_at..].iter().enumerate().take(512) {
        match c {
            b'@' => {
                at = Some(user_at + k);
                break;
            }
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`' => return None,
            c if c.is_ascii_whitespace() => return None,
            _ => {}
        }
    }
    let at = at?;
    let colon = user_at + b[user_at..at].iter().position(|&c| c == b':')?;
    let password = &b[colon + 1..at];
    let placeholder = password.is_empty()
        || password.iter().all(|&c| c == b'*')
        || matches!(password[0], b'$' | b'<' | b'{');
    (!placeholder).then_some(Span {
        kind: Kind::UrlPassword,
        range: colon + 1..at,
    })
}

/// `aws_secret_access_key = "…"`, `AWS_SECRET_ACCESS_KEY=…`, `"SecretAccessKey": "…"`:
/// the 40-character value after `=`, `:`, `=>` or `:=`.
fn aws_secret(b: &[u8], i: usize) -> Option<Span> {
    let mut k = i;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t' | b'"' | b'\'') {
        k -= 1;
    }
    // The name's last letters and digits, lower-cased, read backwards (no allocation:
    // this runs at every `=` and `:`).
    const LONGEST: usize = b"secretaccesskey".len();
    let mut tail = [0u8; LONGEST];
    let mut n = 0;
    let mut seen = 0;
    while k > 0 && (is_tok(b[k - 1]) || b[k - 1] == b'.') && seen < 64 {
        k -= 1;
        seen += 1;
        if b[k].is_ascii_alphanumeric() && n < LONGEST {
            tail[LONGEST - 1 - n] = b[k].to_ascii_lowercase();
            n += 1;
        }
    }
    let name = &tail[LONGEST - n..];
    if !(name.ends_with(b"secretaccesskey")
        || name.ends_with(b"awssecretkey")
        || name.ends_with(b"awssecret"))
    {
        return None;
    }
    let mut v = i + 1;
    if matches!(b.get(v), Some(b'>' | b'=')) {
        v += 1;
    }
    while v < b.len() && matches!(b[v], b' ' | b'\t' | b'"' | b'\'') {
        v += 1;
    }
    let class = |c: u8| c.is_ascii_alphanumeric() || c == b'/' || c == b'+';
    let end = run_end(b, v, class);
    let next_ok = end >= b.len() || !(class(b[end]) || matches!(b[end], b'=' | b'_' | b'-'));
    (end - v == 40 && next_ok).then_some(Span {
        kind: Kind::AwsSecretAccessKey,
        range: v..end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Example credentials of each kind (made up; the AWS pair is AWS's documented one).
    const SAMPLES: &[(Kind, &str)] = &[
        (Kind::AwsAccessKeyId, "AKIAIOSFODNN7EXAMPLE"),
        (
            Kind::GithubToken,
            "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5",
        ),
        (
            Kind::GithubToken,
            "github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefGHIJKLMNOPQ",
        ),
        (Kind::GitlabToken, "glpat-xY3zW9vU7tS5rQ1pO0nM"),
        (
            Kind::SlackToken,
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        ),
        (Kind::StripeLiveKey, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        (
            Kind::GoogleApiKey,
            "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        ),
        (
            Kind::OpenaiKey,
            "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5Hi7Jk",
        ),
        (
            Kind::AnthropicKey,
            "sk-ant-api03-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5",
        ),
        (
            Kind::OpenrouterKey,
            "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        (Kind::GroqKey, "gsk_Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5"),
        (Kind::XaiKey, "xai-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5"),
        (
            Kind::HuggingfaceToken,
            "hf_Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1De3Fg5",
        ),
        (Kind::ApiKey, "sk-0123456789abcdef0123456789abcdef"),
        (
            Kind::Jwt,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ),
    ];

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        find(text)
            .into_iter()
            .map(|s| (s.kind, &text[s.range]))
            .collect()
    }

    #[test]
    fn each_token_shape_is_found_alone_and_in_context() {
        for (kind, sample) in SAMPLES {
            assert_eq!(kinds(sample), vec![(*kind, *sample)], "{sample}");
            for (before, after) in [
                ("token=", "\n"),
                ("\"", "\","),
                ("Bearer ", "."),
                ("(", ")"),
            ] {
                let text = format!("x {before}{sample}{after} y");
                assert_eq!(kinds(&text), vec![(*kind, *sample)], "{text}");
            }
        }
    }

    #[test]
    fn inside_a_longer_word_nothing_is_found() {
        for (_, sample) in SAMPLES {
            let text = format!("x{sample}");
            assert_eq!(kinds(&text), vec![], "{text}");
        }
        assert!(kinds("AKIAIOSFODNN7EXAMPLEX").is_empty());
        assert!(kinds("use sk-learn-is-a-python-library-for-ml today").is_empty());
        assert!(kinds("the xai-sdk-python-bindings-package").is_empty());
        assert!(kinds("hf_hub_download_the_model_weights_please").is_empty());
        assert!(kinds("ask-the-user and gho_").is_empty());
    }

    #[test]
    fn aws_secret_keys_in_assignments() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        for text in [
            format!("aws_secret_access_key = {secret}\n"),
            format!("export AWS_SECRET_ACCESS_KEY=\"{secret}\""),
            format!("{{\"SecretAccessKey\": \"{secret}\"}}"),
            format!("+  aws_secret_key: '{secret}'"),
            format!("secret_access_key => {secret}"),
        ] {
            assert_eq!(
                kinds(&text),
                vec![(Kind::AwsSecretAccessKey, secret)],
                "{text}"
            );
        }
        // Not an assignment to an AWS secret, or not 40 characters.
        assert!(kinds(&format!("checksum = {secret}")).is_empty());
        assert!(kinds(&format!("aws_secret_access_key = {secret}A")).is_empty());
    }

    #[test]
    fn urls_with_a_password_lose_the_password_only() {
        let text =
            "db: postgres://app:s3cr3t-Pa55@db.internal:5432/app and https://example.com:8443/x";
        let found = kinds(text);
        assert_eq!(found, vec![(Kind::UrlPassword, "s3cr3t-Pa55")]);
        for no in [
            "https://user@example.com/",
            "https://user:@example.com/",
            "https://user:${PASSWORD}@example.com/",
            "https://user:****@example.com/",
            "https://example.com/a:b@c",
            "mailto:someone@example.com",
        ] {
            assert!(kinds(no).is_empty(), "{no}");
        }
    }

    #[test]
    fn pem_private_key_blocks_whole_in_a_diff_in_json_and_cut_short() {
        let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";
        let block = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----");
        let text = format!("key:\n{block}\nafter");
        assert_eq!(kinds(&text), vec![(Kind::PrivateKey, block.as_str())]);

        let diff = format!(
            "+-----BEGIN OPENSSH PRIVATE KEY-----\n+{}\n+-----END OPENSSH PRIVATE KEY-----\n",
            &body[..64]
        );
        let found = kinds(&diff);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Kind::PrivateKey);
        assert!(found[0].1.ends_with("-----END OPENSSH PRIVATE KEY-----"));

        let json = format!(
            "{{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"}}",
            &body[..64]
        );
        assert_eq!(kinds(&json).len(), 1, "{json}");

        let cut = format!("-----BEGIN EC PRIVATE KEY-----\n{body}");
        let found = kinds(&cut);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.ends_with("Zkp18gnTxK"), "{}", found[0].1);

        // A parser's constants are not a key; a public key is not secret.
        assert!(kinds("const B = \"-----BEGIN RSA PRIVATE KEY-----\";\nconst E = \"-----END RSA PRIVATE KEY-----\";").is_empty());
        assert!(kinds("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----").is_empty());
    }

    #[test]
    fn redaction_replaces_each_span_by_its_kind() {
        let text = "a AKIAIOSFODNN7EXAMPLE b https://u:pw1234@h c";
        let spans = find(text);
        let refs: Vec<&Span> = spans.iter().collect();
        assert_eq!(
            redact(text, &refs),
            "a [REDACTED:aws_access_key_id] b https://u:[REDACTED:url_password]@h c"
        );
    }
}
