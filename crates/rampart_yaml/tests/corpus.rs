#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Parses every YAML/JSON file of the shared corpus; skipped when it is absent.

use std::path::{Path, PathBuf};

use rampart_source::LineIndex;
use rampart_yaml::{Limits, parse_stream};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");
const DIRS: [&str; 3] = ["corpus/agents", "corpus/apps", "conformance/pss"];

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            files.push(path);
        }
    }
}

#[test]
fn shared_corpus_parses_without_panics() {
    let shared = Path::new(SHARED);
    if !shared.is_dir() {
        println!("skipped: {} not found", shared.display());
        return;
    }
    let mut files = Vec::new();
    for dir in DIRS {
        collect(&shared.join(dir), &mut files);
    }
    files.sort();
    let (mut documents, mut errors) = (0, 0);
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            println!("not UTF-8: {}", file.display());
            continue;
        };
        let stream = parse_stream(&text, &Limits::default());
        documents += stream.documents.len();
        for error in &stream.errors {
            let pos = LineIndex::new(&text).position(&text, error.range.start);
            println!(
                "{}:{}:{}: {}",
                file.display(),
                pos.line,
                pos.column,
                error.message
            );
        }
        errors += stream.errors.len();
        for doc in &stream.documents {
            let _ = doc.root.to_json();
            assert!(doc.range.end <= text.len());
        }
    }
    println!(
        "{} files, {documents} documents, {errors} errors",
        files.len()
    );
    assert!(!files.is_empty());
}
