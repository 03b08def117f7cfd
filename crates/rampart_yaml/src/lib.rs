//! YAML and JSON streams to a positioned tree: every key and value keeps its
//! byte range in the source.
//!
//! [`parse_stream`] never panics. Scalars resolve like kubectl's YAML loader
//! (go-yaml v2): `yes`/`on`/`off` are booleans and `0644` is octal.
//! Decimal integers that overflow `i64` become floats; overflowing hex, octal
//! or binary integers stay strings.
//!
//! A document with a syntax error or over a [`Limits`] bound is dropped (not
//! returned partially); its `index` is still used up, so later documents keep
//! their stream positions. Anchors, aliases and merge keys (`<<`) are expanded.

mod build;
mod json_stream;
mod node;
mod scalar;

pub use node::Located;
pub use rampart_source::TextRange;

/// Resource bounds for one parse. Recursion in this crate (drop, clone,
/// `to_json`) is bounded by `max_depth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of collections in a document.
    pub max_depth: usize,
    /// Maximum nodes per document, alias expansions and anchor copies included.
    pub max_nodes: usize,
    /// Maximum input size; larger input is rejected without parsing.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_nodes: 5_000_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// A resolved scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are kept (the last one wins on lookup).
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// The value's own source range; an alias copy keeps its anchor's ranges.
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position in the stream, counting empty and dropped documents.
    pub index: usize,
    /// `Null` for an empty document.
    pub root: Node,
    /// The whole document text, leading comments and markers included.
    pub range: TextRange,
    /// Path from a Helm `# Source: path` comment before the content.
    pub helm_source: Option<String>,
    /// No content (only markers and comments).
    pub is_empty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub range: TextRange,
    pub message: String,
    /// Index of the document the error belongs to, when known.
    pub document: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stream {
    pub documents: Vec<Document>,
    /// Sorted by position.
    pub errors: Vec<ParseError>,
}

/// Parses a YAML (or JSON) stream of documents. Never panics.
///
/// Concatenated JSON values (`{...}\n{...}`, as `kubectl` accepts and JSON
/// Lines files hold) are a stream of documents too, one per value.
pub fn parse_stream(text: &str, limits: &Limits) -> Stream {
    match json_stream::split(text) {
        Some(values) if values.len() > 1 && text.len() <= limits.max_bytes => {
            let mut stream = Stream::default();
            for (index, range) in values.into_iter().enumerate() {
                let part = build::parse(&text[range.start..range.end], limits);
                for mut document in part.documents {
                    json_stream::shift_document(&mut document, range.start, index);
                    stream.documents.push(document);
                }
                stream
                    .errors
                    .extend(part.errors.into_iter().map(|mut error| {
                        error.range = TextRange::new(
                            error.range.start + range.start,
                            error.range.end + range.start,
                        );
                        error.document = Some(index);
                        error
                    }));
            }
            stream
        }
        _ => build::parse(text, limits),
    }
}
