//! Builds documents from granit-parser events with an explicit stack.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::HashSet;
use std::collections::hash_map::Entry as MapSlot;

use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError, Span, StructureStyle, Tag};
use rampart_source::LineIndex;

use crate::scalar::{self, CoreTag};
use crate::{Document, Entry, Limits, Node, NodeKind, ParseError, Scalar, Stream, TextRange};

/// Maps up to this many keys check duplicates pairwise; larger ones hash.
const PAIRWISE_DUPLICATE_CHECK_MAX: usize = 16;
/// Keys longer than this are shortened in messages.
const MESSAGE_KEY_MAX_CHARS: usize = 60;

pub(crate) fn parse(text: &str, limits: &Limits) -> Stream {
    let mut builder = Builder {
        cx: Context {
            text,
            limits: *limits,
            errors: Vec::new(),
            line_index: None,
        },
        documents: Vec::new(),
        open: None,
        pending: None,
        next_index: 0,
        boundary: Some(0),
    };
    if text.len() > limits.max_bytes {
        builder.cx.errors.push(ParseError {
            range: TextRange::empty(0),
            message: format!(
                "input is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
            document: None,
        });
    } else {
        builder.run();
    }
    let mut errors = builder.cx.errors;
    errors.sort_by_key(|error| (error.range.start, error.range.end));
    Stream {
        documents: builder.documents,
        errors,
    }
}

/// Shared state that outlives a document.
struct Context<'t> {
    text: &'t str,
    limits: Limits,
    errors: Vec<ParseError>,
    line_index: Option<LineIndex>,
}

impl Context<'_> {
    fn error(&mut self, range: TextRange, message: String, document: usize) {
        self.errors.push(ParseError {
            range,
            message,
            document: Some(document),
        });
    }

    fn line_of(&mut self, offset: usize) -> usize {
        let text = self.text;
        self.line_index
            .get_or_insert_with(|| LineIndex::new(text))
            .position(text, offset)
            .line
    }
}

/// A limit was exceeded; the document is dropped.
struct Exceeded {
    range: TextRange,
    message: String,
}

enum Next {
    Continue,
    SkipDocument,
    Stop,
}

struct Builder<'t> {
    cx: Context<'t>,
    documents: Vec<Document>,
    open: Option<OpenDocument>,
    /// An implicitly ended document, kept until we know no error belongs to it.
    pending: Option<Pending>,
    next_index: usize,
    /// Where text of the next document may start; `None` after an error.
    boundary: Option<usize>,
}

struct Pending {
    document: Document,
    content_start: Option<usize>,
    comments_from: usize,
}

