#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_source::LineIndex;
use rampart_yaml::{Limits, Node, Scalar, Stream, TextRange, parse_stream};
use serde_json::json;

fn parse(text: &str) -> Stream {
    parse_stream(text, &Limits::default())
}

/// Parses a single-document stream that must have no errors.
fn parse_one(text: &str) -> rampart_yaml::Document {
    let stream = parse(text);
    assert!(stream.errors.is_empty(), "errors: {:?}", stream.errors);
    assert_eq!(stream.documents.len(), 1, "{stream:?}");
    stream.documents.into_iter().next().unwrap()
}

/// 1-based (line, column) of a range start.
fn at(text: &str, range: TextRange) -> (usize, usize) {
    let pos = LineIndex::new(text).position(text, range.start);
    (pos.line, pos.column)
}

fn slice(text: &str, range: TextRange) -> &str {
    &text[range.start..range.end]
}

fn entry_key<'a>(node: &'a Node, key: &str) -> &'a Node {
    &node
        .as_map()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e.key.as_str() == Some(key))
        .unwrap()
        .key
}

#[test]
fn block_mapping_positions() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: x\n";
    let doc = parse_one(text);
    let root = &doc.root;
    assert_eq!(root.get("kind").unwrap().as_str(), Some("Pod"));
    assert_eq!(at(text, root.get("kind").unwrap().range), (2, 7));
    let metadata = root.get("metadata").unwrap();
    assert_eq!(at(text, entry_key(root, "metadata").range), (3, 1));
    assert_eq!(at(text, metadata.range), (4, 3));
    assert_eq!(
        slice(text, metadata.range),
        "name: web\n  labels:\n    app: x"
    );
    let app = root.pointer("/metadata/labels/app").unwrap();
    assert_eq!(at(text, app.range), (6, 10));
    assert_eq!(slice(text, app.range), "x");
    assert_eq!(slice(text, root.range), text.trim_end());
    assert_eq!(doc.range, TextRange::new(0, text.trim_end().len()));
}

#[test]
fn block_sequence_range_starts_at_dash() {
    let text = "containers:\n- name: a\n  image: x\n-   name: b\n";
    let doc = parse_one(text);
    let seq = doc.root.get("containers").unwrap();
    assert_eq!(at(text, seq.range), (2, 1));
    let items = seq.as_seq().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(slice(text, items[0].range), "name: a\n  image: x");
    assert_eq!(at(text, items[1].range), (4, 5));
}

#[test]
fn non_ascii_ranges_are_bytes() {
    let text = "name: \"日本語\"\nlabel: café # ça\nnext: ünïcode: no\n";
    let stream = parse(text);
    // `ünïcode: no` as a value is invalid (mapping in plain scalar); the line is an error.
    assert_eq!(stream.documents.len(), 0);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(at(text, stream.errors[0].range), (3, 14));

    let text = "name: \"日本語\"\nlabel: café # ça\nnäme: ünï\n";
    let doc = parse_one(text);
    let name = doc.root.get("name").unwrap();
    assert_eq!(slice(text, name.range), "\"日本語\"");
    assert_eq!(name.as_str(), Some("日本語"));
    let label = doc.root.get("label").unwrap();
    assert_eq!(slice(text, label.range), "café");
    assert_eq!(at(text, label.range), (2, 8));
    let key = entry_key(&doc.root, "näme");
    assert_eq!(at(text, key.range), (3, 1));
    assert_eq!(slice(text, key.range), "näme");
    let value = doc.root.get("näme").unwrap();
    assert_eq!(at(text, value.range), (3, 7));
    assert_eq!(slice(text, value.range), "ünï");
}

#[test]
fn crlf_line_endings() {
    let text = "a: 1\r\nb: |\r\n  x\r\n  y\r\nc: \"q\r\n  r\"\r\nd: [1,\r\n  2]\r\n";
    let doc = parse_one(text);
    assert_eq!(doc.root.get("a").unwrap().as_i64(), Some(1));
    let b = doc.root.get("b").unwrap();
    assert_eq!(b.as_str(), Some("x\ny\n"));
    assert_eq!(at(text, b.range), (3, 3));
    assert_eq!(slice(text, b.range), "x\r\n  y");
    assert_eq!(doc.root.get("c").unwrap().as_str(), Some("q r"));
    let d = doc.root.get("d").unwrap();
    assert_eq!(at(text, d.range), (7, 4));
    assert_eq!(at(text, d.as_seq().unwrap()[1].range), (8, 3));
    assert_eq!(at(text, entry_key(&doc.root, "d").range), (7, 1));
}

