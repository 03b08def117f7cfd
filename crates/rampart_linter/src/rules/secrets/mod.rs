//! Secrets in manifests: literals in env, secrets as environment variables.
//!
//! The matchers shared by the rules live here: [`secret_name`] judges a
//! variable or key name, [`secret_in_value`] finds well-known credential
//! formats in any value, [`is_not_a_secret_value`] sets aside values that
//! cannot be a hard-coded secret (empty, booleans, numbers, paths,
//! references to other variables).

mod configmap_secret;
mod env_from_secret;
mod env_literal;

pub use configmap_secret::SecretDataInConfigMap;
pub use env_from_secret::SecretAsEnvVar;
pub use env_literal::SecretInEnvLiteral;

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] =
    &[&SecretInEnvLiteral, &SecretAsEnvVar, &SecretDataInConfigMap];

/// Words that make a name a secret's wherever they stand (unless a
/// qualifier such as `_FILE` or `_NAME` ends the name).
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "AUTHTOKEN",
];

/// Words that name a secret only as the last word: `DB_PASS`, `REDIS_AUTH`,
/// `DB_PWD`, but not `PASS_THROUGH` or `AUTH_TYPE`.
const SECRET_LAST_WORDS: &[&str] = &["PASS", "PWD", "AUTH", "AUTHORIZATION"];

/// `<WORD>_KEY` pairs that name a secret key (`API_KEY`, `DD_APP_KEY`).
const KEY_PREFIXES: &[&str] = &[
    "API",
    "ACCESS",
    "PRIVATE",
    "SIGNING",
    "ENCRYPTION",
    "MASTER",
    "APP",
    "ACCOUNT",
    "LICENSE",
];

/// Last words that make the name about a secret rather than the secret
/// itself: `PASSWORD_FILE`, `TOKEN_PATH`, `SECRET_NAME`, `TOKEN_TTL`.
const QUALIFIERS: &[&str] = &[
    "FILE",
    "FILES",
    "FILENAME",
    "PATH",
    "DIR",
    "DIRECTORY",
    "FOLDER",
    "LOCATION",
    "MOUNT",
    "NAME",
    "NAMES",
    "NAMESPACE",
    "REF",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "HOSTNAME",
    "PORT",
    "ADDR",
    "ADDRESS",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "EXPIRES",
    "LIFETIME",
    "TIMEOUT",
    "INTERVAL",
    "PERIOD",
    "DURATION",
    "AGE",
    "LENGTH",
    "LEN",
    "SIZE",
    "TYPE",
    "KIND",
    "MODE",
    "METHOD",
    "ALGORITHM",
    "ALG",
    "FORMAT",
    "ENABLED",
    "DISABLED",
    "ENABLE",
    "DISABLE",
    "REQUIRED",
    "VERSION",
    "HEADER",
    "AUDIENCE",
    "ISSUER",
    "SCOPE",
    "SCOPES",
    "PROVIDER",
    "BACKEND",
    "COMMAND",
    "CMD",
    "ARGS",
    "ARGUMENTS",
    "STORE",
    "SOURCE",
    "ID",
    "USER",
    "USERNAME",
    "POLICY",
    "PROMPT",
    "FIELD",
    "PARAM",
    "PARAMETER",
    "VAR",
    "ENV",
];

/// Extensions of files that hold code or configuration, not a bare secret
/// (ConfigMap keys such as `get-token.sh`, `secrets.yaml`).
const FILE_EXTENSIONS: &[&str] = &[
    "json",
    "yaml",
    "yml",
    "xml",
    "toml",
    "ini",
    "conf",
    "cfg",
    "properties",
    "sh",
    "py",
    "js",
    "lua",
    "tpl",
    "tmpl",
    "md",
    "html",
];