impl Builder<'_> {
    fn run(&mut self) {
        let nesting_limit = self.cx.limits.max_depth.saturating_add(1);
        let options = granit_parser::options! {
            emit_unresolved_aliases: true,
            emit_comments: false,
            block_scalar_eof_without_line_feed: true,
            flow_nesting_limit: nesting_limit,
            block_nesting_limit: nesting_limit,
        };
        let mut parser = Parser::new_from_str_with_options(self.cx.text, options);
        let mut last_error_at: Option<usize> = None;
        loop {
            let next = match parser.next_event() {
                None => Next::Stop,
                Some(Ok((event, span))) => {
                    last_error_at = None;
                    self.on_event(event, &span)
                }
                Some(Err(error)) => {
                    let at = error_offset(&error, self.cx.text);
                    // Recovery always moves forward; stop if it ever does not.
                    if last_error_at.is_some_and(|previous| at <= previous) {
                        Next::Stop
                    } else {
                        last_error_at = Some(at);
                        self.on_scan_error(&error);
                        Next::SkipDocument
                    }
                }
            };
            match next {
                Next::Continue => {}
                Next::Stop => break,
                Next::SkipDocument => {
                    if let Err(error) = parser.proceed_next_document() {
                        self.on_scan_error(&error);
                        break;
                    }
                }
            }
        }
        self.flush_pending(self.cx.text.len());
    }

    fn on_event(&mut self, event: Event<'_>, span: &Span) -> Next {
        let range = byte_range(span);
        let Some(doc) = self.open.as_mut() else {
            match event {
                Event::DocumentStart(..) => self.start_document(range),
                Event::StreamEnd => return Next::Stop,
                _ => {}
            }
            return Next::Continue;
        };
        let result = match event {
            Event::Scalar(value, style, anchor, tag) => {
                doc.scalar(&mut self.cx, value, style, anchor, tag.as_deref(), range)
            }
            Event::SequenceStart(style, anchor, _) => {
                doc.open_collection(&mut self.cx, false, style, anchor, range)
            }
            Event::MappingStart(style, anchor, _) => {
                doc.open_collection(&mut self.cx, true, style, anchor, range)
            }
            Event::SequenceEnd | Event::MappingEnd => doc.close_collection(&mut self.cx, range),
            Event::Alias(id) => doc.alias(&mut self.cx, id, range),
            Event::UnresolvedAlias(name) => {
                let message = format!("unknown alias `*{name}`");
                self.cx.error(range, message, doc.index);
                doc.attach(null_node(range), range.end, false, 0);
                Ok(())
            }
            Event::DocumentEnd => {
                self.end_document(range);
                Ok(())
            }
            Event::DocumentStart(..) => {
                self.start_document(range);
                Ok(())
            }
            Event::StreamEnd => return Next::Stop,
            _ => Ok(()),
        };
        match result {
            Ok(()) => Next::Continue,
            Err(exceeded) => {
                let index = self.drop_open_document();
                self.cx.error(exceeded.range, exceeded.message, index);
                Next::SkipDocument
            }
        }
    }

    fn start_document(&mut self, marker: TextRange) {
        self.flush_pending(marker.start);
        let explicit =
            !marker.is_empty() && self.cx.text.get(marker.start..marker.end) == Some("---");
        let start = match self.boundary {
            Some(boundary) => first_content_at(self.cx.text, boundary).min(marker.start),
            None => marker.start,
        };
        let comments_from = if explicit {
            marker.end
        } else {
            self.boundary.unwrap_or(marker.start)
        };
        self.open = Some(OpenDocument {
            index: self.next_index,
            start,
            comments_from,
            frames: Vec::new(),
            root: None,
            is_empty: false,
            content_end: if explicit { marker.end } else { start },
            nodes: 0,
            tree_nodes: 0,
            anchors: HashMap::new(),
        });
        self.next_index += 1;
    }

    fn end_document(&mut self, marker: TextRange) {
        let Some(doc) = self.open.take() else {
            return;
        };
        let root = doc
            .root
            .unwrap_or_else(|| null_node(TextRange::empty(doc.content_end)));
        let content_start = (!doc.is_empty).then_some(root.range.start);
        let mut document = Document {
            index: doc.index,
            range: TextRange::new(doc.start, doc.content_end.max(doc.start)),
            root,
            helm_source: None,
            is_empty: doc.is_empty,
        };
        if marker.is_empty() {
            self.boundary = Some(marker.end.max(document.range.end));
            self.pending = Some(Pending {
                document,
                content_start,
                comments_from: doc.comments_from,
            });
        } else {
            document.range.end = marker.end;
            let scan_to = content_start.unwrap_or(marker.start);
            document.helm_source = helm_source(self.cx.text, doc.comments_from, scan_to);
            self.boundary = Some(marker.end);
            self.documents.push(document);
        }
    }

    /// Completes an implicitly ended document once the next one starts at `next_start`.
    fn flush_pending(&mut self, next_start: usize) {
        let Some(Pending {
            mut document,
            content_start,
            comments_from,
        }) = self.pending.take()
        else {
            return;
        };
        let text = self.cx.text;
        let trimmed_end = text
            .get(..next_start)
            .map_or(next_start, |head| head.trim_end().len());
        document.range.end = document.range.end.max(trimmed_end);
        let scan_to = content_start.unwrap_or(document.range.end);
        document.helm_source = helm_source(text, comments_from, scan_to);
        self.boundary = self
            .boundary
            .map(|boundary| boundary.max(document.range.end));
        self.documents.push(document);
    }

    fn drop_open_document(&mut self) -> usize {
        self.boundary = None;
        if let Some(doc) = self.open.take() {
            return doc.index;
        }
        if let Some(pending) = self.pending.take() {
            return pending.document.index;
        }
        let index = self.next_index;
        self.next_index += 1;
        index
    }

    fn on_scan_error(&mut self, error: &ScanError) {
        let text = self.cx.text;
        let at = error_offset(error, text);
        let width = text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        let message = if *error.kind() == ErrorKind::RecursionLimitExceeded {
            depth_message(&self.cx.limits)
        } else {
            match error.info().trim() {
                "" => "invalid YAML".to_owned(),
                info => info.to_owned(),
            }
        };
        let index = self.drop_open_document();
        self.cx
            .error(TextRange::new(at, at + width), message, index);
    }
}

