//! Image repository globs (as `rampart.yaml` writes them, `*` crossing `/`)
//! as RE2 regular expressions for CEL's `matches()`.

/// The anchored regular expression matching exactly what the glob matches.
pub fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("^");
    let mut chars = glob.chars().peekable();
    let mut in_alternation = false;
    while let Some(ch) = chars.next() {
        match ch {
            '*' => {
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '\\' => match chars.next() {
                Some(escaped) => out.push_str(&regex::escape(&escaped.to_string())),
                None => out.push_str("\\\\"),
            },
            '[' => {
                let mut class = String::from("[");
                if matches!(chars.peek(), Some('!' | '^')) {
                    chars.next();
                    class.push('^');
                }
                // A `]` right after the opening bracket is literal.
                if chars.peek() == Some(&']') {
                    chars.next();
                    class.push_str("\\]");
                }
                let mut closed = false;
                for c in chars.by_ref() {
                    match c {
                        ']' => {
                            closed = true;
                            break;
                        }
                        '\\' | '[' | '&' | '~' => {
                            class.push('\\');
                            class.push(c);
                        }
                        c => class.push(c),
                    }
                }
                if closed {
                    class.push(']');
                    out.push_str(&class);
                } else {
                    // An unclosed class is not a valid glob; match it literally.
                    out.push_str(&regex::escape(&format!(
                        "[{}",
                        class.trim_start_matches('[')
                    )));
                }
            }
            '{' if !in_alternation => {
                in_alternation = true;
                out.push_str("(?:");
            }
            ',' if in_alternation => out.push('|'),
            '}' if in_alternation => {
                in_alternation = false;
                out.push(')');
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    if in_alternation {
        out.push(')');
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::glob_to_regex;

    fn matches(glob: &str, text: &str) -> bool {
        regex::Regex::new(&glob_to_regex(glob)).is_ok_and(|re| re.is_match(text))
    }

    #[test]
    fn globs_become_anchored_regexes() {
        assert!(matches("gcr.io/datadoghq/agent", "gcr.io/datadoghq/agent"));
        assert!(!matches("gcr.io/datadoghq/agent", "gcrxio/datadoghq/agent"));
        assert!(!matches(
            "gcr.io/datadoghq/agent",
            "gcr.io/datadoghq/agent2"
        ));
        assert!(matches("*/datadoghq/*", "gcr.io/datadoghq/cluster-agent"));
        assert!(matches(
            "registry.example.com/**",
            "registry.example.com/a/b"
        ));
        assert!(matches("agent-?", "agent-1"));
        assert!(matches("agent-[0-9]", "agent-7"));
        assert!(!matches("agent-[!0-9]", "agent-7"));
        assert!(matches("{gcr.io,docker.io}/x", "docker.io/x"));
        assert!(matches("a\\*b", "a*b"));
        assert!(!matches("a\\*b", "axb"));
    }
}