/// The words of a name: split on `_`, `-`, `.`, `/` and camelCase
/// boundaries, upper-cased (`dbPassword` → `DB`, `PASSWORD`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if matches!(ch, '_' | '-' | '.' | '/' | ' ') {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.extend(ch.to_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a variable or key name says it holds a secret: one of
/// [`SECRET_WORDS`] (or `API_KEY`-like pairs) as a whole word, or one of
/// [`SECRET_LAST_WORDS`] at the end, unless the name ends with a qualifier
/// (`PASSWORD_FILE`, `TOKEN_URL`) or is a file name (`get-token.sh`).
/// `VAULT_SECRET_ID` is a secret.
pub(crate) fn secret_name(name: &str) -> bool {
    if let Some((_, extension)) = name.rsplit_once('.')
        && FILE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    {
        return false;
    }
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let is = |word: &str, list: &[&str]| list.contains(&word);
    if is(last, QUALIFIERS) {
        // `SECRET_ID` (Vault AppRole) is the secret half of a login.
        let before = words.len().checked_sub(2).and_then(|i| words.get(i));
        return last == "ID" && before.is_some_and(|w| w == "SECRET");
    }
    if is(last, SECRET_LAST_WORDS) && words.len() > 1 {
        return true;
    }
    words.iter().any(|w| is(w, SECRET_WORDS))
        || words
            .windows(2)
            .any(|pair| pair[1] == "KEY" && is(&pair[0], KEY_PREFIXES))
}

/// Whether a value refers to something else instead of holding a secret:
/// Kubernetes `$(VAR)` expansion, shell or template `${VAR}`, `{{ .x }}`,
/// `<placeholder>`.
fn is_reference(value: &str) -> bool {
    let value = value.trim();
    value.contains("$(")
        || value.contains("${")
        || value.contains("{{")
        || (value.starts_with('<') && value.ends_with('>'))
}

/// Values that cannot be a hard-coded secret, whatever the name: empty,
/// booleans, numbers, absolute paths, references to other variables.
pub(crate) fn is_not_a_secret_value(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || is_reference(value) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none"
    ) {
        return true;
    }
    if value.parse::<f64>().is_ok() {
        return true;
    }
    // An absolute path (`/var/run/secrets/...`, `/etc/app/token`).
    value.starts_with('/') && !value.contains(char::is_whitespace) && value.len() > 1
}

/// Whether `value` is a stand-in for the secret named `name`, to be replaced
/// at deploy time: the name itself or the name with a suffix
/// (`GOOGLE_API_KEY_VAL` for `GOOGLE_API_KEY`), an upper-case token that says
/// so (`YOUR_API_KEY`, `REPLACE_ME`, `PLACEHOLDER`), or a mask (`xxxx`, `****`).
/// A weak real value such as `changeme` is not a placeholder: it works.
pub(crate) fn is_placeholder_for(name: &str, value: &str) -> bool {
    let value = value.trim();
    let normal = |s: &str| s.to_ascii_uppercase().replace('-', "_");
    let (name, upper) = (normal(name), normal(value));
    if !name.is_empty()
        && (upper == name
            || upper
                .strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with('_')))
    {
        return true;
    }
    let masked = value.len() >= 3 && value.bytes().all(|b| matches!(b, b'x' | b'X' | b'*'));
    let shouting = value
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    masked
        || (shouting
            && upper
                .split('_')
                .any(|word| matches!(word, "YOUR" | "REPLACE" | "PLACEHOLDER" | "INSERT")))
}

/// A credential format recognised in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found<'a> {
    /// What it is, for messages: "an AWS access key ID".
    pub what: &'static str,
    /// The matched text (never printed whole: see [`preview`]).
    pub text: &'a str,
}

/// The first well-known credential in `value`: AWS access key IDs, PEM
/// private keys, GitHub and Slack tokens, JWTs, passwords in URLs and
/// connection strings.
pub(crate) fn secret_in_value(value: &str) -> Option<Found<'_>> {
    let finders: [fn(&str) -> Option<Found<'_>>; 7] = [
        find_private_key,
        find_aws_key,
        find_github_token,
        find_slack_token,
        find_jwt,
        find_url_password,
        find_connection_password,
    ];
    finders.iter().find_map(|find| find(value))
}

