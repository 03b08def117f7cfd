//! Source text, byte ranges and 1-based line/column positions.
//!
//! Columns count Unicode scalar values (characters), not bytes, so that a
//! position printed as `file:line:col` matches what editors show.

use std::sync::Arc;

use serde::Serialize;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets to line/column positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    ascii_only: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Self {
            line_starts,
            ascii_only: text.is_ascii(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// The position of `offset` in `text`; offsets past the end clamp to the end.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts[line_idx];
        let column = if self.ascii_only {
            offset - start + 1
        } else {
            text[start..offset].chars().count() + 1
        };
        Position {
            line: line_idx + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and character column, clamped to the line.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(start) = self.line_start(position.line) else {
            return text.len();
        };
        let line_end = self
            .line_start(position.line + 1)
            .unwrap_or(text.len())
            .min(text.len());
        let line = &text[start..line_end];
        let skip = position.column.saturating_sub(1);
        match line.char_indices().nth(skip) {
            Some((i, _)) => start + i,
            None => line_end,
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where a source text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// A file (or standard input): lines and columns mean something to the user.
    #[default]
    File,
    /// An object read from a live cluster's API and rendered as text for the
    /// checker: its lines and columns mean nothing to the user, the object
    /// and the JSON pointer locate a finding.
    Cluster,
}

/// A named source text with its line index, shared cheaply between diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    inner: Arc<SourceFileInner>,
}

#[derive(Debug)]
struct SourceFileInner {
    name: String,
    text: String,
    index: LineIndex,
    origin: Origin,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self::with_origin(name, text, Origin::File)
    }

    /// A source of the given origin ([`Origin::Cluster`] for live objects).
    pub fn with_origin(name: impl Into<String>, text: impl Into<String>, origin: Origin) -> Self {
        let text = text.into();
        let index = LineIndex::new(&text);
        Self {
            inner: Arc::new(SourceFileInner {
                name: name.into(),
                text,
                index,
                origin,
            }),
        }
    }

    pub fn origin(&self) -> Origin {
        self.inner.origin
    }

    /// Whether the text is a rendering of a live cluster object.
    pub fn is_cluster(&self) -> bool {
        self.inner.origin == Origin::Cluster
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn text(&self) -> &str {
        &self.inner.text
    }

    pub fn index(&self) -> &LineIndex {
        &self.inner.index
    }

    pub fn position(&self, offset: usize) -> Position {
        self.inner.index.position(&self.inner.text, offset)
    }

    pub fn offset(&self, position: Position) -> usize {
        self.inner.index.offset(&self.inner.text, position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "a: démo\nb: x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position { line: 2, column: 4 });
        let after = text.find("\nb").unwrap();
        assert_eq!(index.position(text, after), Position { line: 1, column: 8 });
    }

    #[test]
    fn offset_round_trips() {
        let text = "k: 日本\nv: [1, 2]\n";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            let pos = index.position(text, offset);
            assert_eq!(index.offset(text, pos), offset);
        }
    }

    #[test]
    fn clamps_out_of_range_offsets() {
        let text = "ab";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 99), Position { line: 1, column: 3 });
    }
}
