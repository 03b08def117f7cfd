//! Message formatting shared by the checks (SPEC §3, "Formatting conventions").

use std::fmt::Write as _;

/// `one` if `n == 1`, else `many`.
pub const fn plural(one: &'static str, many: &'static str, n: usize) -> &'static str {
    if n == 1 { one } else { many }
}

/// `Q(xs)`: each item wrapped in `"` (no escaping), joined by `", "`.
pub fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `container "a"` / `containers "a", "b"`.
pub fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        plural("container", "containers", names.len()),
        quote_list(names)
    )
}

/// `volume "a"` / `volumes "a", "b"`.
pub fn volumes_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        plural("volume", "volumes", names.len()),
        quote_list(names)
    )
}

/// The setter list: `pod` and/or `container(s) Q(names)`, joined by `" and "`.
pub fn setters(pod: bool, containers: &[&str]) -> String {
    let mut out = String::new();
    if pod {
        out.push_str("pod");
    }
    if !containers.is_empty() {
        if pod {
            out.push_str(" and ");
        }
        out.push_str(&containers_phrase(containers));
    }
    out
}

/// Sorts byte-wise and removes duplicates (Go's `sets.String.List()`).
pub fn sorted_unique(mut values: Vec<&str>) -> Vec<&str> {
    values.sort_unstable();
    values.dedup();
    values
}

/// Go's `%q` for a string: double-quoted, with `"` and `\` escaped, the usual
/// C escapes (`\a \b \f \n \r \t \v`), other ASCII control characters as
/// `\xNN`, and non-printable Unicode (other controls, format characters,
/// separators other than the ASCII space, private use, non-characters) as
/// `\uNNNN` / `\UNNNNNNNN`. Printable Unicode is kept as is.
///
/// Unassigned code points are kept as is; Go would escape them, which only
/// matters for annotation values no real profile name uses.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !go_is_print(c) => {
                let code = c as u32;
                if code < 0x1_0000 {
                    let _ = write!(out, "\\u{code:04x}");
                } else {
                    let _ = write!(out, "\\U{code:08x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII-control input.
fn go_is_print(c: char) -> bool {
    let code = c as u32;
    let not_printable = matches!(
        code,
        0x80..=0x9F                     // C1 controls
        | 0xA0 | 0xAD                   // no-break space, soft hyphen
        | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890 | 0x891 | 0x8E2
        | 0x1680 | 0x180E
        | 0x2000..=0x200F               // spaces, zero-width, direction marks
        | 0x2028..=0x202F
        | 0x205F..=0x206F
        | 0x3000
        | 0xD800..=0xF8FF               // surrogates and private use
        | 0xFDD0..=0xFDEF
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0x110BD | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F
        | 0xF0000..=0x10FFFF            // supplementary private use
    );
    let noncharacter = (code & 0xFFFE) == 0xFFFE;
    !(not_printable || noncharacter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_go() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\n\t\u{1}\u{7f}"), "\"\\n\\t\\x01\\x7f\"");
        assert_eq!(go_quote("\u{85}\u{a0}é"), "\"\\u0085\\u00a0é\"");
        assert_eq!(go_quote("\u{10FFFD}"), "\"\\U0010fffd\"");
        assert_eq!(go_quote(""), "\"\"");
    }

    #[test]
    fn lists() {
        assert_eq!(quote_list::<&str>(&[]), "");
        assert_eq!(quote_list(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(
            setters(true, &["a", "b"]),
            "pod and containers \"a\", \"b\""
        );
        assert_eq!(setters(false, &["a"]), "container \"a\"");
        assert_eq!(setters(true, &[]), "pod");
        assert_eq!(sorted_unique(vec!["b", "a", "b"]), vec!["a", "b"]);
    }
}
