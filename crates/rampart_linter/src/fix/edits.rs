//! Minimal text edits on a YAML document: set a scalar at a JSON pointer
//! (inserting missing keys with the surrounding indentation and style), or
//! add an item to a list. Comments, order, quoting and indentation elsewhere
//! are untouched. Values reached through an alias or merge key are never
//! edited: that would change every other user of the anchor.

use rampart_source::TextRange;
use rampart_yaml::{Document, Node, NodeKind};

/// Replace `range` with `replacement` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub range: TextRange,
    pub replacement: String,
}

/// Edits that set the scalar at `pointer` to `value` (YAML text such as
/// `false` or `RuntimeDefault`); `None` when it cannot be done safely.
pub fn set_scalar(
    text: &str,
    document: &Document,
    pointer: &str,
    value: &str,
) -> Option<Vec<Edit>> {
    let tokens = tokens(pointer)?;
    let (node, depth) = walk(&document.root, &tokens)?;
    if depth == tokens.len() {
        return match &node.kind {
            NodeKind::Scalar(_) if slice(text, node.range) == value => Some(Vec::new()),
            NodeKind::Scalar(_) => Some(vec![Edit {
                range: node.range,
                replacement: value.to_string(),
            }]),
            _ => None,
        };
    }
    insert_path(text, node, &tokens[depth..], value)
}

/// Edits that make the list at `pointer` contain `item` (creating the list
/// as `[item]` when it is missing).
pub fn ensure_item(
    text: &str,
    document: &Document,
    pointer: &str,
    item: &str,
) -> Option<Vec<Edit>> {
    let tokens = tokens(pointer)?;
    let (node, depth) = walk(&document.root, &tokens)?;
    if depth < tokens.len() {
        return insert_path(text, node, &tokens[depth..], &format!("[{item}]"));
    }
    let NodeKind::Seq(items) = &node.kind else {
        return None;
    };
    if items.iter().any(|i| i.as_str() == Some(item)) {
        return Some(Vec::new());
    }
    if text[node.range.start..].starts_with('[') {
        let close = node.range.end.checked_sub(1)?;
        if text.as_bytes().get(close) != Some(&b']') {
            return None;
        }
        let replacement = if items.is_empty() {
            item.to_string()
        } else {
            format!(", {item}")
        };
        return Some(vec![Edit {
            range: TextRange::empty(close),
            replacement,
        }]);
    }
    let first = items.first()?;
    let last = items.last()?;
    // A block sequence: its items start after `- ` on lines of the same indent.
    let dash = text[..first.range.start].rfind('-')?;
    let indent = indentation(text, dash);
    let at = end_of_line(text, last.range.end);
    let newline = newline_of(text);
    let prefix = if at == text.len() && !text.ends_with('\n') {
        newline
    } else {
        ""
    };
    Some(vec![Edit {
        range: TextRange::empty(at),
        replacement: format!("{prefix}{indent}- {item}{newline}"),
    }])
}

/// Follows `tokens` as far as they exist; returns the deepest node and how
/// many tokens it consumed. `None` if the path crosses an alias or merge.
fn walk<'a>(root: &'a Node, tokens: &[String]) -> Option<(&'a Node, usize)> {
    let mut node = root;
    for (depth, token) in tokens.iter().enumerate() {
        let child = match &node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .rev()
                .find(|e| e.key.as_str() == Some(token.as_str()))
                .map(|e| &e.value),
            NodeKind::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            NodeKind::Scalar(_) => return None,
        };
        let Some(child) = child else {
            return matches!(node.kind, NodeKind::Map(_)).then_some((node, depth));
        };
        if child.range.start < node.range.start || child.range.end > node.range.end {
            return None;
        }
        node = child;
    }
    Some((node, tokens.len()))
}

/// Inserts `path: value` (nested) into the mapping `map`.
fn insert_path(text: &str, map: &Node, path: &[String], value: &str) -> Option<Vec<Edit>> {
    let NodeKind::Map(entries) = &map.kind else {
        return None;
    };
    if path.iter().any(|key| !is_plain_key(key)) {
        return None;
    }
    if text[map.range.start..].starts_with('{') {
        let close = map.range.end.checked_sub(1)?;
        if text.as_bytes().get(close) != Some(&b'}') {
            return None;
        }
        let mut nested = value.to_string();
        for key in path.iter().skip(1).rev() {
            nested = format!("{{{key}: {nested}}}");
        }
        let entry = format!("{}: {nested}", path[0]);
        let replacement = if entries.is_empty() {
            entry
        } else {
            format!(", {entry}")
        };
        return Some(vec![Edit {
            range: TextRange::empty(close),
            replacement,
        }]);
    }
    let first = entries.first()?;
    let last = entries.last()?;
    let indent = indentation(text, first.key.range.start);
    let at = end_of_line(text, last.value.range.end.max(last.key.range.end));
    let newline = newline_of(text);
    let mut block = String::new();
    if at == text.len() && !text.ends_with('\n') {
        block.push_str(newline);
    }
    for (depth, key) in path.iter().enumerate() {
        let pad = "  ".repeat(depth);
        if depth + 1 == path.len() {
            block.push_str(&format!("{indent}{pad}{key}: {value}{newline}"));
        } else {
            block.push_str(&format!("{indent}{pad}{key}:{newline}"));
        }
    }
    Some(vec![Edit {
        range: TextRange::empty(at),
        replacement: block,
    }])
}

