//! Block-style YAML for generated objects: keys in order, strings quoted
//! only when plain style would change their meaning, long strings as
//! literal blocks.

use serde_json::Value;

/// The objects as one YAML stream, `---` between documents.
pub fn to_yaml_stream(objects: &[Value]) -> String {
    let mut out = String::new();
    for object in objects {
        out.push_str("---\n");
        write_value(&mut out, object, 0, false);
    }
    out
}

fn write_value(out: &mut String, value: &Value, indent: usize, in_sequence: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 || !in_sequence {
                    out.push_str(&" ".repeat(indent));
                }
                out.push_str(&scalar(key));
                out.push(':');
                write_child(out, item, indent);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        write_value(out, item, indent + 2, true)
                    }
                    Value::Array(inner) if !inner.is_empty() => {
                        out.push('\n');
                        write_value(out, item, indent + 2, false);
                    }
                    _ => {
                        out.push_str(&inline(item, indent + 2));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&inline(value, indent));
            out.push('\n');
        }
    }
}

fn write_child(out: &mut String, item: &Value, indent: usize) {
    match item {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_value(out, item, indent + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_value(out, item, indent, false);
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(item, indent + 2));
            out.push('\n');
        }
    }
}

/// A value on one line, or a literal block for long strings.
fn inline(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.len() > 80 && !s.contains('\n') && s.trim() == s && !s.is_empty() => {
            format!("|-\n{}{s}", " ".repeat(indent))
        }
        Value::String(s) => scalar(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// A string as a plain scalar when that reads back as the same string,
/// otherwise double-quoted.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ' ' | ':' | '(' | ')' | ',')
        })
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && !text.ends_with(' ')
        && !text.ends_with(':')
        && !text.contains(": ")
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_render_as_block_yaml() {
        let yaml = to_yaml_stream(&[json!({
            "apiVersion": "v1", "kind": "X", "metadata": {"name": "a", "labels": {}},
            "spec": {"list": [{"name": "y", "on": "off"}, "plain"], "empty": [], "count": 3, "q": "a: b"}
        })]);
        assert_eq!(
            yaml,
            "---\napiVersion: v1\nkind: X\nmetadata:\n  name: a\n  labels: {}\nspec:\n  list:\n  - name: \"y\"\n    \"on\": \"off\"\n  - plain\n  empty: []\n  count: 3\n  q: \"a: b\"\n"
        );
    }
}