#[test]
fn flow_collections() {
    let text = "m: {a: 1, b: [x, \"y\"], c: {}}\n";
    let doc = parse_one(text);
    let m = doc.root.get("m").unwrap();
    assert_eq!(slice(text, m.range), "{a: 1, b: [x, \"y\"], c: {}}");
    let b = m.get("b").unwrap();
    assert_eq!(slice(text, b.range), "[x, \"y\"]");
    assert_eq!(at(text, b.as_seq().unwrap()[1].range), (1, 18));
    assert_eq!(at(text, entry_key(m, "c").range), (1, 24));
    assert_eq!(
        doc.root.to_json(),
        json!({"m": {"a": 1, "b": ["x", "y"], "c": {}}})
    );
}

#[test]
fn json_documents() {
    let text = "{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\"containers\": [{\"name\": \"caf\\u00e9\", \"cpu\": 2.5e-1, \"n\": -1E3, \"x\": [[1, 2], []], \"esc\": \"a\\\"b\\\\c\\/\\n\\t\"}]},\n\t\"nothing\": null, \"yes\": true\n}\n";
    let doc = parse_one(text);
    let expected: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc.root.to_json(), expected);
    let name = doc.root.pointer("/spec/containers/0/name").unwrap();
    assert_eq!(name.as_str(), Some("café"));
    assert_eq!(slice(text, name.range), "\"caf\\u00e9\"");
    assert_eq!(at(text, name.range), (3, 35));
    let located = doc.locate("/spec/containers/0/cpu");
    assert!(located.exact);
    assert_eq!(slice(text, located.key.unwrap()), "\"cpu\"");
    assert_eq!(slice(text, located.value), "2.5e-1");
    assert_eq!(
        doc.root.pointer("/spec/containers/0/n").unwrap().scalar(),
        Some(&Scalar::Float(-1000.0))
    );
    assert_eq!(at(text, entry_key(&doc.root, "nothing").range), (4, 2));
}

#[test]
fn multi_document_with_syntax_error_in_the_middle() {
    let text = "a: 1\n---\nb: [1, 2\nc: d\n---\n# Source: x/y.yaml\ne: f\n...\n---\ng: h\n";
    let stream = parse(text);
    let indexes: Vec<usize> = stream.documents.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [0, 2, 3]);
    assert_eq!(stream.errors.len(), 1, "{:?}", stream.errors);
    let error = &stream.errors[0];
    assert_eq!(error.document, Some(1));
    assert_eq!(at(text, error.range), (4, 2));
    assert!(!error.message.is_empty());
    let second = &stream.documents[1];
    assert_eq!(second.root.to_json(), json!({"e": "f"}));
    assert_eq!(second.helm_source.as_deref(), Some("x/y.yaml"));
    assert_eq!(
        slice(text, second.range),
        "---\n# Source: x/y.yaml\ne: f\n..."
    );
    assert_eq!(at(text, second.root.get("e").unwrap().range), (7, 4));
    assert_eq!(stream.documents[2].root.to_json(), json!({"g": "h"}));
}

#[test]
fn error_after_an_implicitly_ended_document_drops_it() {
    let text = "ok: 1\n---\n  bad: x\n bad2: y\n---\nlast: 2\n";
    let stream = parse(text);
    let indexes: Vec<usize> = stream.documents.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [0, 2]);
    assert_eq!(stream.errors[0].document, Some(1));
    assert_eq!(at(text, stream.errors[0].range), (4, 2));
}

#[test]
fn errors_in_every_document_still_progress() {
    let text = "]\n---\n]\n---\n{\n---\nok: 1\n";
    let stream = parse(text);
    assert_eq!(stream.documents.len(), 1);
    assert_eq!(stream.documents[0].index, 3);
    let docs: Vec<_> = stream.errors.iter().map(|e| e.document).collect();
    assert_eq!(docs, [Some(0), Some(1), Some(2)]);
}

