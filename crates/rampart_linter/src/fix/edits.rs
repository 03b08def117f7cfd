//! Minimal text edits on a YAML document: set a scalar at a JSON pointer
//! (inserting missing keys with the surrounding indentation and style), add
//! an item to a list, or remove a list item or a mapping entry. Comments, order, quoting and indentation elsewhere
//! are untouched. Values reached through an alias or merge key are never
//! edited: that would change every other user of the anchor.

use rampart_source::TextRange;
use rampart_yaml::{Document, Limits, Node, NodeKind, parse_stream};

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

/// Edits that remove the sequence item at `pointer` (`.../volumeMounts/2`).
///
/// Block style: the item's lines go, from its `-` to the end of its last
/// line (a trailing comment there goes too). Own-line comments directly
/// above the item go with it when they start at the item's column, with no
/// blank line in between, and do not look like commented-out YAML (`# - x`,
/// `# key: v`); the upward scan stops at the first line that fails one of
/// these, so a commented-out item before this one, a comment above a
/// blank line and comments at the top level of the document (licence
/// headers, Helm `# Source:`) are kept. Comments after the item, such as
/// commented-out items, belong to what follows and are kept.
///
/// When the item is the list's only one, the list becomes `[]` after its
/// key (`volumeMounts: []`), also for `key:\n- item` (kubectl) layout.
/// Flow style drops the item and one neighbouring comma (`[a, c]`, `[]`).
///
/// Edits from several calls on the same text combine with [`apply`], with
/// three limits: removing every item of a block list in one batch leaves
/// the key holding null (each call sees the other items), removing the last
/// two or more items of a flow list in one batch leaves a trailing comma
/// (`[a, ]`, valid YAML but not JSON), and removing the first item of a
/// list or map written on its parent's `-` line (`- - a`, `- name: x`)
/// together with the next one applies only the first removal (run again).
///
/// `None` when the item does not exist, is reached through an alias or
/// merge key, or the layout cannot be edited safely; every result is
/// re-parsed and checked to equal the document minus that item.
pub fn remove_item(text: &str, document: &Document, pointer: &str) -> Option<Vec<Edit>> {
    remove(text, document, pointer, false)
}

/// Edits that remove the mapping entry at `pointer` (`.../hostIPC`), with
/// its whole value when that is a block. Same layout rules, comment rule and
/// batch limits as [`remove_item`]; the only entry of a block mapping leaves
/// `{}` behind (`securityContext: {}`), the first entry of a mapping item
/// (`- name: x`) pulls the next entry up onto the `-` line.
pub fn remove_key(text: &str, document: &Document, pointer: &str) -> Option<Vec<Edit>> {
    remove(text, document, pointer, true)
}

fn remove(text: &str, document: &Document, pointer: &str, key: bool) -> Option<Vec<Edit>> {
    let tokens = tokens(pointer)?;
    let (last, parent_tokens) = tokens.split_last()?;
    let nodes = path(&document.root, parent_tokens)?;
    let parent = *nodes.last()?;
    let (index, _) = child(parent, last)?;
    // Each sibling as (start, end): from its `-` or key to its content's end.
    let flow = matches!(text.as_bytes().get(parent.range.start), Some(b'[' | b'{'));
    let spans: Vec<(usize, usize)> = match (&parent.kind, key) {
        (NodeKind::Seq(items), false) => items
            .iter()
            .map(|item| {
                let start = if flow {
                    item.range.start
                } else {
                    item_dash(text, item)?
                };
                Some((start, item.range.end))
            })
            .collect::<Option<_>>()?,
        (NodeKind::Map(entries), true) => entries
            .iter()
            .map(|e| (e.key.range.start, entry_end(text, &e.key, &e.value)))
            .collect(),
        _ => return None,
    };
    let empty = if key { "{}" } else { "[]" };
    let edits = if flow {
        flow_removal(text, parent.range, &spans, index)?
    } else {
        let owner = || owner_of(text, &nodes);
        block_removal(text, &spans, index, owner, empty, nodes.len() == 1)?
    };
    verified(text, document, &tokens, edits)
}

/// Where a block collection hangs: after its key's `:` or its item's `-`.
enum Owner {
    Root,
    /// Offset just past the `:` or `-`.
    After(usize),
}

/// The owner of the last node in `nodes` (a path from the root).
fn owner_of(text: &str, nodes: &[&Node]) -> Option<Owner> {
    let [.., grandparent, parent] = nodes else {
        return Some(Owner::Root);
    };
    let at = match &grandparent.kind {
        NodeKind::Map(entries) => {
            let entry = entries.iter().find(|e| std::ptr::eq(&e.value, *parent))?;
            let colon = skip_blanks(text, entry.key.range.end);
            (text.as_bytes().get(colon) == Some(&b':')).then_some(colon)?
        }
        NodeKind::Seq(items) => {
            let item = items.iter().find(|i| std::ptr::eq(*i, *parent))?;
            item_dash(text, item)?
        }
        NodeKind::Scalar(_) => return None,
    };
    Some(Owner::After(at + 1))
}