/// Keys written without quotes: Kubernetes field names.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The whitespace that puts a new line's content at the column of `offset`
/// (a `- ` before it counts as indentation).
fn indentation(text: &str, offset: usize) -> String {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

/// Offset just past the newline that ends the line holding `offset`.
fn end_of_line(text: &str, offset: usize) -> usize {
    match text[offset.min(text.len())..].find('\n') {
        Some(i) => offset + i + 1,
        None => text.len(),
    }
}

fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn slice(text: &str, range: TextRange) -> &str {
    text.get(range.start..range.end).unwrap_or("")
}

fn tokens(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// Applies non-overlapping edits (the first of overlapping ones wins); returns
/// the new text and how many edits were applied.
pub fn apply(text: &str, mut edits: Vec<Edit>) -> (String, usize) {
    edits.sort();
    let mut out = String::with_capacity(text.len() + 256);
    let mut cursor = 0;
    let mut applied = 0;
    let mut last_insert_at = None;
    for edit in edits {
        let overlaps = edit.range.start < cursor
            || (edit.range.is_empty() && last_insert_at == Some(edit.range.start));
        if overlaps || edit.range.end > text.len() {
            continue;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.replacement);
        cursor = edit.range.end;
        if edit.range.is_empty() {
            last_insert_at = Some(edit.range.start);
        }
        applied += 1;
    }
    out.push_str(&text[cursor..]);
    (out, applied)
}

#[cfg(test)]
mod tests {
    use rampart_yaml::{Limits, parse_stream};

    use super::*;

    fn fixed(text: &str, f: impl Fn(&str, &Document) -> Option<Vec<Edit>>) -> Option<String> {
        let stream = parse_stream(text, &Limits::default());
        let edits = f(text, &stream.documents[0])?;
        Some(apply(text, edits).0)
    }

    #[test]
    fn replaces_existing_scalars_keeping_comments() {
        let text = "spec:\n  containers:\n  - name: a  # main\n    securityContext:\n      privileged: true # why\n";
        let out = fixed(text, |t, d| {
            set_scalar(
                t,
                d,
                "/spec/containers/0/securityContext/privileged",
                "false",
            )
        })
        .unwrap();
        assert_eq!(
            out,
            "spec:\n  containers:\n  - name: a  # main\n    securityContext:\n      privileged: false # why\n"
        );
    }

    #[test]
    fn inserts_missing_keys_with_indentation() {
        let text = "spec:\n  containers:\n  - name: a\n    image: x # pinned\n";
        let out = fixed(text, |t, d| {
            set_scalar(
                t,
                d,
                "/spec/containers/0/securityContext/allowPrivilegeEscalation",
                "false",
            )
        })
        .unwrap();
        assert_eq!(
            out,
            "spec:\n  containers:\n  - name: a\n    image: x # pinned\n    securityContext:\n      allowPrivilegeEscalation: false\n"
        );
    }

    #[test]
    fn inserts_into_flow_maps_and_lists() {
        let text = "c:\n  securityContext: {privileged: false}\n  caps: {drop: [NET_RAW]}\n";
        let out = fixed(text, |t, d| {
            set_scalar(t, d, "/c/securityContext/readOnlyRootFilesystem", "true")
        })
        .unwrap();
        assert_eq!(
            out,
            "c:\n  securityContext: {privileged: false, readOnlyRootFilesystem: true}\n  caps: {drop: [NET_RAW]}\n"
        );
        let out = fixed(text, |t, d| ensure_item(t, d, "/c/caps/drop", "ALL")).unwrap();
        assert!(out.contains("drop: [NET_RAW, ALL]"), "{out}");
        let block = "c:\n  drop:\n  - NET_RAW\n  other: 1\n";
        let out = fixed(block, |t, d| ensure_item(t, d, "/c/drop", "ALL")).unwrap();
        assert_eq!(out, "c:\n  drop:\n  - NET_RAW\n  - ALL\n  other: 1\n");
        let missing = "c:\n  x: 1";
        let out = fixed(missing, |t, d| ensure_item(t, d, "/c/caps/drop", "ALL")).unwrap();
        assert_eq!(out, "c:\n  x: 1\n  caps:\n    drop: [ALL]\n");
    }

    #[test]
    fn refuses_aliases_and_non_maps() {
        let text = "a: &sc {privileged: true}\nb:\n  securityContext: *sc\n";
        assert!(
            fixed(text, |t, d| set_scalar(
                t,
                d,
                "/b/securityContext/privileged",
                "false"
            ))
            .is_none()
        );
        let null = "a:\n  securityContext:\n";
        assert!(
            fixed(null, |t, d| set_scalar(
                t,
                d,
                "/a/securityContext/privileged",
                "false"
            ))
            .is_none()
        );
    }

    #[test]
    fn overlapping_edits_apply_once() {
        let edits = vec![
            Edit {
                range: TextRange::empty(1),
                replacement: "x".into(),
            },
            Edit {
                range: TextRange::empty(1),
                replacement: "y".into(),
            },
        ];
        assert_eq!(apply("ab", edits), ("axb".to_string(), 1));
    }
}