#[test]
fn anchors_and_aliases() {
    let text = "base: &b {cpu: 1, mem: 2}\ncopy: *b\nlist: [&s x, *s]\n";
    let doc = parse_one(text);
    let base = doc.root.get("base").unwrap();
    let copy = doc.root.get("copy").unwrap();
    assert_eq!(copy.kind, base.kind);
    // The alias node is at the alias; its copied children keep the anchor's ranges.
    assert_eq!(slice(text, copy.range), "*b");
    assert_eq!(slice(text, copy.get("cpu").unwrap().range), "1");
    let list = doc.root.get("list").unwrap().as_seq().unwrap();
    assert_eq!(list[1].as_str(), Some("x"));
    assert_eq!(at(text, list[1].range), (3, 14));
    // A pointer into an alias copy resolves to the alias, not to the anchor.
    let located = doc.locate("/copy/cpu");
    assert!(!located.exact);
    assert_eq!(slice(text, located.value), "*b");
    assert_eq!(slice(text, located.key.unwrap()), "copy");
}

#[test]
fn merge_keys() {
    let text = "\
a: &a {x: 1, y: 1, z: 1}
b: &b {y: 2, w: 2}
one:
  x: 0
  <<: *a
two:
  <<: [*b, *a]
  w: 9
inline:
  <<: {k: v}
";
    let doc = parse_one(text);
    assert_eq!(
        doc.root.get("one").unwrap().to_json(),
        json!({"x": 0, "y": 1, "z": 1})
    );
    assert_eq!(
        doc.root.get("two").unwrap().to_json(),
        json!({"y": 2, "x": 1, "z": 1, "w": 9})
    );
    assert_eq!(doc.root.get("inline").unwrap().to_json(), json!({"k": "v"}));
    // Merged values keep the anchor's positions.
    let y = doc.root.pointer("/one/y").unwrap();
    assert_eq!(at(text, y.range), (1, 17));
    assert_eq!(doc.root.get("one").unwrap().as_map().unwrap().len(), 3);
    // A quoted "<<" is an ordinary key.
    let doc = parse_one("\"<<\": {a: 1}\n");
    assert_eq!(doc.root.to_json(), json!({"<<": {"a": 1}}));
}

#[test]
fn merge_key_with_a_scalar_is_an_error() {
    let text = "m:\n  <<: 5\n  a: 1\n";
    let stream = parse(text);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(at(text, stream.errors[0].range), (2, 7));
    assert!(stream.errors[0].message.contains("merge"));
    assert_eq!(stream.documents.len(), 1);
}

#[test]
fn unknown_alias_is_an_error_at_the_alias() {
    let text = "a: 1\nb:\n  c: *missing\n";
    let stream = parse(text);
    assert_eq!(stream.errors.len(), 1);
    let error = &stream.errors[0];
    assert_eq!(at(text, error.range), (3, 6));
    assert_eq!(slice(text, error.range), "*missing");
    assert_eq!(error.message, "unknown alias `*missing`");
    assert_eq!(error.document, Some(0));
    assert!(stream.documents[0].root.pointer("/b/c").unwrap().is_null());
}

#[test]
fn recursive_alias_is_an_error() {
    let stream = parse("a: &x [1, *x]\n");
    assert_eq!(stream.errors.len(), 1);
    assert!(stream.errors[0].message.contains("recursive"));
}

#[test]
fn billion_laughs_hits_the_node_limit() {
    let mut text = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    text.push_str("---\nafter: ok\n");
    let stream = parse(&text);
    assert_eq!(stream.documents.len(), 1);
    assert_eq!(stream.documents[0].index, 1);
    assert_eq!(stream.errors.len(), 1);
    assert!(
        stream.errors[0].message.contains("5000000 nodes"),
        "{:?}",
        stream.errors
    );
    assert_eq!(stream.errors[0].document, Some(0));

    // Alias expansions and anchor copies count: 8 nodes for `a`, 6 for its
    // copy, 2 for `b: [`, then 6 per alias: the third alias reaches 34.
    let limits = Limits {
        max_nodes: 30,
        ..Limits::default()
    };
    let text = "a: &a [1, 2, 3, 4, 5]\nb: [*a, *a, *a]\n";
    let stream = parse_stream(text, &limits);
    assert!(stream.documents.is_empty());
    assert_eq!(at(text, stream.errors[0].range), (2, 13));
}