struct OpenDocument {
    index: usize,
    start: usize,
    comments_from: usize,
    frames: Vec<Frame>,
    root: Option<Node>,
    is_empty: bool,
    content_end: usize,
    /// Nodes counted against `max_nodes`, anchor copies included.
    nodes: usize,
    /// Nodes in the tree, alias expansions included.
    tree_nodes: usize,
    anchors: HashMap<usize, Anchored>,
}

struct Anchored {
    node: Node,
    nodes: usize,
    /// Collection nesting inside the node (0 for a scalar).
    height: usize,
}

struct Frame {
    kind: FrameKind,
    start: usize,
    /// Furthest source end of the content so far.
    end: usize,
    anchor: usize,
    tree_nodes_before: usize,
    /// Largest height among the children.
    child_height: usize,
    flow: bool,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<Node>,
        key_is_merge: bool,
        /// Indexes of `<<` entries.
        merges: Vec<usize>,
    },
}

impl OpenDocument {
    fn count(&mut self, cx: &Context<'_>, nodes: usize, at: TextRange) -> Result<(), Exceeded> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > cx.limits.max_nodes {
            return Err(Exceeded {
                range: at,
                message: format!(
                    "document has more than {} nodes (aliases expanded)",
                    cx.limits.max_nodes
                ),
            });
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        cx: &mut Context<'_>,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: TextRange,
    ) -> Result<(), Exceeded> {
        self.count(cx, 1, span)?;
        self.tree_nodes += 1;
        let plain = style == ScalarStyle::Plain;
        let range = match style {
            ScalarStyle::Literal | ScalarStyle::Folded => trim_block_scalar(cx.text, span),
            _ => span,
        };
        if self.frames.is_empty() && plain && span.is_empty() && tag.is_none() && anchor == 0 {
            self.is_empty = true;
        }
        let is_merge_key = plain && tag.is_none() && value == "<<";
        let core_tag = tag
            .and_then(Tag::core_suffix)
            .and_then(CoreTag::from_suffix);
        let scalar = match core_tag {
            Some(core_tag) => match scalar::resolve_tagged(value, core_tag) {
                Ok(scalar) => scalar,
                Err(text) => {
                    let message =
                        format!("`{}` is not a valid {}", shorten(&text), core_tag.name());
                    cx.error(range, message, self.index);
                    Scalar::Str(text.into_owned())
                }
            },
            None if plain => scalar::resolve_plain(value),
            None => Scalar::Str(value.into_owned()),
        };
        let node = Node {
            kind: NodeKind::Scalar(scalar),
            range,
        };
        if anchor != 0 {
            self.remember_anchor(cx, anchor, &node, 1, 0)?;
        }
        self.attach(node, range.end, is_merge_key, 0);
        Ok(())
    }

    fn open_collection(
        &mut self,
        cx: &mut Context<'_>,
        is_map: bool,
        style: StructureStyle,
        anchor: usize,
        span: TextRange,
    ) -> Result<(), Exceeded> {
        if self.frames.len() >= cx.limits.max_depth {
            return Err(Exceeded {
                range: span,
                message: depth_message(&cx.limits),
            });
        }
        self.count(cx, 1, span)?;
        let tree_nodes_before = self.tree_nodes;
        self.tree_nodes += 1;
        let flow = style == StructureStyle::Flow;
        let start = if !flow && !is_map {
            block_sequence_start(cx.text, span.start)
        } else {
            span.start
        };
        let kind = if is_map {
            FrameKind::Map {
                entries: Vec::new(),
                key: None,
                key_is_merge: false,
                merges: Vec::new(),
            }
        } else {
            FrameKind::Seq(Vec::new())
        };
        self.frames.push(Frame {
            kind,
            start,
            end: span.end.max(start),
            anchor,
            tree_nodes_before,
            child_height: 0,
            flow,
        });
        Ok(())
    }