/// Removal of element `index` of a block collection.
fn block_removal(
    text: &str,
    spans: &[(usize, usize)],
    index: usize,
    owner: impl FnOnce() -> Option<Owner>,
    empty: &str,
    top_level: bool,
) -> Option<Vec<Edit>> {
    let (start, end) = *spans.get(index)?;
    if !rest_is_comment(text, end) {
        return None;
    }
    let line = line_start(text, start);
    let eol = end_of_line(text, end);
    let prefix = text.get(line..start)?;
    let only = spans.len() == 1;
    let edit = |range: TextRange, replacement: &str| Edit {
        range,
        replacement: replacement.to_string(),
    };
    if is_blank(prefix) {
        if only {
            return match owner()? {
                Owner::Root => Some(vec![edit(TextRange::new(start, end), empty)]),
                Owner::After(at) if at <= line && rest_is_comment(text, at) => Some(vec![
                    edit(TextRange::empty(at), &format!(" {empty}")),
                    edit(TextRange::new(line, eol), ""),
                ]),
                Owner::After(_) => None,
            };
        }
        let from = if top_level {
            line
        } else {
            let floor = match index.checked_sub(1) {
                Some(previous) => end_of_line(text, spans.get(previous)?.1),
                None => 0,
            };
            comments_above(text, line, start - line, floor)
        };
        return Some(vec![edit(TextRange::new(from, eol), "")]);
    }
    // The element shares its line with its parent's `-` (`- name: x`).
    if index != 0 || !is_dash_prefix(prefix) {
        return None;
    }
    if only {
        return Some(vec![edit(TextRange::new(start, end), empty)]);
    }
    let (next, _) = *spans.get(1)?;
    let next_line = line_start(text, next);
    if next_line >= eol && is_blank(text.get(line_start(text, next)..next)?) {
        if text
            .get(eol..next_line)
            .is_some_and(|gap| gap.trim().is_empty())
        {
            // Pull the next sibling up onto the `-` line.
            return Some(vec![edit(TextRange::new(start, next), "")]);
        }
        // Comments in between: leave the `-` alone on its line.
        let cut = line + prefix.trim_end().len();
        let content_end = eol - newline_len(text, eol);
        return Some(vec![edit(TextRange::new(cut, content_end), "")]);
    }
    None
}

/// Removal of element `index` of a flow collection spanning `range`: the
/// element, then the separator after it (before it for the last one), as
/// separate edits so that neighbours removed in the same batch share one.
fn flow_removal(
    text: &str,
    range: TextRange,
    spans: &[(usize, usize)],
    index: usize,
) -> Option<Vec<Edit>> {
    let (start, end) = *spans.get(index)?;
    let remove = |start: usize, end: usize| Edit {
        range: TextRange::new(start, end),
        replacement: String::new(),
    };
    if spans.len() == 1 {
        let close = range.end.checked_sub(1)?;
        if !matches!(text.as_bytes().get(close), Some(b']' | b'}')) {
            return None;
        }
        return Some(vec![remove(range.start + 1, close)]);
    }
    let separator = match (spans.get(index + 1), index.checked_sub(1)) {
        (Some(&(next, _)), _) => remove(end, next),
        (None, Some(previous)) => remove(spans.get(previous)?.1, start),
        (None, None) => return None,
    };
    if !text
        .get(separator.range.start..separator.range.end)?
        .contains(',')
    {
        return None;
    }
    Some(vec![remove(start, end), separator])
}

/// Re-parses the edited document and keeps `edits` only if the result is
/// the original minus the node at `tokens`.
fn verified(
    text: &str,
    document: &Document,
    tokens: &[String],
    edits: Vec<Edit>,
) -> Option<Vec<Edit>> {
    let mut expected = document.root.to_json();
    remove_json(&mut expected, tokens)?;
    let start = document.range.start;
    let end = edits
        .iter()
        .map(|e| e.range.end)
        .fold(document.range.end, usize::max);
    // The blank lines after the document belong to a final block scalar.
    let end = text
        .get(end..)
        .map_or(end, |rest| end + rest.len() - rest.trim_start().len());
    if end > text.len() || edits.iter().any(|e| e.range.start < start) {
        return None;
    }
    let shifted = edits
        .iter()
        .map(|e| Edit {
            range: TextRange::new(e.range.start - start, e.range.end - start),
            replacement: e.replacement.clone(),
        })
        .collect();
    let (edited, applied) = apply(text.get(start..end)?, shifted);
    if applied != edits.len() {
        return None;
    }
    let stream = parse_stream(&edited, &Limits::default());
    let mut documents = stream.documents.iter().filter(|d| !d.is_empty);
    let (Some(only), None) = (documents.next(), documents.next()) else {
        return None;
    };
    (stream.errors.is_empty() && only.root.to_json() == expected).then_some(edits)
}