#[test]
fn deep_nesting_is_rejected_without_overflow() {
    let text = "[".repeat(100_000);
    let stream = parse(&text);
    assert!(stream.documents.is_empty());
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(
        stream.errors[0].message,
        "document nests deeper than 256 levels"
    );

    let mut text = String::from("ok: 1\n---\n");
    for depth in 0..300 {
        text.push_str(&" ".repeat(depth));
        text.push_str("k:\n");
    }
    text.push_str("---\nlast: 1\n");
    let stream = parse(&text);
    let indexes: Vec<usize> = stream.documents.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [0, 2]);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(stream.errors[0].document, Some(1));
    assert_eq!(
        stream.errors[0].message,
        "document nests deeper than 256 levels"
    );

    // Exactly at the limit is fine.
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    assert!(parse_stream("[[[1]]]", &limits).errors.is_empty());
    assert_eq!(parse_stream("[[[[1]]]]", &limits).errors.len(), 1);
}

#[test]
fn input_over_max_bytes_is_rejected() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let stream = parse_stream("a: 1\nb: 2\nc: 3\n", &limits);
    assert!(stream.documents.is_empty());
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(stream.errors[0].document, None);
    assert!(parse_stream("a: 1\n", &limits).errors.is_empty());
}

#[test]
fn duplicate_keys_are_kept_and_reported() {
    let text = "a: 1\nb: 2\na: 3\n";
    let stream = parse(text);
    assert_eq!(stream.errors.len(), 1);
    let error = &stream.errors[0];
    assert_eq!(error.message, "duplicate key `a`, first defined at line 1");
    assert_eq!(at(text, error.range), (3, 1));
    let root = &stream.documents[0].root;
    assert_eq!(root.as_map().unwrap().len(), 3);
    assert_eq!(root.get("a").unwrap().as_i64(), Some(3));
    assert_eq!(root.to_json(), json!({"a": 3, "b": 2}));
    assert_eq!(
        stream.documents[0].locate("/a").value,
        root.get("a").unwrap().range
    );
}

#[test]
fn duplicate_keys_in_large_maps() {
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!("k{i}: {i}\n"));
    }
    text.push_str("k1500: dup\n");
    let stream = parse(&text);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(
        stream.errors[0].message,
        "duplicate key `k1500`, first defined at line 1501"
    );
    assert_eq!(at(&text, stream.errors[0].range), (2001, 1));
    assert_eq!(
        stream.documents[0].root.get("k1500").unwrap().as_str(),
        Some("dup")
    );
}

#[test]
fn helm_source_comments() {
    let text = "---\n# Source: chart/templates/daemonset.yaml\napiVersion: apps/v1\nkind: DaemonSet\n---\n# Source: chart/templates/svc.yaml\n# another comment\nkind: Service\n---\nkind: NoSource\n# Source: too/late.yaml\n";
    let stream = parse(text);
    let sources: Vec<_> = stream
        .documents
        .iter()
        .map(|d| d.helm_source.as_deref())
        .collect();
    assert_eq!(
        sources,
        [
            Some("chart/templates/daemonset.yaml"),
            Some("chart/templates/svc.yaml"),
            None
        ]
    );
    let first = parse_one("# Source: a/b.yaml\nkind: Pod\n");
    assert_eq!(first.helm_source.as_deref(), Some("a/b.yaml"));
    let crlf = parse_one("---\r\n# Source: w/in.yaml\r\nkind: Pod\r\n");
    assert_eq!(crlf.helm_source.as_deref(), Some("w/in.yaml"));
}

#[test]
fn empty_documents() {
    let text = "---\n---\n# only a comment\n---\na: 1\n---\n...\n";
    let stream = parse(text);
    assert!(stream.errors.is_empty());
    let summary: Vec<(usize, bool)> = stream
        .documents
        .iter()
        .map(|d| (d.index, d.is_empty))
        .collect();
    assert_eq!(summary, [(0, true), (1, true), (2, false), (3, true)]);
    assert!(stream.documents[0].root.is_null());
    assert_eq!(
        slice(text, stream.documents[1].range),
        "---\n# only a comment"
    );
    assert_eq!(slice(text, stream.documents[3].range), "---\n...");
    assert!(parse("").documents.is_empty());
    assert!(parse("# just a comment\n").documents.is_empty());
    assert!(!parse_one("--- ~\n").is_empty);
    let null_doc = parse_one("--- null\n");
    assert!(null_doc.root.is_null() && !null_doc.is_empty);
}