    fn close_collection(&mut self, cx: &mut Context<'_>, span: TextRange) -> Result<(), Exceeded> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let end = if frame.flow && !span.is_empty() {
            span.end
        } else {
            frame.end
        };
        let range = TextRange::new(frame.start, end.max(frame.start));
        let kind = match frame.kind {
            FrameKind::Seq(items) => NodeKind::Seq(items),
            FrameKind::Map {
                mut entries,
                key,
                merges,
                ..
            } => {
                if let Some(key) = key {
                    let value = null_node(TextRange::empty(key.range.end));
                    entries.push(Entry { key, value });
                }
                report_duplicates(cx, self.index, &entries, &merges);
                if !merges.is_empty() {
                    entries = apply_merges(cx, self.index, entries, &merges);
                }
                NodeKind::Map(entries)
            }
        };
        let node = Node { kind, range };
        let height = frame.child_height + 1;
        if frame.anchor != 0 {
            let nodes = self.tree_nodes - frame.tree_nodes_before;
            self.remember_anchor(cx, frame.anchor, &node, nodes, height)?;
        }
        self.attach(node, range.end, false, height);
        Ok(())
    }

    fn alias(&mut self, cx: &mut Context<'_>, id: usize, span: TextRange) -> Result<(), Exceeded> {
        let Some(anchored) = self.anchors.get(&id) else {
            cx.error(
                span,
                "alias refers to a node that contains it (recursive alias)".to_owned(),
                self.index,
            );
            self.attach(null_node(span), span.end, false, 0);
            return Ok(());
        };
        let (nodes, height) = (anchored.nodes, anchored.height);
        // Copies must not nest deeper than the limit either (recursion stays bounded).
        if self.frames.len().saturating_add(height) > cx.limits.max_depth {
            return Err(Exceeded {
                range: span,
                message: depth_message(&cx.limits),
            });
        }
        self.count(cx, nodes, span)?;
        self.tree_nodes = self.tree_nodes.saturating_add(nodes);
        // The copy keeps its anchor's inner ranges, but the alias node itself
        // is at the alias, so a location inside the copy resolves to here.
        let node = self.anchors.get(&id).map_or_else(
            || null_node(span),
            |a| Node {
                range: span,
                ..a.node.clone()
            },
        );
        self.attach(node, span.end, false, height);
        Ok(())
    }

    fn remember_anchor(
        &mut self,
        cx: &Context<'_>,
        anchor: usize,
        node: &Node,
        nodes: usize,
        height: usize,
    ) -> Result<(), Exceeded> {
        self.count(cx, nodes, node.range)?;
        self.anchors.insert(
            anchor,
            Anchored {
                node: node.clone(),
                nodes,
                height,
            },
        );
        Ok(())
    }

    fn attach(&mut self, node: Node, source_end: usize, is_merge_key: bool, height: usize) {
        let Some(frame) = self.frames.last_mut() else {
            self.content_end = self.content_end.max(source_end);
            self.root = Some(node);
            return;
        };
        frame.end = frame.end.max(source_end);
        frame.child_height = frame.child_height.max(height);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                entries,
                key,
                key_is_merge,
                merges,
            } => match key.take() {
                None => {
                    *key = Some(node);
                    *key_is_merge = is_merge_key;
                }
                Some(key) => {
                    if *key_is_merge {
                        merges.push(entries.len());
                    }
                    entries.push(Entry { key, value: node });
                }
            },
        }
    }
}

fn report_duplicates(cx: &mut Context<'_>, document: usize, entries: &[Entry], merges: &[usize]) {
    let is_merge = |i: usize| merges.binary_search(&i).is_ok();
    let report = |cx: &mut Context<'_>, duplicate: &Entry, first: &Entry| {
        let line = cx.line_of(first.key.range.start);
        let message = format!(
            "duplicate key `{}`, first defined at line {line}",
            shorten(&duplicate.key.key_text())
        );
        cx.error(duplicate.key.range, message, document);
    };
    if entries.len() <= PAIRWISE_DUPLICATE_CHECK_MAX {
        for (i, entry) in entries.iter().enumerate() {
            if is_merge(i) {
                continue;
            }
            let first = entries[..i]
                .iter()
                .enumerate()
                .find(|&(j, other)| !is_merge(j) && same_key(&other.key, &entry.key));
            if let Some((_, first)) = first {
                report(cx, entry, first);
            }
        }
        return;
    }
    let mut seen: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        if is_merge(i) {
            continue;
        }
        match seen.entry(entry.key.key_text()) {
            MapSlot::Occupied(slot) => report(cx, entry, &entries[*slot.get()]),
            MapSlot::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
}

fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar(Scalar::Str(a)), NodeKind::Scalar(Scalar::Str(b))) => a == b,
        _ => a.key_text() == b.key_text(),
    }
}

/// YAML merge keys: explicit keys win over merged ones, earlier merged maps
/// over later ones. Merged entries take the place of the `<<` entry.
fn apply_merges(
    cx: &mut Context<'_>,
    document: usize,
    entries: Vec<Entry>,
    merges: &[usize],
) -> Vec<Entry> {
    let mut seen: HashSet<String> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| merges.binary_search(i).is_err())
        .map(|(_, entry)| entry.key.key_text().into_owned())
        .collect();
    let mut merged = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        if merges.binary_search(&i).is_err() {
            merged.push(entry);
            continue;
        }
        let Entry { key, value } = entry;
        match value.kind {
            NodeKind::Map(source) => merge_from(source, &mut seen, &mut merged),
            NodeKind::Seq(items) if items.iter().all(|item| item.as_map().is_some()) => {
                for item in items {
                    if let NodeKind::Map(source) = item.kind {
                        merge_from(source, &mut seen, &mut merged);
                    }
                }
            }
            kind => {
                let message = "merge key `<<` needs a mapping or a sequence of mappings".to_owned();
                cx.error(value.range, message, document);
                merged.push(Entry {
                    key,
                    value: Node {
                        kind,
                        range: value.range,
                    },
                });
            }
        }
    }
    merged
}

fn merge_from(source: Vec<Entry>, seen: &mut HashSet<String>, merged: &mut Vec<Entry>) {
    let from = merged.len();
    // Reverse so the last of duplicate keys within `source` wins.
    for entry in source.into_iter().rev() {
        if seen.insert(entry.key.key_text().into_owned()) {
            merged.push(entry);
        }
    }
    merged[from..].reverse();
}

fn depth_message(limits: &Limits) -> String {
    format!("document nests deeper than {} levels", limits.max_depth)
}

fn null_node(range: TextRange) -> Node {
    Node {
        kind: NodeKind::Scalar(Scalar::Null),
        range,
    }
}

fn byte_range(span: &Span) -> TextRange {
    let start = span.start.byte_offset().unwrap_or_default();
    let end = span.end.byte_offset().unwrap_or(start);
    TextRange::new(start, end.max(start))
}

fn error_offset(error: &ScanError, text: &str) -> usize {
    error
        .marker()
        .byte_offset()
        .unwrap_or(text.len())
        .min(text.len())
}

/// Block scalar spans include trailing line breaks; end at the last content character.
fn trim_block_scalar(text: &str, span: TextRange) -> TextRange {
    match text.get(span.start..span.end) {
        Some(source) => TextRange::new(span.start, span.start + source.trim_end().len()),
        None => span,
    }
}

/// Moves a block sequence's start back from its first item to the `-`.
fn block_sequence_start(text: &str, start: usize) -> usize {
    let head = text.as_bytes().get(..start).unwrap_or_default();
    let blanks = head
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match head.len().checked_sub(blanks + 1) {
        Some(dash) if head[dash] == b'-' => dash,
        _ => start,
    }
}

/// First byte at or after `from` that is not whitespace or a byte order mark.
fn first_content_at(text: &str, from: usize) -> usize {
    let Some(rest) = text.get(from..) else {
        return from;
    };
    let skipped = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .len();
    from + skipped
}

/// The path in a Helm `# Source: path` comment among the comment lines in `text[from..to]`.
fn helm_source(text: &str, from: usize, to: usize) -> Option<String> {
    let region = text.get(from..to.max(from))?;
    for line in region.lines() {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() || line.starts_with('%') || line.starts_with("---") {
            continue;
        }
        let comment = line.strip_prefix('#')?;
        if let Some(path) = comment.trim_start().strip_prefix("Source:") {
            let path = path.trim();
            if !path.is_empty() {
                return Some(path.to_owned());
            }
        }
    }
    None
}

fn shorten(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MESSAGE_KEY_MAX_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}
