//! Turning the paths on the command line into the list of inputs to scan.

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use rampart_diagnostics::{InputError, SkippedInput};
use rampart_source::SourceFile;
use rampart_yaml::{Limits, Node, parse_stream};

/// One thing to scan.
#[derive(Debug, Clone)]
pub enum Input {
    Stdin,
    File(PathBuf),
    /// A source already in memory (a live cluster object).
    Source(SourceFile),
}

impl PartialEq for Input {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Input::Stdin, Input::Stdin) => true,
            (Input::File(a), Input::File(b)) => a == b,
            (Input::Source(a), Input::Source(b)) => a.name() == b.name() && a.text() == b.text(),
            _ => false,
        }
    }
}

impl Eq for Input {}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
            Input::Source(file) => file.name().to_string(),
        }
    }

    /// Reads the input as UTF-8 text, refusing inputs over `max_bytes`.
    pub fn read(&self, max_bytes: usize) -> Result<SourceFile, InputError> {
        let name = self.display_name();
        let bytes = match self {
            Input::Source(file) => return Ok(file.clone()),
            Input::Stdin => {
                let mut buffer = Vec::new();
                std::io::stdin()
                    .take(max_bytes as u64 + 1)
                    .read_to_end(&mut buffer)
                    .map_err(|e| {
                        InputError::new(&name, format!("cannot read standard input: {e}"))
                    })?;
                buffer
            }
            Input::File(path) => {
                let size = std::fs::metadata(path)
                    .map_err(|e| InputError::new(&name, format!("cannot read file: {e}")))?
                    .len();
                if size > max_bytes as u64 {
                    return Err(InputError::new(
                        &name,
                        format!("file is {size} bytes, over the {max_bytes}-byte limit"),
                    ));
                }
                std::fs::read(path)
                    .map_err(|e| InputError::new(&name, format!("cannot read file: {e}")))?
            }
        };
        if bytes.len() > max_bytes {
            return Err(InputError::new(
                &name,
                format!("input is over the {max_bytes}-byte limit"),
            ));
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&error.as_bytes()[..offset]).into_owned();
                let file = SourceFile::new(&name, valid);
                let position = file.position(offset);
                let mut input_error = InputError::new(
                    &name,
                    format!("file is not valid UTF-8 (invalid byte at offset {offset})"),
                );
                input_error.line = position.line;
                input_error.column = position.column;
                return Err(input_error);
            }
        };
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text);
        Ok(SourceFile::new(name, text))
    }
}

/// The inputs to scan, the paths that could not be read, and the files left out.
#[derive(Debug, Default)]
pub struct Collected {
    pub inputs: Vec<Input>,
    pub errors: Vec<InputError>,
    pub skipped: Vec<SkippedInput>,
}

/// Expands the command-line paths. Files named explicitly are always scanned;
/// directories contribute `*.yaml`, `*.yml` and `*.json`, honouring ignore
/// files, except the patches that a `kustomization.yaml` there lists.
pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut inputs, &mut errors, &mut skipped),
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(error) => errors.push(InputError::new(
                path.display().to_string(),
                format!("cannot read path: {error}"),
            )),
        }
    }
    // One global order (by path) so output can be streamed in sorted order.
    inputs.sort_by_key(Input::display_name);
    inputs.dedup();
    Collected {
        inputs,
        errors,
        skipped,
    }
}

fn walk(
    root: &Path,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<SkippedInput>,
) {
    let mut found = Vec::new();
    let walker = WalkBuilder::new(root)
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && has_manifest_extension(entry.path()) {
                    found.push(Input::File(entry.into_path()));
                }
            }
            Err(error) => errors.push(InputError::new(
                root.display().to_string(),
                format!("cannot walk directory: {error}"),
            )),
        }
    }
    let patches = kustomize_patches(&found);
    for input in found {
        match &input {
            Input::File(path) if patches.contains(&normalize(path)) => skipped.push(SkippedInput {
                file: input.display_name(),
                line: 0,
                reason: "kustomize patch".to_string(),
            }),
            _ => inputs.push(input),
        }
    }
}

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Files that kustomizations among `found` use as patches: partial objects,
/// meaningful only once merged by `kustomize build`.
fn kustomize_patches(found: &[Input]) -> Vec<PathBuf> {
    let mut patches = Vec::new();
    for input in found {
        let Input::File(path) = input else { continue };
        let is_kustomization = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n));
        let Some(dir) = path.parent().filter(|_| is_kustomization) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let stream = parse_stream(&text, &Limits::default());
        for document in &stream.documents {
            for key in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
                for entry in document.root.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
                    let file = entry
                        .as_str()
                        .or_else(|| entry.get("path").and_then(Node::as_str));
                    if let Some(file) = file.filter(|f| !f.contains('\n')) {
                        patches.push(normalize(&dir.join(file)));
                    }
                }
            }
        }
    }
    patches
}

/// Resolves `.` and `..` lexically, so paths from a walk and from a
/// kustomization compare equal.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !normal.pop() {
                    normal.push("..");
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}
