//! Container image references, split the way Docker, containerd and the
//! kubelet do (`github.com/distribution/reference`, `ParseNormalizedNamed`):
//!
//! ```text
//! [registry[:port]/]path[:tag][@algorithm:hex]
//! ```
//!
//! - The first `/`-separated component is a registry only when it contains
//!   `.` or `:`, is `localhost`, or has upper-case letters (repository paths
//!   are lower case, so such a component can only be a host name). Otherwise
//!   the registry is `docker.io`, and a single-component path on Docker Hub
//!   gets the `library/` prefix (`nginx` → `docker.io/library/nginx`).
//!   `index.docker.io` is the legacy name of `docker.io`.
//! - The tag follows the last `:` of the last path component (a `:` before
//!   a `/` is a port); the digest follows `@`. With both a tag and a digest
//!   the runtime pulls by digest and ignores the tag.

use std::fmt;

/// The registry of references that do not name one (Docker Hub).
pub const DEFAULT_REGISTRY: &str = "docker.io";
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";
/// Longest name (registry and path) a registry accepts.
const NAME_MAX: usize = 255;
/// Longest tag.
const TAG_MAX: usize = 128;

/// A parsed image reference. The parts borrow from the original string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageReference<'a> {
    /// The registry as written (`localhost:5000`, `ghcr.io`), or `None`.
    pub registry: Option<&'a str>,
    /// The repository path as written, without registry (`nginx`, `o/i`).
    pub path: &'a str,
    pub tag: Option<&'a str>,
    /// `algorithm:hex`, e.g. `sha256:…`.
    pub digest: Option<&'a str>,
}

/// Why a string is not a valid image reference (the kubelet reports such
/// images as `InvalidImageName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceError {
    Empty,
    /// A bare 64-hex identifier (an image id, not a name).
    Identifier,
    Uppercase,
    InvalidRegistry,
    InvalidPath,
    InvalidTag,
    InvalidDigest,
    NameTooLong,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferenceError::Empty => "empty image reference",
            ReferenceError::Identifier => "a 64-hex image id is not a repository name",
            ReferenceError::Uppercase => "repository name must be lowercase",
            ReferenceError::InvalidRegistry => "invalid registry host",
            ReferenceError::InvalidPath => "invalid repository path",
            ReferenceError::InvalidTag => "invalid tag",
            ReferenceError::InvalidDigest => "invalid digest",
            ReferenceError::NameTooLong => "repository name longer than 255 characters",
        })
    }
}

impl std::error::Error for ReferenceError {}

impl<'a> ImageReference<'a> {
    /// Parses `reference` as `docker pull` and the kubelet do.
    pub fn parse(reference: &'a str) -> Result<Self, ReferenceError> {
        if reference.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if reference.len() == 64 && reference.bytes().all(is_lower_hex) {
            return Err(ReferenceError::Identifier);
        }
        // No name or tag character is `@`: the digest starts at the first one.
        let (name_and_tag, digest) = match reference.split_once('@') {
            Some((left, digest)) => {
                if !is_valid_digest(digest) {
                    return Err(ReferenceError::InvalidDigest);
                }
                (left, Some(digest))
            }
            None => (reference, None),
        };
        // The tag: after the last `:` that is not followed by a `/`.
        let last_slash = name_and_tag.rfind('/');
        let (name, tag) = match name_and_tag.rfind(':') {
            Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
                (&name_and_tag[..colon], Some(&name_and_tag[colon + 1..]))
            }
            _ => (name_and_tag, None),
        };
        if let Some(tag) = tag
            && !is_valid_tag(tag)
        {
            return Err(ReferenceError::InvalidTag);
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first == "localhost"
                    || first.contains(['.', ':'])
                    || first.bytes().any(|b| b.is_ascii_uppercase()) =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ReferenceError::Uppercase);
        }
        if let Some(registry) = registry
            && !is_valid_registry(registry)
        {
            return Err(ReferenceError::InvalidRegistry);
        }
        if !path.split('/').all(is_valid_path_component) {
            return Err(ReferenceError::InvalidPath);
        }
        let reference = ImageReference {
            registry,
            path,
            tag,
            digest,
        };
        if reference.registry().len() + 1 + reference.repository().len() > NAME_MAX {
            return Err(ReferenceError::NameTooLong);
        }
        Ok(reference)
    }

    /// The registry the runtime pulls from: `docker.io` when none is written.
    pub fn registry(&self) -> &'a str {
        match self.registry {
            None | Some(LEGACY_DEFAULT_REGISTRY) => DEFAULT_REGISTRY,
            Some(registry) => registry,
        }
    }

    /// The repository path on its registry (`library/nginx` for `nginx`).
    pub fn repository(&self) -> String {
        if self.registry() == DEFAULT_REGISTRY && !self.path.contains('/') {
            format!("{OFFICIAL_PREFIX}{}", self.path)
        } else {
            self.path.to_string()
        }
    }

    /// The fully qualified name: `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry(), self.repository())
    }

    /// The fully qualified reference, with tag and digest as written:
    /// `docker.io/library/nginx:1.25@sha256:…`.
    pub fn normalized(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// Whether the reference names its content by digest (immutable).
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The tag the runtime resolves when the reference has no digest:
    /// the written tag, or `latest`.
    pub fn effective_tag(&self) -> Option<&'a str> {
        match (self.digest, self.tag) {
            (Some(_), _) => None,
            (None, Some(tag)) => Some(tag),
            (None, None) => Some("latest"),
        }
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    match bytes.split_first() {
        Some((first, rest)) => {
            tag.len() <= TAG_MAX
                && word(first)
                && rest.iter().all(|b| word(b) || *b == b'.' || *b == b'-')
        }
        None => false,
    }
}