/// Removes the value at `tokens` from `value`; `None` if it is not there.
fn remove_json(value: &mut serde_json::Value, tokens: &[String]) -> Option<()> {
    let (last, parents) = tokens.split_last()?;
    let mut node = value;
    for token in parents {
        node = match node {
            serde_json::Value::Object(map) => map.get_mut(token.as_str())?,
            serde_json::Value::Array(items) => items.get_mut(array_index(token)?)?,
            _ => return None,
        };
    }
    match node {
        serde_json::Value::Object(map) => map.remove(last.as_str()).map(drop),
        serde_json::Value::Array(items) => {
            let index = array_index(last)?;
            (index < items.len()).then(|| drop(items.remove(index)))
        }
        _ => None,
    }
}

/// The nodes from the root to the end of `tokens`; `None` if a step is
/// missing or crosses an alias or merge key (a child outside its parent).
fn path<'a>(root: &'a Node, tokens: &[String]) -> Option<Vec<&'a Node>> {
    let mut nodes = vec![root];
    let mut node = root;
    for token in tokens {
        let (_, next) = child(node, token)?;
        nodes.push(next);
        node = next;
    }
    Some(nodes)
}

/// The child of `node` for one pointer token, with its index. `None` when
/// missing or outside `node`'s text (an alias or merge copy).
fn child<'a>(node: &'a Node, token: &str) -> Option<(usize, &'a Node)> {
    let within = |r: TextRange| r.start >= node.range.start && r.end <= node.range.end;
    match &node.kind {
        NodeKind::Map(entries) => {
            let index = entries.iter().rposition(|e| match e.key.as_str() {
                Some(key) => key == token,
                None => e.key.key_text() == token,
            })?;
            let entry = entries.get(index)?;
            (within(entry.key.range) && within(entry.value.range)).then_some((index, &entry.value))
        }
        NodeKind::Seq(items) => {
            let index = array_index(token)?;
            let item = items.get(index)?;
            within(item.range).then_some((index, item))
        }
        NodeKind::Scalar(_) => None,
    }
}

/// An array index token: digits without leading zeros.
fn array_index(token: &str) -> Option<usize> {
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if valid { token.parse().ok() } else { None }
}

/// Where a map entry's text ends: its value, or the `:` when that is empty.
fn entry_end(text: &str, key: &Node, value: &Node) -> usize {
    if value.range.is_empty() {
        let colon = skip_blanks(text, key.range.end);
        if text.as_bytes().get(colon) == Some(&b':') {
            return colon + 1;
        }
        return key.range.end;
    }
    key.range.end.max(value.range.end)
}

/// The `-` that introduces the block sequence item `item`.
fn item_dash(text: &str, item: &Node) -> Option<usize> {
    let start = item.range.start;
    if let NodeKind::Seq(inner) = &item.kind
        && text.as_bytes().get(start) == Some(&b'-')
    {
        // A nested block sequence on its parent's `-` line (`- - a`) has
        // its range start at that outer `-`.
        if item_dash(text, inner.first()?)? > start {
            return Some(start);
        }
    }
    let line = line_start(text, start);
    let mut head = text.get(line..start)?.trim_end_matches([' ', '\t']);
    while !head.is_empty() {
        if let Some(rest) = head.strip_suffix('-') {
            return (rest.is_empty() || rest.ends_with([' ', '\t'])).then_some(line + rest.len());
        }
        // Skip an anchor or tag between the `-` and the content.
        let cut = head.rfind([' ', '\t']).map_or(0, |i| i + 1);
        if !is_property(&head[cut..]) {
            return None;
        }
        head = head[..cut].trim_end_matches([' ', '\t']);
    }
    // The content starts its own line: the `-` is on an earlier one, alone
    // but for properties, a block scalar header (`- |`) and a comment.
    let mut end = line;
    while end > 0 {
        let previous = line_start(text, end - 1);
        let content = text.get(previous..end)?;
        let words = content.trim();
        if words.is_empty() || words.starts_with('#') {
            end = previous;
            continue;
        }
        let mut words = words.split_whitespace();
        if words.next() != Some("-") {
            return None;
        }
        let properties = words.take_while(|w| !w.starts_with('#'));
        if properties
            .into_iter()
            .any(|w| !is_property(w) && !is_block_header(w))
        {
            return None;
        }
        return Some(previous + content.len() - content.trim_start().len());
    }
    None
}

/// An anchor or a tag.
fn is_property(word: &str) -> bool {
    word.starts_with(['&', '!'])
}

/// A block scalar header: `|`, `>-`, `|2+` and the like.
fn is_block_header(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| c == '+' || c == '-' || c.is_ascii_digit())
}

/// Extends a removal starting at `line` upwards over the comment lines that
/// belong to the element at `column` (see [`remove_item`]), not above `floor`.
fn comments_above(text: &str, line: usize, column: usize, floor: usize) -> usize {
    let mut from = line;
    while from > floor {
        let previous = line_start(text, from - 1);
        let Some(content) = text.get(previous..from) else {
            break;
        };
        let comment = content.trim_start_matches([' ', '\t']);
        let indent = content.len() - comment.len();
        if previous < floor
            || indent != column
            || !comment.starts_with('#')
            || looks_like_yaml(comment.trim_end())
        {
            break;
        }
        from = previous;
    }
    from
}

