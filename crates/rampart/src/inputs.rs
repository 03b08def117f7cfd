//! Turning the paths on the command line into the list of inputs to scan.

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use rampart_diagnostics::InputError;
use rampart_source::SourceFile;

/// One thing to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Reads the input as UTF-8 text, refusing inputs over `max_bytes`.
    pub fn read(&self, max_bytes: usize) -> Result<SourceFile, InputError> {
        let name = self.display_name();
        let bytes = match self {
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

/// Expands the command-line paths. Files named explicitly are always scanned;
/// directories contribute `*.yaml`, `*.yml` and `*.json`, honouring ignore files.
pub fn collect(paths: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut inputs, &mut errors),
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(error) => errors.push(InputError::new(
                path.display().to_string(),
                format!("cannot read path: {error}"),
            )),
        }
    }
    (inputs, errors)
}

fn walk(root: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<InputError>) {
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
    inputs.extend(found);
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}