/// `algorithm:hex` for the algorithms the runtimes support (go-digest):
/// lower-case hex of the algorithm's length.
fn is_valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == length && hex.bytes().all(is_lower_hex)
}

/// `[a-z0-9]+` separated by `.`, `_`, `__` or one or more `-`.
fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        // An alphanumeric run.
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        // A separator.
        let sep_start = i;
        while i < bytes.len() && matches!(bytes[i], b'.' | b'_' | b'-') {
            i += 1;
        }
        let separator = &component[sep_start..i];
        let ok = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok || i == bytes.len() {
            return false;
        }
    }
}

/// A host name, IPv4 address or `[IPv6]`, with an optional `:port`.
fn is_valid_registry(registry: &str) -> bool {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("[v6]", Some(port)),
                None => return false,
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    host == "[v6]" || host.split('.').all(is_valid_host_label)
}

/// `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn is_valid_host_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

    fn parse(s: &str) -> ImageReference<'_> {
        ImageReference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn official_image_without_tag() {
        let r = parse("nginx");
        assert_eq!(r.registry, None);
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.path, "nginx");
        assert_eq!(r.repository(), "library/nginx");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest, None);
        assert_eq!(r.effective_tag(), Some("latest"));
        assert_eq!(r.normalized(), "docker.io/library/nginx");
    }

    #[test]
    fn official_image_with_tag() {
        let r = parse("nginx:latest");
        assert_eq!(r.tag, Some("latest"));
        assert_eq!(r.normalized(), "docker.io/library/nginx:latest");
        assert!(!r.is_pinned());
    }

    #[test]
    fn docker_hub_user_repository() {
        let r = parse("bitnami/redis:7.2");
        assert_eq!(r.registry, None);
        assert_eq!(r.name(), "docker.io/bitnami/redis");
        assert_eq!(r.tag, Some("7.2"));
    }

    #[test]
    fn registry_with_port_and_nested_path() {
        let r = parse("localhost:5000/a/b:1");
        assert_eq!(r.registry, Some("localhost:5000"));
        assert_eq!(r.path, "a/b");
        assert_eq!(r.tag, Some("1"));
        assert_eq!(r.normalized(), "localhost:5000/a/b:1");
        let r = parse("registry:5000/app");
        assert_eq!(r.registry, Some("registry:5000"));
        assert_eq!(r.tag, None);
        let r = parse("localhost/app:v2");
        assert_eq!(r.registry, Some("localhost"));
        assert_eq!(r.path, "app");
    }

    #[test]
    fn bare_host_port_is_a_tag() {
        // No `/`: the runtime reads `localhost:5000` as image `localhost`, tag `5000`.
        let r = parse("localhost:5000");
        assert_eq!(r.registry, None);
        assert_eq!(r.normalized(), "docker.io/library/localhost:5000");
    }

    #[test]
    fn first_component_without_dot_is_a_path() {
        let r = parse("myorg/team/app:1");
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.repository(), "myorg/team/app");
    }

    #[test]
    fn digest_only() {
        let image = format!("ghcr.io/o/i@{SHA}");
        let r = parse(&image);
        assert_eq!(r.registry, Some("ghcr.io"));
        assert_eq!(r.path, "o/i");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest, Some(SHA));
        assert!(r.is_pinned());
        assert_eq!(r.effective_tag(), None);
    }

    #[test]
    fn tag_and_digest() {
        let image = format!("a/b:c@{SHA}");
        let r = parse(&image);
        assert_eq!(r.path, "a/b");
        assert_eq!(r.tag, Some("c"));
        assert_eq!(r.digest, Some(SHA));
        assert_eq!(r.normalized(), format!("docker.io/a/b:c@{SHA}"));
    }

    #[test]
    fn legacy_docker_hub_host() {
        let r = parse("index.docker.io/library/nginx:1.25");
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.name(), "docker.io/library/nginx");
        let r = parse("docker.io/nginx");
        assert_eq!(r.name(), "docker.io/library/nginx");
    }

    #[test]
    fn ipv6_registry() {
        let r = parse("[::1]:5000/app:1");
        assert_eq!(r.registry, Some("[::1]:5000"));
        assert_eq!(r.path, "app");
        assert_eq!(r.tag, Some("1"));
    }

    #[test]
    fn uppercase() {
        assert_eq!(
            ImageReference::parse("Nginx:1.0"),
            Err(ReferenceError::Uppercase)
        );
        assert_eq!(
            ImageReference::parse("ghcr.io/Org/app"),
            Err(ReferenceError::Uppercase)
        );
        // Upper-case first components are host names; tags keep their case.
        let r = parse("MyRegistry/app:Latest");
        assert_eq!(r.registry, Some("MyRegistry"));
        assert_eq!(r.tag, Some("Latest"));
    }

    #[test]
    fn invalid_references() {
        use ReferenceError::*;
        for (input, error) in [
            ("", Empty),
            (&SHA[7..], Identifier),
            ("nginx:", InvalidTag),
            ("nginx:-x", InvalidTag),
            ("nginx@sha256:abc", InvalidDigest),
            ("nginx@md5:0123456789abcdef0123456789abcdef", InvalidDigest),
            (
                "nginx@sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8DB5AA",
                InvalidDigest,
            ),
            (" nginx", InvalidPath),
            ("nginx ", InvalidPath),
            ("nginx:1 ", InvalidTag),
            ("a//b", InvalidPath),
            ("a/b-", InvalidPath),
            ("a..b", InvalidPath),
            ("a___b", InvalidPath),
            ("host:port/app", InvalidRegistry),
            ("-bad.io/app", InvalidRegistry),
            ("ghcr.io/", InvalidPath),
            ("{{ .Values.image }}", Uppercase),
            ("{{ image }}", InvalidPath),
            ("${IMAGE}", Uppercase),
            ("${image}", InvalidPath),
        ] {
            assert_eq!(ImageReference::parse(input), Err(error), "{input:?}");
        }
        let long = format!("a/{}", "b".repeat(300));
        assert_eq!(ImageReference::parse(&long), Err(NameTooLong));
        let long_tag = format!("a:{}", "b".repeat(129));
        assert_eq!(ImageReference::parse(&long_tag), Err(InvalidTag));
    }

    #[test]
    fn separators() {
        for ok in ["a_b", "a__b", "a---b", "a.b", "a-b_c/e__f.g"] {
            parse(ok);
        }
    }

    #[test]
    fn tag_after_last_slash_only() {
        // `:` in the registry component is a port, not a tag.
        let r = parse("reg.io:443/team/app");
        assert_eq!(r.registry, Some("reg.io:443"));
        assert_eq!(r.tag, None);
    }
}