/// At most four leading characters of a secret, never more than a quarter
/// of it, then `…`.
pub(crate) fn preview(secret: &str) -> String {
    let count = secret.chars().count();
    let shown: String = secret.chars().take((count / 4).min(4)).collect();
    format!("{shown}…")
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The byte positions of `needle` in `haystack`.
fn positions<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    haystack.match_indices(needle).map(|(i, _)| i)
}

/// Length of the run of bytes from `start` satisfying `pred`.
fn run(bytes: &[u8], start: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(start..)
        .map_or(0, |rest| rest.iter().take_while(|b| pred(**b)).count())
}

/// `AKIA` / `ASIA` followed by 16 upper-case letters or digits, as a word.
fn find_aws_key(value: &str) -> Option<Found<'_>> {
    let bytes = value.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for start in positions(value, prefix) {
            if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            let body = start + 4;
            let n = run(bytes, body, |b| {
                b.is_ascii_uppercase() || b.is_ascii_digit()
            });
            if n == 16 {
                return Some(Found {
                    what: "an AWS access key ID",
                    text: &value[start..body + n],
                });
            }
        }
    }
    None
}

/// `-----BEGIN … PRIVATE KEY-----` followed by key material.
fn find_private_key(value: &str) -> Option<Found<'_>> {
    for start in positions(value, "-----BEGIN ") {
        let label_start = start + "-----BEGIN ".len();
        let Some(label_len) = value[label_start..].find("-----") else {
            continue;
        };
        let label = &value[label_start..label_start + label_len];
        if !label.ends_with("PRIVATE KEY") || label.contains('\n') {
            continue;
        }
        let body = &value[label_start + label_len + 5..];
        let material = body
            .bytes()
            .take_while(|b| *b != b'-')
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            .count();
        if material >= 20 {
            return Some(Found {
                what: "a PEM private key",
                text: &value[start..],
            });
        }
    }
    None
}

/// GitHub tokens: `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36 alphanumerics,
/// and fine-grained `github_pat_` tokens.
fn find_github_token(value: &str) -> Option<Found<'_>> {
    let bytes = value.as_bytes();
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        for start in positions(value, prefix) {
            if start > 0 && is_word_byte(bytes[start - 1]) {
                continue;
            }
            let n = run(bytes, start + 4, |b| b.is_ascii_alphanumeric());
            if n == 36 {
                return Some(Found {
                    what: "a GitHub token",
                    text: &value[start..start + 4 + n],
                });
            }
        }
    }
    for start in positions(value, "github_pat_") {
        if start > 0 && is_word_byte(bytes[start - 1]) {
            continue;
        }
        let n = run(bytes, start + 11, is_word_byte);
        if n >= 40 {
            return Some(Found {
                what: "a GitHub token",
                text: &value[start..start + 11 + n],
            });
        }
    }
    None
}

/// Slack tokens: `xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-` and a body.
fn find_slack_token(value: &str) -> Option<Found<'_>> {
    let bytes = value.as_bytes();
    for start in positions(value, "xox") {
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let kind = bytes.get(start + 3).copied();
        if !matches!(kind, Some(b'b' | b'a' | b'p' | b'r' | b's'))
            || bytes.get(start + 4) != Some(&b'-')
        {
            continue;
        }
        let n = run(bytes, start + 5, |b| b.is_ascii_alphanumeric() || b == b'-');
        let digits = bytes[start + 5..start + 5 + n]
            .iter()
            .filter(|b| b.is_ascii_digit())
            .count();
        if n >= 10 && digits >= 4 {
            return Some(Found {
                what: "a Slack token",
                text: &value[start..start + 5 + n],
            });
        }
    }
    None
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A signed JSON Web Token: `eyJ….eyJ….signature`.
fn find_jwt(value: &str) -> Option<Found<'_>> {
    let bytes = value.as_bytes();
    for start in positions(value, "eyJ") {
        if start > 0 && is_base64url(bytes[start - 1]) {
            continue;
        }
        let header = run(bytes, start, is_base64url);
        let dot = start + header;
        if header < 10 || bytes.get(dot) != Some(&b'.') || !value[dot + 1..].starts_with("eyJ") {
            continue;
        }
        let payload = run(bytes, dot + 1, is_base64url);
        let dot2 = dot + 1 + payload;
        if payload < 10 || bytes.get(dot2) != Some(&b'.') {
            continue;
        }
        let signature = run(bytes, dot2 + 1, is_base64url);
        if signature >= 16 {
            return Some(Found {
                what: "a JSON Web Token",
                text: &value[start..dot2 + 1 + signature],
            });
        }
    }
    None
}

