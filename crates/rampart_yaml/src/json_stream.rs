//! Streams of concatenated JSON values, split into one document per value.

use crate::{Document, Node, NodeKind, TextRange};

/// Byte ranges of the top-level JSON values of `text`, when it is a stream of
/// JSON objects or arrays separated by whitespace; `None` for anything else
/// (which is then parsed as YAML).
pub(crate) fn split(text: &str) -> Option<Vec<TextRange>> {
    let bytes = text.as_bytes();
    let mut values = Vec::new();
    let mut i = skip_whitespace(bytes, 0);
    while i < bytes.len() {
        if !matches!(bytes[i], b'{' | b'[') {
            return None;
        }
        let start = i;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        while i < bytes.len() {
            let byte = bytes[i];
            i += 1;
            if in_string {
                match (escaped, byte) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        values.push(TextRange::new(start, i));
        i = skip_whitespace(bytes, i);
    }
    Some(values)
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// Moves a document parsed from a slice to its place in the whole text.
pub(crate) fn shift_document(document: &mut Document, offset: usize, index: usize) {
    document.index = index;
    document.range = shift(document.range, offset);
    let mut stack: Vec<&mut Node> = vec![&mut document.root];
    while let Some(node) = stack.pop() {
        node.range = shift(node.range, offset);
        match &mut node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => stack.extend(items.iter_mut()),
            NodeKind::Map(entries) => {
                for entry in entries.iter_mut() {
                    stack.push(&mut entry.key);
                    stack.push(&mut entry.value);
                }
            }
        }
    }
}

fn shift(range: TextRange, offset: usize) -> TextRange {
    TextRange::new(range.start + offset, range.end + offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, parse_stream};

    #[test]
    fn splits_concatenated_values() {
        let text = "{\"a\": \"}{\"}\n{\"b\": [1, {\"c\": 2}]}\n\n[3]\n";
        let values = split(text).unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(
            &text[values[1].start..values[1].end],
            "{\"b\": [1, {\"c\": 2}]}"
        );
        assert!(split("a: 1\n").is_none());
        assert!(split("{\"a\": 1}\nb: 2\n").is_none());
    }

    #[test]
    fn json_lines_become_documents_with_positions() {
        let text = "{\"kind\": \"A\"}\n{\"kind\": \"B\", \"x\": [1,\n 2]}\n";
        let stream = parse_stream(text, &Limits::default());
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        assert_eq!(stream.documents.len(), 2);
        let b = &stream.documents[1];
        assert_eq!(b.index, 1);
        let kind = b.root.get("kind").unwrap();
        assert_eq!(&text[kind.range.start..kind.range.end], "\"B\"");
        assert_eq!(b.locate("/x/1").value.start, text.rfind('2').unwrap());
    }

    #[test]
    fn errors_in_one_value_keep_the_others() {
        let text = "{\"a\": 1}\n{\"b\" 1 2}\n{\"c\": 3}\n";
        let stream = parse_stream(text, &Limits::default());
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.errors.len(), 1);
        assert!(stream.errors[0].range.start > text.find('b').unwrap());
    }
}
