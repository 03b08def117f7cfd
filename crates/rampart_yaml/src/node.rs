//! Lookups, JSON pointers and JSON conversion.

use std::borrow::Cow;

use crate::{Document, Entry, Node, NodeKind, Scalar, TextRange};

/// Source ranges found for a JSON pointer by [`Document::locate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The key's range when the target is a map member.
    pub key: Option<TextRange>,
    pub value: TextRange,
    /// `false` when the path does not exist and this is its deepest existing ancestor.
    pub exact: bool,
}

impl Node {
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.scalar()? {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.scalar()? {
            Scalar::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.scalar()? {
            Scalar::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Floats, and integers converted to floats.
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self) -> Option<f64> {
        match self.scalar()? {
            Scalar::Float(f) => Some(*f),
            Scalar::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Scalar(Scalar::Null))
    }

    /// Map lookup by key text; the last of duplicate keys wins.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|entry| &entry.value)
    }

    /// Like [`Node::get`], returning the whole entry.
    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?
            .iter()
            .rev()
            .find(|entry| entry.key.key_matches(key))
    }

    fn key_matches(&self, key: &str) -> bool {
        match &self.kind {
            NodeKind::Scalar(Scalar::Str(s)) => s == key,
            _ => self.key_text() == key,
        }
    }

    /// The text used for this node as a JSON object key: strings as is,
    /// other scalars rendered (`true`, `16`, `null`), collections as compact JSON.
    pub fn key_text(&self) -> Cow<'_, str> {
        match &self.kind {
            NodeKind::Scalar(Scalar::Str(s)) => Cow::Borrowed(s),
            NodeKind::Scalar(Scalar::Null) => Cow::Borrowed("null"),
            NodeKind::Scalar(Scalar::Bool(true)) => Cow::Borrowed("true"),
            NodeKind::Scalar(Scalar::Bool(false)) => Cow::Borrowed("false"),
            NodeKind::Scalar(Scalar::Int(i)) => Cow::Owned(i.to_string()),
            NodeKind::Scalar(Scalar::Float(f)) => Cow::Owned(float_text(*f)),
            NodeKind::Seq(_) | NodeKind::Map(_) => Cow::Owned(self.to_json().to_string()),
        }
    }

    /// RFC 6901 lookup (`/spec/containers/0/name`, `~0` and `~1` escapes).
    pub fn pointer(&self, json_pointer: &str) -> Option<&Node> {
        let mut node = self;
        for token in pointer_tokens(json_pointer)? {
            node = node.child(&token)?.1;
        }
        Some(node)
    }

    /// The child for one pointer token, with the key's range for map members.
    fn child(&self, token: &str) -> Option<(Option<TextRange>, &Node)> {
        match &self.kind {
            NodeKind::Map(_) => self
                .get_entry(token)
                .map(|entry| (Some(entry.key.range), &entry.value)),
            NodeKind::Seq(items) => items.get(array_index(token)?).map(|item| (None, item)),
            NodeKind::Scalar(_) => None,
        }
    }

    /// Plain JSON; on duplicate keys the last one wins. NaN and infinities become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar(scalar) => match scalar {
                Scalar::Null => Value::Null,
                Scalar::Bool(b) => Value::Bool(*b),
                Scalar::Int(i) => Value::from(*i),
                Scalar::Float(f) => {
                    serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
                }
                Scalar::Str(s) => Value::String(s.clone()),
            },
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut object = serde_json::Map::with_capacity(entries.len());
                for entry in entries {
                    object.insert(entry.key.key_text().into_owned(), entry.value.to_json());
                }
                Value::Object(object)
            }
        }
    }
}

impl Document {
    /// Resolves a JSON pointer to source ranges. A missing path yields its
    /// deepest existing ancestor with `exact: false`.
    pub fn locate(&self, json_pointer: &str) -> Located {
        let mut found = Located {
            key: None,
            value: self.root.range,
            exact: true,
        };
        let Some(tokens) = pointer_tokens(json_pointer) else {
            found.exact = false;
            return found;
        };
        let mut node = &self.root;
        for token in tokens {
            match node.child(&token) {
                // A child outside its parent's text came from an alias or a
                // merge key: the parent is where this document introduces it.
                Some((_, child))
                    if child.range.start < node.range.start || child.range.end > node.range.end =>
                {
                    found.exact = false;
                    return found;
                }
                Some((key, child)) => {
                    found.key = key;
                    found.value = child.range;
                    node = child;
                }
                None => {
                    found.exact = false;
                    return found;
                }
            }
        }
        found
    }
}

/// Float text like Go's `strconv.FormatFloat(f, 'g', -1, 64)` for common values.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
    } else {
        f.to_string()
    }
}

/// Splits an RFC 6901 pointer into unescaped tokens; `None` if malformed.
fn pointer_tokens(pointer: &str) -> Option<impl Iterator<Item = Cow<'_, str>>> {
    let rest = match pointer {
        "" => None,
        _ => Some(pointer.strip_prefix('/')?),
    };
    Some(
        rest.into_iter()
            .flat_map(|rest| rest.split('/'))
            .map(|token| {
                if token.contains('~') {
                    Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
                } else {
                    Cow::Borrowed(token)
                }
            }),
    )
}

/// An array index token: digits without leading zeros.
fn array_index(token: &str) -> Option<usize> {
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if valid { token.parse().ok() } else { None }
}