#[test]
fn directives_bom_and_document_end() {
    let text = "\u{feff}%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n";
    let stream = parse(text);
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    assert_eq!(stream.documents.len(), 2);
    assert_eq!(
        slice(text, stream.documents[0].range),
        "%YAML 1.2\n---\na: 1\n..."
    );
    assert_eq!(
        slice(text, stream.documents[1].range),
        "%YAML 1.2\n---\nb: 2"
    );
    assert_eq!(
        at(text, stream.documents[1].root.get("b").unwrap().range),
        (7, 4)
    );
}

#[test]
fn tabs_where_legal() {
    let doc = parse_one("a:\tb\t# c\nl: [1,\t2]\n");
    assert_eq!(doc.root.to_json(), json!({"a": "b", "l": [1, 2]}));
    let doc = parse_one("{\n\t\"a\": {\n\t\t\"b\": [\n\t\t\t1\n\t\t]\n\t}\n}\n");
    assert_eq!(doc.root.to_json(), json!({"a": {"b": [1]}}));
}

#[test]
fn block_scalars() {
    let text = "lit: |\n  one\n  two\nfold: >-\n  a\n  b\n\n  c\nkeep: |+\n  k\n\nend: x";
    let doc = parse_one(text);
    assert_eq!(doc.root.get("lit").unwrap().as_str(), Some("one\ntwo\n"));
    assert_eq!(doc.root.get("fold").unwrap().as_str(), Some("a b\nc"));
    assert_eq!(doc.root.get("keep").unwrap().as_str(), Some("k\n\n"));
    assert_eq!(
        slice(text, doc.root.get("lit").unwrap().range),
        "one\n  two"
    );
    // Block scalars at the end of input get no extra line feed (libyaml/go-yaml).
    assert_eq!(
        parse_one("s: |\n  x").root.get("s").unwrap().as_str(),
        Some("x")
    );
}