/// `scheme://user:password@host`: a password in a URL's user info.
fn find_url_password(value: &str) -> Option<Found<'_>> {
    for at in positions(value, "://") {
        let scheme_ok = value[..at]
            .bytes()
            .next_back()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        if !scheme_ok {
            continue;
        }
        let rest = &value[at + 3..];
        let authority_len = rest
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((_, password)) = userinfo.split_once(':') else {
            continue;
        };
        if host.is_empty()
            || password.is_empty()
            || is_reference(password)
            || password.starts_with('$')
            || password
                .bytes()
                .all(|b| b == b'*' || b == b'x' || b == b'X')
        {
            continue;
        }
        return Some(Found {
            what: "a password in a URL",
            text: password,
        });
    }
    None
}

/// `password=…` in a query string or connection string (`?password=`,
/// `&pwd=`, `;Password=`), or at the start of the value.
fn find_connection_password(value: &str) -> Option<Found<'_>> {
    let lower = value.to_ascii_lowercase();
    for key in ["password=", "passwd=", "pwd="] {
        for start in positions(&lower, key) {
            let before = lower[..start].bytes().next_back();
            if !matches!(before, None | Some(b'?' | b'&' | b';')) {
                continue;
            }
            let from = start + key.len();
            let len = value[from..]
                .find(|c: char| matches!(c, '&' | ';' | '"' | '\'') || c.is_whitespace())
                .unwrap_or(value.len() - from);
            let password = &value[from..from + len];
            if password.is_empty() || is_reference(password) || password.starts_with('$') {
                continue;
            }
            return Some(Found {
                what: "a password in a connection string",
                text: password,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "PASSWORD",
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "dbPassword",
            "db.password",
            "api-key",
            "API_KEY",
            "APIKEY",
            "DD_API_KEY",
            "DD_APP_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "MINIO_ACCESS_KEY",
            "GITHUB_TOKEN",
            "clientSecret",
            "SECRET_KEY_BASE",
            "REDIS_PASS",
            "DB_PWD",
            "REDIS_AUTH",
            "BASIC_AUTH",
            "VAULT_SECRET_ID",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "JWT_PRIVATE_KEY",
            "STRIPE_SECRET",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "",
            "TOKENIZER_PATH",
            "PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "DD_AUTH_TOKEN_FILE_PATH",
            "DD_CLUSTER_AGENT_TOKEN_NAME",
            "DD_SECRET_BACKEND_COMMAND",
            "SECRET_NAME",
            "TOKEN_URL",
            "AUTH_TYPE",
            "AUTH_URL",
            "PASS_THROUGH",
            "PWD",
            "AUTH",
            "KEY",
            "MONKEY",
            "KEYCLOAK_REALM",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_TTL",
            "AWS_ACCESS_KEY_ID",
            "BYPASS",
            "SECRETARY_EMAIL",
            "JAVA_OPTS",
            "get-token.sh",
            "secrets.yaml",
        ] {
            assert!(!secret_name(name), "{name}");
        }
    }

    #[test]
    fn values_that_are_not_secrets() {
        for value in [
            "",
            "  ",
            "true",
            "False",
            "0",
            "8080",
            "1.5",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "$(DB_PASSWORD)",
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "<your-password>",
        ] {
            assert!(is_not_a_secret_value(value), "{value:?}");
        }
        for value in ["changeme", "hunter2", "/", "p@ss word", "s3cr3t!"] {
            assert!(!is_not_a_secret_value(value), "{value:?}");
        }
    }

    #[test]
    fn placeholders_are_not_secrets() {
        for (name, value) in [
            ("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"),
            ("api-key", "API_KEY"),
            ("DB_PASSWORD", "YOUR_DB_PASSWORD"),
            ("TOKEN", "REPLACE_ME"),
            ("TOKEN", "xxxxxxxx"),
            ("TOKEN", "********"),
        ] {
            assert!(is_placeholder_for(name, value), "{name}={value}");
        }
        for (name, value) in [
            ("DB_PASSWORD", "changeme"),
            ("DB_PASSWORD", "your-password-here2"),
            ("API_KEY", "API_KEYS_ARE_COOL"),
            ("TOKEN", "xx"),
            ("TOKEN", "Replace_me_later_9f3"),
        ] {
            assert!(!is_placeholder_for(name, value), "{name}={value}");
        }
    }

    fn what(value: &str) -> Option<&'static str> {
        secret_in_value(value).map(|f| f.what)
    }

    #[test]
    fn credential_formats() {
        assert_eq!(what("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key ID"));
        assert_eq!(
            what("key=AKIAIOSFODNN7EXAMPLE;"),
            Some("an AWS access key ID")
        );
        assert_eq!(what("XAKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(what("AKIAIOSFODNN7EXAMPLEX"), None);
        assert_eq!(what("AKIA-short"), None);
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7Jk3ZQm9o2S1vG2\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(what(pem), Some("a PEM private key"));
        assert_eq!(
            what("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE"),
            Some("a PEM private key")
        );
        assert_eq!(
            what("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"),
            None
        );
        assert_eq!(
            what("-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"),
            None
        );
        assert_eq!(what("if line == '-----BEGIN PRIVATE KEY-----':"), None);
        assert_eq!(
            what("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("a GitHub token")
        );
        assert_eq!(what("ghp_short"), None);
        assert_eq!(
            what("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
            Some("a Slack token")
        );
        assert_eq!(what("xoxb-placeholder"), None);
        assert_eq!(
            what(
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
            ),
            Some("a JSON Web Token")
        );
        assert_eq!(what("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0."), None);
        assert_eq!(
            what("postgres://app:s3cr3t@db:5432/app").map(|_| ()),
            Some(())
        );
        assert_eq!(
            secret_in_value("redis://:hunter2@redis:6379/0").map(|f| f.text),
            Some("hunter2")
        );
        assert_eq!(what("postgres://app@db:5432/app"), None);
        assert_eq!(what("postgres://app:$(DB_PASSWORD)@db/app"), None);
        assert_eq!(what("https://example.com/a:b@c"), None);
        assert_eq!(what("http://user:****@host"), None);
        assert_eq!(
            what("Server=db;Database=app;User Id=sa;Password=Pa55word!;"),
            Some("a password in a connection string")
        );
        assert_eq!(
            what("jdbc:mysql://db:3306/app?user=app&password=hunter2"),
            Some("a password in a connection string")
        );
        assert_eq!(what("login(password=get_password())"), None);
        assert_eq!(
            what("jdbc:mysql://db/app?user=app&password=${DB_PASS}"),
            None
        );
        assert_eq!(what("just some text"), None);
        assert_eq!(what("é://ü:ö@x ghp_é xox eyJ"), None);
    }

    #[test]
    fn previews_never_show_much() {
        assert_eq!(preview("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(preview("hunter2"), "h…");
        assert_eq!(preview("abc"), "…");
        assert_eq!(preview("pässwörd"), "pä…");
    }
}
