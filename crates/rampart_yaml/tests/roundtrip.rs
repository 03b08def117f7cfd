#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use proptest::prelude::*;
use rampart_yaml::{Limits, parse_stream};
use serde_json::Value;

/// Strings without characters YAML forbids unescaped (C0/C1 controls, noncharacters).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_-]{0,8}",
        "\\PC{0,12}",
        "[ -~\\n\\t\\r]{0,12}",
        Just("true".to_owned()),
        Just("0644".to_owned()),
        Just("~".to_owned()),
        Just("- x: y".to_owned()),
        Just("line one\nline two".to_owned()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A plain scalar only where it cannot resolve to anything but a string.
fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

/// A YAML double-quoted string, escaping everything outside printable ASCII controls.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                write!(out, "\\u{:04x}", c as u32).unwrap();
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal block scalar body when `s` is simple multi-line text.
fn literal_lines(s: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = s.split('\n').collect();
    let simple = lines.len() > 1
        && lines.iter().all(|line| {
            line.chars().next().is_some_and(|c| c.is_ascii_graphic())
                && line.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                && !line.ends_with(' ')
        });
    simple.then_some(lines)
}

fn scalar_text(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if is_plain_safe(s) => s.clone(),
        Value::String(s) => match literal_lines(s) {
            Some(lines) => {
                let pad = " ".repeat(indent + 2);
                let mut out = String::from("|-");
                for line in lines {
                    write!(out, "\n{pad}{line}").unwrap();
                }
                out
            }
            None => quoted(s),
        },
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => false,
    }
}

/// Writes `value` in block style. `inline` means the first line continues after `- `.
fn write_block(out: &mut String, value: &Value, indent: usize, inline: bool) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (key, item)) in map.iter().enumerate() {
                if !(inline && i == 0) {
                    out.push_str(&pad);
                }
                let key = if is_plain_safe(key) {
                    key.clone()
                } else {
                    quoted(key)
                };
                out.push_str(&key);
                out.push(':');
                write_member(out, item, indent);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if !(inline && i == 0) {
                    out.push_str(&pad);
                }
                out.push('-');
                if is_block(item) {
                    out.push(' ');
                    write_block(out, item, indent + 2, true);
                } else {
                    writeln!(out, " {}", scalar_text(item, indent)).unwrap();
                }
            }
        }
        _ => writeln!(out, "{}", scalar_text(value, indent)).unwrap(),
    }
}

fn write_member(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(_) if is_block(value) => {
            out.push('\n');
            write_block(out, value, indent + 2, false);
        }
        // Sequences under a key may be indentless, as kubectl writes them.
        Value::Array(_) if is_block(value) => {
            out.push('\n');
            write_block(out, value, indent, false);
        }
        _ => writeln!(out, " {}", scalar_text(value, indent)).unwrap(),
    }
}

fn to_block_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_block(&mut out, value, 0, false);
    out
}

fn parsed_values(text: &str) -> Vec<Value> {
    let stream = parse_stream(text, &Limits::default());
    assert!(
        stream.errors.is_empty(),
        "errors {:?} in:\n{text}",
        stream.errors
    );
    stream.documents.iter().map(|d| d.root.to_json()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*|[-:\\[\\]{}&*!|>'\"#%@` \\n\\t,?a0]{0,64}") {
        let stream = parse_stream(&text, &Limits::default());
        for doc in &stream.documents {
            let _ = doc.root.to_json();
            let _ = doc.locate("/a/0/b");
            prop_assert!(doc.range.end <= text.len());
        }
        for error in &stream.errors {
            prop_assert!(error.range.start <= error.range.end && error.range.end <= text.len());
        }
    }

    #[test]
    fn json_text_round_trips(value in json_value()) {
        let compact = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(&parsed_values(&compact), std::slice::from_ref(&value));
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(&parsed_values(&pretty), std::slice::from_ref(&value));
    }

    #[test]
    fn block_yaml_round_trips(first in json_value(), second in json_value()) {
        let single = to_block_yaml(&first);
        prop_assert_eq!(&parsed_values(&single), std::slice::from_ref(&first), "yaml:\n{}", single);
        let stream = format!("---\n{single}---\n{}", to_block_yaml(&second));
        prop_assert_eq!(parsed_values(&stream), vec![first, second], "yaml:\n{}", stream);
    }
}