/// Whether a comment reads as commented-out YAML (`# - name: x`, `#  key: v`).
fn looks_like_yaml(comment: &str) -> bool {
    let body = comment.trim_start_matches('#').trim_start();
    if body == "-" || body.starts_with("- ") || body.starts_with("-\t") {
        return true;
    }
    let Some((key, rest)) = body.split_once(':') else {
        return false;
    };
    let key = key.trim_matches(['"', '\'']);
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./".contains(&b))
        && (rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Whether `prefix` is one or more `-` indicators (with properties) before
/// an element on its parent item's line.
fn is_dash_prefix(prefix: &str) -> bool {
    let mut words = prefix.split_whitespace().peekable();
    words.peek() == Some(&"-") && words.all(|w| w == "-" || is_property(w))
}

/// Whether only blanks or a comment follow `offset` on its line.
fn rest_is_comment(text: &str, offset: usize) -> bool {
    let end = end_of_line(text, offset);
    text.get(offset..end)
        .map(str::trim)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('#'))
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b == b' ' || b == b'\t')
}

fn skip_blanks(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    offset + rest.len() - rest.trim_start_matches([' ', '\t']).len()
}

/// Offset of the start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|head| head.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Length of the line break just before `eol` (an [`end_of_line`] result).
fn newline_len(text: &str, eol: usize) -> usize {
    let head = text.get(..eol).unwrap_or("");
    if head.ends_with("\r\n") {
        2
    } else {
        usize::from(head.ends_with('\n'))
    }
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

    /// Removes `pointers` (items or keys, by the parent's kind) from document
    /// `index` in one batch and checks the key property: the output parses
    /// without errors and its JSON is the input's minus those nodes.
    fn removed_in(text: &str, index: usize, pointers: &[&str]) -> String {
        let stream = parse_stream(text, &Limits::default());
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let document = stream.documents.iter().find(|d| d.index == index).unwrap();
        let mut edits = Vec::new();
        for pointer in pointers {
            let found = removal(text, document, pointer);
            edits.extend(found.unwrap_or_else(|| panic!("refused {pointer}")));
        }
        let (out, _) = apply(text, edits);
        let mut expected = document.root.to_json();
        let mut sorted: Vec<&str> = pointers.to_vec();
        // Later items first, so earlier removals do not shift their indexes.
        sorted.sort_by_key(|p| {
            std::cmp::Reverse(
                p.split('/')
                    .map(|t| t.parse::<usize>().map_err(|_| t.to_string()))
                    .collect::<Vec<_>>(),
            )
        });
        for pointer in sorted {
            let (parent, last) = pointer.rsplit_once('/').unwrap();
            match expected.pointer_mut(parent).unwrap() {
                serde_json::Value::Object(map) => {
                    map.remove(last).unwrap();
                }
                serde_json::Value::Array(items) => {
                    items.remove(last.parse().unwrap());
                }
                other => panic!("{other}"),
            }
        }
        let reparsed = parse_stream(&out, &Limits::default());
        assert!(reparsed.errors.is_empty(), "{:?}\n{out}", reparsed.errors);
        let after = reparsed
            .documents
            .iter()
            .find(|d| d.index == index)
            .unwrap();
        assert_eq!(after.root.to_json(), expected, "\n{out}");
        out
    }

    fn removed(text: &str, pointers: &[&str]) -> String {
        removed_in(text, 0, pointers)
    }

    /// `remove_item` under a list, `remove_key` under a map.
    fn removal(text: &str, document: &Document, pointer: &str) -> Option<Vec<Edit>> {
        let (parent, _) = pointer.rsplit_once('/')?;
        match document.root.pointer(parent)?.kind {
            NodeKind::Seq(_) => remove_item(text, document, pointer),
            _ => remove_key(text, document, pointer),
        }
    }

    fn refused(text: &str, pointer: &str) -> bool {
        let stream = parse_stream(text, &Limits::default());
        let document = &stream.documents[0];
        remove_item(text, document, pointer).is_none()
            && remove_key(text, document, pointer).is_none()
    }

    #[test]
    fn removes_block_scalar_items() {
        let text = "add:\n  - NET_ADMIN\n  - SYS_ADMIN # why\n  - NET_RAW\nnext: 1\n";
        assert_eq!(
            removed(text, &["/add/0"]),
            "add:\n  - SYS_ADMIN # why\n  - NET_RAW\nnext: 1\n"
        );
        assert_eq!(
            removed(text, &["/add/1"]),
            "add:\n  - NET_ADMIN\n  - NET_RAW\nnext: 1\n"
        );
        assert_eq!(
            removed(text, &["/add/2"]),
            "add:\n  - NET_ADMIN\n  - SYS_ADMIN # why\nnext: 1\n"
        );
        // Last line without a line break.
        assert_eq!(removed("a:\n- x\n- y", &["/a/1"]), "a:\n- x\n");
        // Null, anchored and quoted items.
        let odd = "a:\n-\n- &p 'q' # c\n- \"r\"\n";
        assert_eq!(removed(odd, &["/a/0"]), "a:\n- &p 'q' # c\n- \"r\"\n");
        assert_eq!(removed(odd, &["/a/1"]), "a:\n-\n- \"r\"\n");
    }

    const MOUNTS: &str = "\
spec:
  containers:
    - name: datakit
      volumeMounts:
        - mountPath: /var/run/docker.sock
          name: docker-socket
          readOnly: true
        - mountPath: /rootfs   # host root
          name: rootfs
          subPath: |
            multi
            line
        - name: run
          mountPath: /run
      env:
        - name: ENV_A
          value: x
";

    #[test]
    fn removes_multi_line_mapping_items() {
        let out = removed(MOUNTS, &["/spec/containers/0/volumeMounts/1"]);
        assert_eq!(
            out,
            MOUNTS.replace(
                "        - mountPath: /rootfs   # host root\n          name: rootfs\n          subPath: |\n            multi\n            line\n",
                ""
            )
        );
        let out = removed(MOUNTS, &["/spec/containers/0/volumeMounts/0"]);
        assert_eq!(
            out,
            MOUNTS.replace(
                "        - mountPath: /var/run/docker.sock\n          name: docker-socket\n          readOnly: true\n",
                ""
            )
        );
        let out = removed(MOUNTS, &["/spec/containers/0/volumeMounts/2"]);
        assert_eq!(
            out,
            MOUNTS.replace("        - name: run\n          mountPath: /run\n", "")
        );
        // A whole container, nested lists and all.
        let two = format!("{MOUNTS}    - name: sidecar\n      image: s\n");
        assert_eq!(
            removed(&two, &["/spec/containers/0"]),
            "spec:\n  containers:\n    - name: sidecar\n      image: s\n"
        );
    }

    #[test]
    fn removes_items_of_unindented_sequences() {
        let text = "containers:\n- name: a\n  ports:\n  - containerPort: 1\n    hostPort: 1\n- name: b\nhostIPC: true\n";
        assert_eq!(
            removed(text, &["/containers/0"]),
            "containers:\n- name: b\nhostIPC: true\n"
        );
        assert_eq!(
            removed(text, &["/containers/1"]),
            "containers:\n- name: a\n  ports:\n  - containerPort: 1\n    hostPort: 1\nhostIPC: true\n"
        );
        assert_eq!(
            removed(text, &["/containers/0/ports/0"]),
            "containers:\n- name: a\n  ports: []\n- name: b\nhostIPC: true\n"
        );
        assert_eq!(
            removed(text, &["/containers/0/ports/0/hostPort"]),
            "containers:\n- name: a\n  ports:\n  - containerPort: 1\n- name: b\nhostIPC: true\n"
        );
    }

    #[test]
    fn removes_from_flow_collections() {
        let text = "add: [NET_ADMIN, SYS_ADMIN,  NET_RAW]\none: [x]\nm: {x: 1, y: 2, z}\n";
        let cases = [
            ("/add/0", "add: [SYS_ADMIN,  NET_RAW]"),
            ("/add/1", "add: [NET_ADMIN, NET_RAW]"),
            ("/add/2", "add: [NET_ADMIN, SYS_ADMIN]"),
            ("/one/0", "one: []"),
            ("/m/x", "m: {y: 2, z}"),
            ("/m/y", "m: {x: 1, z}"),
            ("/m/z", "m: {x: 1, y: 2}"),
        ];
        for (pointer, line) in cases {
            let out = removed(text, &[pointer]);
            assert!(out.lines().any(|l| l == line), "{pointer}: {out}");
        }
        assert_eq!(removed("m: { only: 1 }\n", &["/m/only"]), "m: {}\n");
        assert_eq!(removed("a: [x, y,]\n", &["/a/1"]), "a: [x,]\n");
        let multi = "args: [\n  --a, # first\n  --b\n]\n";
        assert_eq!(removed(multi, &["/args/0"]), "args: [\n  --b\n]\n");
        assert_eq!(removed(multi, &["/args/1"]), "args: [\n  --a\n]\n");
        let json =
            "{\"spec\": {\"hostIPC\": true, \"volumes\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}}";
        assert_eq!(
            removed(json, &["/spec/hostIPC"]),
            "{\"spec\": {\"volumes\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}}"
        );
        assert_eq!(
            removed(json, &["/spec/volumes/1"]),
            "{\"spec\": {\"hostIPC\": true, \"volumes\": [{\"name\": \"a\"}]}}"
        );
    }

    #[test]
    fn comments_follow_the_rule() {
        let text = "\
volumes:
  - name: a # trailing, goes with a
  # about b, goes with b
  - name: b
  # - name: old
  #   hostPath: {path: /old}
  - name: c
  # above a blank line, stays

  - name: d
  # after the last item, stays
other: 1
";
        assert_eq!(
            removed(text, &["/volumes/0"]),
            text.replace("  - name: a # trailing, goes with a\n", "")
        );
        assert_eq!(
            removed(text, &["/volumes/1"]),
            text.replace("  # about b, goes with b\n  - name: b\n", "")
        );
        // The commented-out item above c is not c's.
        assert_eq!(
            removed(text, &["/volumes/2"]),
            text.replace("  - name: c\n", "")
        );
        assert_eq!(
            removed(text, &["/volumes/3"]),
            text.replace("  - name: d\n", "")
        );
        // Different column: not the item's.
        let indented = "l:\n  - a\n    # deeper\n  - b\n";
        assert_eq!(removed(indented, &["/l/1"]), "l:\n  - a\n    # deeper\n");
        // Comments inside the item go with it; top-level ones stay.
        let inner = "# Source: x.yaml\na:\n  # inside\n  b: 1\nc: 2\n";
        assert_eq!(removed(inner, &["/a"]), "# Source: x.yaml\nc: 2\n");
        assert_eq!(
            removed(inner, &["/a/b"]),
            "# Source: x.yaml\na: {}\n  # inside\nc: 2\n"
        );
    }

    #[test]
    fn removing_the_last_item_leaves_an_empty_collection() {
        let text = "c:\n  volumeMounts:\n    - name: x # only\n      mountPath: /x\n  securityContext:  # sc\n    privileged: true\n";
        assert_eq!(
            removed(text, &["/c/volumeMounts/0"]),
            "c:\n  volumeMounts: []\n  securityContext:  # sc\n    privileged: true\n"
        );
        assert_eq!(
            removed(text, &["/c/securityContext/privileged"]),
            "c:\n  volumeMounts:\n    - name: x # only\n      mountPath: /x\n  securityContext: {}  # sc\n"
        );
        // Under a `-` line, and at the root.
        assert_eq!(removed("-\n  - a\n", &["/0/0"]), "- []\n");
        assert_eq!(removed("- - a\n", &["/0/0"]), "- []\n");
        assert_eq!(removed("- a # c\n", &["/0"]), "[] # c\n");
        assert_eq!(removed("a: 1\n", &["/a"]), "{}\n");
        assert_eq!(removed("- name: x # c\n", &["/0/name"]), "- {} # c\n");
    }

    #[test]
    fn removes_keys_with_scalar_and_block_values() {
        let text = "\
spec:
  hostIPC: true # shared
  hostNetwork: true
  securityContext:
    privileged: true
    capabilities:
      add: [SYS_ADMIN]
  containers:
  - name: a
    args: |
      --x
      --y
    ports:
    - containerPort: 8125
      hostPort: 8125 # dogstatsd
      protocol: UDP
";
        assert_eq!(
            removed(text, &["/spec/hostIPC"]),
            text.replace("  hostIPC: true # shared\n", "")
        );
        assert_eq!(
            removed(text, &["/spec/securityContext"]),
            text.replace(
                "  securityContext:\n    privileged: true\n    capabilities:\n      add: [SYS_ADMIN]\n",
                ""
            )
        );
        assert_eq!(
            removed(text, &["/spec/containers/0/args"]),
            text.replace("    args: |\n      --x\n      --y\n", "")
        );
        assert_eq!(
            removed(text, &["/spec/containers/0/ports/0/hostPort"]),
            text.replace("      hostPort: 8125 # dogstatsd\n", "")
        );
        assert_eq!(
            removed(text, &["/spec/containers"]),
            "spec:\n  hostIPC: true # shared\n  hostNetwork: true\n  securityContext:\n    privileged: true\n    capabilities:\n      add: [SYS_ADMIN]\n"
        );
        // A null value.
        assert_eq!(removed("a:\nb: 1\n", &["/a"]), "b: 1\n");
    }

    #[test]
    fn removes_the_first_key_of_a_mapping_item() {
        let text = "ports:\n- hostPort: 1 # h\n  containerPort: 1\n- containerPort: 2\n";
        assert_eq!(
            removed(text, &["/ports/0/hostPort"]),
            "ports:\n- containerPort: 1\n- containerPort: 2\n"
        );
        // A comment in between is kept; the `-` stays on its own line.
        let commented = "ports:\n  - hostPort: 1\n    # c\n    containerPort: 1\n";
        assert_eq!(
            removed(commented, &["/ports/0/hostPort"]),
            "ports:\n  -\n    # c\n    containerPort: 1\n"
        );
        // A multi-line first entry.
        let nested = "- env:\n  - name: A\n  name: x\n";
        assert_eq!(removed(nested, &["/0/env"]), "- name: x\n");
        assert_eq!(removed(nested, &["/0/env/0"]), "- env: []\n  name: x\n");
    }

    #[test]
    fn keeps_crlf() {
        let text = "a:\r\n  - x # c\r\n  - y\r\nb:\r\n  k: 1\r\n  l: [p, q]\r\n";
        assert_eq!(
            removed(text, &["/a/0"]),
            "a:\r\n  - y\r\nb:\r\n  k: 1\r\n  l: [p, q]\r\n"
        );
        assert_eq!(
            removed(text, &["/b/k"]),
            "a:\r\n  - x # c\r\n  - y\r\nb:\r\n  l: [p, q]\r\n"
        );
        assert_eq!(
            removed(text, &["/b/l/0"]),
            "a:\r\n  - x # c\r\n  - y\r\nb:\r\n  k: 1\r\n  l: [q]\r\n"
        );
        let only = "a:\r\n  - x\r\nb: 1\r\n";
        assert_eq!(removed(only, &["/a/0"]), "a: []\r\nb: 1\r\n");
        let compact = "- a: 1\r\n  b: 2\r\n";
        assert_eq!(removed(compact, &["/0/a"]), "- b: 2\r\n");
    }

    #[test]
    fn refuses_aliases_missing_nodes_and_the_root() {
        let text = "\
base: &base
  hostIPC: true
  list: &list [a, b]
merged:
  <<: *base
  own: 1
aliased: *base
items: *list
used: [&u x, y]
user: *u
";
        assert!(refused(text, "/merged/hostIPC"));
        assert!(refused(text, "/aliased/hostIPC"));
        assert!(refused(text, "/items/0"));
        assert!(refused(text, "/merged/missing"));
        assert!(refused(text, "/used/5"));
        assert!(refused(text, "/used/01"));
        assert!(refused(text, ""));
        assert!(refused(text, "/"));
        assert!(refused(text, "/merged/own/x"));
        // Removing the anchor would break its alias; removing an anchored
        // node's member changes its aliases too.
        assert!(refused(text, "/used/0"));
        assert!(refused(text, "/base/hostIPC"));
        assert!(refused(text, "/base/list/0"));
        // Wrong kind for the function.
        let stream = parse_stream(text, &Limits::default());
        let document = &stream.documents[0];
        assert!(remove_item(text, document, "/merged/own").is_none());
        assert!(remove_key(text, document, "/used/1").is_none());
        // Explicit own keys of a merging map can go.
        assert_eq!(
            removed(text, &["/merged/own"]),
            text.replace("  own: 1\n", "")
        );
        // A duplicate key: removing the winner would reveal the other one.
        assert!(refused("a: 1\na: 2\n", "/a"));
        // Layouts that are not edited.
        assert!(refused("? a\n: 1\nb: 2\n", "/a"));
    }

    #[test]
    fn combines_removals_in_one_batch() {
        let text = "add:\n  - A\n  # about B\n  - B\n  - C\n  - D\nflow: [a, b, c, d]\n";
        assert_eq!(
            removed(text, &["/add/1", "/add/2"]),
            "add:\n  - A\n  - D\nflow: [a, b, c, d]\n"
        );
        assert_eq!(
            removed(text, &["/add/0", "/add/1"]),
            "add:\n  - C\n  - D\nflow: [a, b, c, d]\n"
        );
        assert_eq!(
            removed(text, &["/flow/1", "/flow/2"]),
            "add:\n  - A\n  # about B\n  - B\n  - C\n  - D\nflow: [a, d]\n"
        );
        assert_eq!(
            removed(text, &["/flow/0", "/flow/1", "/flow/2", "/flow/3"]),
            "add:\n  - A\n  # about B\n  - B\n  - C\n  - D\nflow: []\n"
        );
        // The tail of a flow list keeps a comma (valid YAML).
        assert!(removed(text, &["/flow/2", "/flow/3"]).contains("flow: [a, b, ]"));
        // Items and keys of different collections.
        assert_eq!(
            removed(
                MOUNTS,
                &[
                    "/spec/containers/0/volumeMounts/0",
                    "/spec/containers/0/volumeMounts/2",
                    "/spec/containers/0/env/0/value"
                ]
            ),
            "spec:\n  containers:\n    - name: datakit\n      volumeMounts:\n        - mountPath: /rootfs   # host root\n          name: rootfs\n          subPath: |\n            multi\n            line\n      env:\n        - name: ENV_A\n"
        );
    }

    #[test]
    fn batch_limits_are_as_documented() {
        let stream_of = |text: &str| parse_stream(text, &Limits::default());
        // Every item of a block list: the key is left holding null.
        let text = "a:\n  - x\n  - y\nb: 1\n";
        let stream = stream_of(text);
        let document = &stream.documents[0];
        let mut edits = remove_item(text, document, "/a/0").unwrap();
        edits.extend(remove_item(text, document, "/a/1").unwrap());
        assert_eq!(apply(text, edits).0, "a:\nb: 1\n");
        // The first key on a `-` line and the next one: the first wins.
        let text = "- a: 1\n  b: 2\n- c: 3\n";
        let stream = stream_of(text);
        let document = &stream.documents[0];
        let mut edits = remove_key(text, document, "/0/a").unwrap();
        edits.extend(remove_key(text, document, "/0/b").unwrap());
        assert_eq!(apply(text, edits), ("- b: 2\n- c: 3\n".to_string(), 1));
    }

    #[test]
    fn edits_later_documents_of_a_stream() {
        let text = "a: 1\n---\n# Source: chart/templates/ds.yaml\nspec:\n  hostPID: true\n  hostIPC: true\n...\n---\nb: [1]\n";
        assert_eq!(
            removed_in(text, 1, &["/spec/hostPID"]),
            "a: 1\n---\n# Source: chart/templates/ds.yaml\nspec:\n  hostIPC: true\n...\n---\nb: [1]\n"
        );
        assert_eq!(
            removed_in(text, 2, &["/b/0"]),
            "a: 1\n---\n# Source: chart/templates/ds.yaml\nspec:\n  hostPID: true\n  hostIPC: true\n...\n---\nb: []\n"
        );
        assert_eq!(
            removed_in(text, 0, &["/a"]),
            "{}\n---\n# Source: chart/templates/ds.yaml\nspec:\n  hostPID: true\n  hostIPC: true\n...\n---\nb: [1]\n"
        );
    }

    #[test]
    fn handles_block_scalars() {
        let text = "notes:\n  - >-\n    folded\n    text\n  - |  # c\n    #!/bin/sh\n    run\n  - plain\nlast: |+\n  kept\n\n";
        assert_eq!(
            removed(text, &["/notes/0"]),
            "notes:\n  - |  # c\n    #!/bin/sh\n    run\n  - plain\nlast: |+\n  kept\n\n"
        );
        assert_eq!(
            removed(text, &["/notes/1"]),
            "notes:\n  - >-\n    folded\n    text\n  - plain\nlast: |+\n  kept\n\n"
        );
        // The block scalar that ends the document keeps its line breaks.
        assert_eq!(
            removed(text, &["/notes/2"]),
            "notes:\n  - >-\n    folded\n    text\n  - |  # c\n    #!/bin/sh\n    run\nlast: |+\n  kept\n\n"
        );
    }

    /// Walks every list item and mapping entry of `node`.
    fn all_pointers(node: &Node, prefix: &str, out: &mut Vec<String>) {
        let children: Vec<(String, &Node)> = match &node.kind {
            NodeKind::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("{prefix}/{i}"), item))
                .collect(),
            NodeKind::Map(entries) => entries
                .iter()
                .filter_map(|e| {
                    let key = e.key.as_str()?.replace('~', "~0").replace('/', "~1");
                    Some((format!("{prefix}/{key}"), &e.value))
                })
                .collect(),
            NodeKind::Scalar(_) => Vec::new(),
        };
        for (pointer, child) in children {
            out.push(pointer.clone());
            all_pointers(child, &pointer, out);
        }
    }

    #[test]
    fn removes_anything_from_vendor_manifests() {
        for name in ["datakit-1.84.1.yaml", "datadog-daemonset-7.49.1.yaml"] {
            let path = format!(
                "{}/../../tests/data/agents/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).unwrap();
            let stream = parse_stream(&text, &Limits::default());
            let before: Vec<_> = stream.documents.iter().map(|d| d.root.to_json()).collect();
            for (n, document) in stream.documents.iter().enumerate() {
                let mut pointers = Vec::new();
                all_pointers(&document.root, "", &mut pointers);
                // What `rampart trim` removes, and a sample of the rest (all
                // of them take a while in a debug build).
                let trimmed = |p: &str| {
                    let mut tokens = p.rsplit('/');
                    let (last, parent) = (tokens.next().unwrap_or(""), tokens.next());
                    let lists = ["volumeMounts", "volumes", "add", "ports"];
                    last.starts_with("host")
                        || last.parse::<usize>().is_ok()
                            && parent.is_some_and(|t| lists.contains(&t))
                };
                let chosen =
                    (pointers.iter().enumerate()).filter(|(i, p)| i % 10 == 0 || trimmed(p));
                for (_, pointer) in chosen {
                    let edits = removal(&text, document, pointer)
                        .unwrap_or_else(|| panic!("{name} {pointer}"));
                    let out = apply(&text, edits).0;
                    let after = parse_stream(&out, &Limits::default());
                    assert!(after.errors.is_empty(), "{name} {pointer}");
                    let mut expected = before.clone();
                    let (parent, last) = pointer.rsplit_once('/').unwrap();
                    match expected[n].pointer_mut(parent).unwrap() {
                        serde_json::Value::Object(map) => {
                            drop(map.remove(&last.replace("~1", "/").replace("~0", "~")));
                        }
                        serde_json::Value::Array(items) => {
                            drop(items.remove(last.parse().unwrap()));
                        }
                        other => panic!("{other}"),
                    }
                    let json: Vec<_> = after.documents.iter().map(|d| d.root.to_json()).collect();
                    assert_eq!(json, expected, "{name} {pointer}");
                }
            }
        }
    }
}