#[test]
fn scalar_resolution_in_documents() {
    let text = "\
plain: [~, null, Null, true, yes, On, off, NO, 12, -3, 0x1F, 0o17, 0644, 1.5, 1e3, .inf, -.Inf, 12345678901234567890, y, n, 1.2.3]
quoted: ['true', \"12\", '', \"null\"]
empty:
tagged: [!!str 123, !!int \"12\", !!bool 'yes', !!float 1, !!null '', !custom 7]
block: |
  true
";
    let doc = parse_one(text);
    let json = doc.root.to_json();
    assert_eq!(
        json["plain"],
        json!([
            null,
            null,
            null,
            true,
            true,
            true,
            false,
            false,
            12,
            -3,
            31,
            15,
            420,
            1.5,
            1000.0,
            null,
            null,
            12345678901234567890.0_f64,
            "y",
            "n",
            "1.2.3"
        ])
    );
    assert_eq!(json["quoted"], json!(["true", "12", "", "null"]));
    assert_eq!(json["empty"], json!(null));
    assert_eq!(json["tagged"], json!(["123", 12, true, 1.0, null, 7]));
    assert_eq!(json["block"], json!("true\n"));
    let plain = doc.root.get("plain").unwrap().as_seq().unwrap();
    assert_eq!(plain[15].scalar(), Some(&Scalar::Float(f64::INFINITY)));
    let empty = doc.root.get("empty").unwrap();
    assert!(empty.is_null());
    assert_eq!(at(text, empty.range).0, 3);
}

#[test]
fn invalid_tagged_value_is_reported() {
    let text = "n: !!int abc\n";
    let stream = parse(text);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(at(text, stream.errors[0].range), (1, 10));
    assert_eq!(
        stream.documents[0].root.get("n").unwrap().as_str(),
        Some("abc")
    );
}

#[test]
fn non_string_keys_in_json() {
    let doc = parse_one("1: a\ntrue: b\n~: c\n1.5: d\n[x, y]: e\n");
    assert_eq!(
        doc.root.to_json(),
        json!({"1": "a", "true": "b", "null": "c", "1.5": "d", "[\"x\",\"y\"]": "e"})
    );
    assert_eq!(doc.root.get("1").unwrap().as_str(), Some("a"));
    assert_eq!(doc.root.pointer("/true").unwrap().as_str(), Some("b"));
}

#[test]
fn json_pointer() {
    let doc = parse_one("a/b: 1\nm~n: 2\narr: [x, y]\n\"\": empty\nnested: {k: [ {z: 1} ]}\n");
    let root = &doc.root;
    assert_eq!(root.pointer(""), Some(root));
    assert_eq!(root.pointer("/a~1b").unwrap().as_i64(), Some(1));
    assert_eq!(root.pointer("/m~0n").unwrap().as_i64(), Some(2));
    assert_eq!(root.pointer("/arr/1").unwrap().as_str(), Some("y"));
    assert_eq!(root.pointer("/").unwrap().as_str(), Some("empty"));
    assert_eq!(root.pointer("/nested/k/0/z").unwrap().as_i64(), Some(1));
    assert!(root.pointer("/arr/01").is_none());
    assert!(root.pointer("/arr/2").is_none());
    assert!(root.pointer("/arr/-").is_none());
    assert!(root.pointer("arr").is_none());
    assert!(root.pointer("/a~1b/x").is_none());
}

#[test]
fn locate_exact_and_ancestor_fallback() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx
          securityContext:
            privileged: true
        - name: sidecar
          image: busybox
";
    let doc = parse_one(text);
    let found = doc.locate("/spec/template/spec/containers/0/securityContext/privileged");
    assert!(found.exact);
    assert_eq!(at(text, found.key.unwrap()), (10, 13));
    assert_eq!(slice(text, found.value), "true");

    let missing = doc.locate("/spec/template/spec/containers/0/securityContext/runAsNonRoot");
    assert!(!missing.exact);
    assert_eq!(at(text, missing.key.unwrap()), (9, 11));
    assert_eq!(at(text, missing.value), (10, 13));

    let no_context = doc.locate("/spec/template/spec/containers/1/securityContext/privileged");
    assert!(!no_context.exact);
    assert_eq!(no_context.key, None);
    assert_eq!(
        slice(text, no_context.value),
        "name: sidecar\n          image: busybox"
    );

    let item = doc.locate("/spec/template/spec/containers/1");
    assert!(item.exact && item.key.is_none());
    let root = doc.locate("");
    assert!(root.exact);
    assert_eq!(root.value, doc.root.range);
    let bad = doc.locate("no-slash");
    assert!(!bad.exact);
    assert_eq!(bad.value, doc.root.range);
}

#[test]
fn kubernetes_multi_document_manifest() {
    let text = "\
# leading comment
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: demo
spec:
  hostNetwork: yes
  containers:
  - name: c
    image: \"nginx:1.25\"
    ports: [{containerPort: 80}]
    args: [\"--flag=on\", --x]
    volumeMounts:
    - {name: v, mountPath: /data, readOnly: true}
  volumes:
  - name: v
    configMap: {name: cm, defaultMode: 0644}
";
    let stream = parse(text);
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    assert_eq!(stream.documents.len(), 2);
    let pod = &stream.documents[1].root;
    assert_eq!(
        pod.pointer("/spec/hostNetwork").unwrap().as_bool(),
        Some(true)
    );
    assert_eq!(
        pod.pointer("/spec/containers/0/ports/0/containerPort")
            .unwrap()
            .as_i64(),
        Some(80)
    );
    assert_eq!(
        pod.pointer("/spec/volumes/0/configMap/defaultMode")
            .unwrap()
            .as_i64(),
        Some(0o644)
    );
    assert_eq!(
        pod.pointer("/spec/containers/0/args/1").unwrap().as_str(),
        Some("--x")
    );
    let mount = stream.documents[1].locate("/spec/containers/0/volumeMounts/0/readOnly");
    assert_eq!(at(text, mount.value), (19, 45));
    assert_eq!(
        slice(text, stream.documents[0].range),
        "# leading comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: demo}"
    );
}

#[test]
fn aliases_cannot_nest_copies_past_the_depth_limit() {
    // Each anchor wraps the previous one 100 levels deeper: the copies would
    // reach 300 levels without the check.
    let mut text = String::new();
    for level in 0..3 {
        let inner = if level == 0 {
            "x".to_owned()
        } else {
            format!("*a{}", level - 1)
        };
        text.push_str(&format!(
            "a{level}: &a{level} {}{inner}{}\n",
            "[".repeat(100),
            "]".repeat(100)
        ));
    }
    text.push_str("---\nnext: 1\n");
    let stream = parse(&text);
    assert_eq!(stream.documents.len(), 1);
    assert_eq!(stream.documents[0].index, 1);
    assert_eq!(stream.errors.len(), 1);
    assert_eq!(
        stream.errors[0].message,
        "document nests deeper than 256 levels"
    );
    let alias_at = text.find("*a1").unwrap();
    assert_eq!(
        stream.errors[0].range,
        TextRange::new(alias_at, alias_at + 3)
    );
}
