//! RFC 6901 JSON pointer helpers.

use std::borrow::Cow;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Joins a base pointer and a relative pointer (`/items/0` + `/spec` → `/items/0/spec`).
pub fn join_pointer(base: &str, relative: &str) -> String {
    let mut joined = String::with_capacity(base.len() + relative.len());
    joined.push_str(base.trim_end_matches('/'));
    joined.push_str(relative);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tokens() {
        assert_eq!(
            escape_token("container.apparmor.security.beta.kubernetes.io/app"),
            "container.apparmor.security.beta.kubernetes.io~1app"
        );
        assert_eq!(escape_token("a~b"), "a~0b");
        assert_eq!(join_pointer("/items/3", "/spec"), "/items/3/spec");
        assert_eq!(join_pointer("", "/spec"), "/spec");
    }
}
