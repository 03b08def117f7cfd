//! Loading profiles: the built-in ones, then the user's (`--profiles DIR`),
//! which replace built-ins of the same name.

use std::path::Path;
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use rampart_source::SourceFile;
use rampart_yaml::{Limits, parse_stream};

use crate::profile::{Profile, validate};

include!(concat!(env!("OUT_DIR"), "/builtin_profiles.rs"));

/// A problem in a profile file, at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ProfileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every profile, with compiled image matchers.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    profiles: Vec<Profile>,
    /// Every profile's image patterns in one set (pattern → profile), so
    /// recognising a container is one match; built on first use.
    images: OnceLock<(GlobSet, Vec<usize>)>,
    /// Identifies this set of profiles in the per-thread image cache.
    generation: usize,
}

static GENERATIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

thread_local! {
    /// image → profile, for the knowledge base of one generation: images
    /// repeat across a scan, and matching allocates.
    static IMAGE_CACHE: std::cell::RefCell<(usize, std::collections::HashMap<String, Option<usize>>)> =
        std::cell::RefCell::new((0, std::collections::HashMap::new()));
}

impl KnowledgeBase {
    /// The built-in profiles. Their errors are bugs, caught by the tests.
    pub fn builtin() -> (Self, Vec<ProfileError>) {
        let mut base = Self::default();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN_PROFILES {
            base.add_text(name, text, &mut errors);
        }
        (base, errors)
    }

    /// Adds every `*.yaml`/`*.yml` file under `dir` (sorted by path).
    pub fn add_dir(&mut self, dir: &Path, errors: &mut Vec<ProfileError>) {
        let mut files = Vec::new();
        collect_files(dir, &mut files, errors);
        files.sort();
        for file in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => self.add_text(&file.display().to_string(), &text, errors),
                Err(error) => errors.push(ProfileError {
                    file: file.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read: {error}"),
                }),
            }
        }
    }

    /// Parses the profiles of one file; a profile named like an existing one replaces it.
    pub fn add_text(&mut self, name: &str, text: &str, errors: &mut Vec<ProfileError>) {
        let file = SourceFile::new(name, text);
        let stream = parse_stream(text, &Limits::default());
        let error_at = |range: rampart_source::TextRange, message: String| {
            let position = file.position(range.start);
            ProfileError {
                file: name.to_string(),
                line: position.line,
                column: position.column,
                message,
            }
        };
        for error in &stream.errors {
            errors.push(error_at(error.range, error.message.clone()));
        }
        for document in stream.documents.iter().filter(|d| !d.is_empty) {
            let value = document.root.to_json();
            let mut profile: Profile = match serde_path_to_error::deserialize(&value) {
                Ok(profile) => profile,
                Err(error) => {
                    let pointer = pointer_of(error.path());
                    let located = document.locate(&pointer);
                    errors.push(error_at(
                        located.key.unwrap_or(located.value),
                        error.inner().to_string(),
                    ));
                    continue;
                }
            };
            let problems = validate(&profile);
            if !problems.is_empty() {
                for (pointer, message) in problems {
                    let located = document.locate(&pointer);
                    errors.push(error_at(located.key.unwrap_or(located.value), message));
                }
                continue;
            }
            profile.source = name.to_string();
            for feature in &mut profile.features {
                for need in &mut feature.needs {
                    need.resolved = need.kind().ok();
                }
            }
            if let Some(at) = self.profiles.iter().position(|p| p.name == profile.name) {
                self.profiles[at] = profile;
            } else {
                self.profiles.push(profile);
            }
        }
        self.images = OnceLock::new();
        self.generation = GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile whose image patterns match `image` (tag and digest are
    /// ignored; Docker Hub names match with and without `docker.io/`).
    pub fn profile_for_image(&self, image: &str) -> Option<(usize, &Profile)> {
        let cached = IMAGE_CACHE.with(|cache| {
            let cache = cache.borrow();
            (cache.0 == self.generation && self.generation != 0)
                .then(|| cache.1.get(image).copied())
                .flatten()
        });
        let index = match cached {
            Some(index) => index,
            None => {
                let index = self.match_image(image);
                IMAGE_CACHE.with(|cache| {
                    let mut cache = cache.borrow_mut();
                    if cache.0 != self.generation || cache.1.len() > 4096 {
                        *cache = (self.generation, std::collections::HashMap::new());
                    }
                    cache.1.insert(image.to_string(), index);
                });
                index
            }
        };
        index.map(|index| (index, &self.profiles[index]))
    }

    fn match_image(&self, image: &str) -> Option<usize> {
        let candidates = image_names(image);
        let (set, owners) = self.images.get_or_init(|| self.index_images());
        let mut matches = Vec::new();
        candidates
            .iter()
            .flat_map(|name| {
                set.matches_into(name, &mut matches);
                matches
                    .iter()
                    .filter_map(|&i| owners.get(i).copied())
                    .collect::<Vec<_>>()
            })
            .min()
    }

    /// The combined image matcher.
    fn index_images(&self) -> (GlobSet, Vec<usize>) {
        let mut all = GlobSetBuilder::new();
        let mut owners = Vec::new();
        for (index, profile) in self.profiles.iter().enumerate() {
            for pattern in &profile.matcher.images {
                if let Ok(glob) = GlobBuilder::new(pattern).literal_separator(false).build() {
                    all.add(glob);
                    owners.push(index);
                }
            }
        }
        (all.build().unwrap_or_else(|_| GlobSet::empty()), owners)
    }

    pub fn profile(&self, index: usize) -> &Profile {
        &self.profiles[index]
    }
}

/// The names an image is known by, without tag or digest.
fn image_names(image: &str) -> Vec<String> {
    let repository = rampart_linter::exceptions::repository_of(image);
    let mut names = vec![repository.to_string()];
    let first = repository.split('/').next().unwrap_or("");
    let has_registry = repository.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    if !has_registry {
        names.push(format!("docker.io/{repository}"));
        if !repository.contains('/') {
            names.push(format!("docker.io/library/{repository}"));
        }
    } else if let Some(rest) = repository
        .strip_prefix("docker.io/")
        .or_else(|| repository.strip_prefix("index.docker.io/"))
    {
        names.push(rest.strip_prefix("library/").unwrap_or(rest).to_string());
    }
    names
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>, errors: &mut Vec<ProfileError>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(ProfileError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read the profile directory: {error}"),
            });
            return;
        }
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out, errors);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { variant } => pointer.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_cover_docker_hub_forms() {
        assert_eq!(
            image_names("datadog/agent:7.50.0"),
            ["datadog/agent", "docker.io/datadog/agent"]
        );
        assert_eq!(
            image_names("gcr.io/datadoghq/agent:7@sha256:abc"),
            ["gcr.io/datadoghq/agent"]
        );
        assert_eq!(
            image_names("localhost:5000/fluent-bit"),
            ["localhost:5000/fluent-bit"]
        );
        assert_eq!(
            image_names("docker.io/library/vector:0.40"),
            ["docker.io/library/vector", "vector"]
        );
        assert_eq!(
            image_names("busybox"),
            ["busybox", "docker.io/busybox", "docker.io/library/busybox"]
        );
    }
}
