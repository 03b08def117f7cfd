//! The receiver's spool: accepted batches appended (and synced) to segment
//! files of JSON lines in a directory, and a checkpoint of how far they were
//! judged. A batch is acknowledged only once it is on disk, and judged only
//! once (the checkpoint moves after its signals are committed).
//!
//! Layout: `NNNNNNNNNNNNNNNNNNNN.jsonl` segments (numbered from 1) and
//! `checkpoint.json` (`{"segment":…,"offset":…,"line":…,"outputLength":…}`).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::follow::{sync_directory, write_atomically};

/// A new segment is started once the current one holds this much.
pub const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// How far the spool was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpoolCheckpoint {
    pub segment: u64,
    /// Bytes of the segment judged (just after a newline).
    pub offset: u64,
    /// Lines of the segment judged.
    pub line: u64,
    /// The output's length once these lines' signals were written.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "outputLength"
    )]
    pub output_len: Option<u64>,
}

impl Default for SpoolCheckpoint {
    fn default() -> Self {
        Self {
            segment: 1,
            offset: 0,
            line: 0,
            output_len: None,
        }
    }
}

/// A problem with the spool.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the spool checkpoint {path} is not valid: {message}")]
    BadCheckpoint { path: String, message: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The appending end.
struct Writer {
    segment: u64,
    file: File,
    /// Bytes synced to the segment.
    len: u64,
}

/// The spool directory.
pub struct Spool {
    dir: PathBuf,
    writer: Mutex<Writer>,
}

impl Spool {
    /// Opens (or creates) the spool in `dir`: drops judged segments, cuts an
    /// unfinished append off the last one, and returns where judging resumes.
    pub fn open(dir: &Path) -> Result<(Self, SpoolCheckpoint), SpoolError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let checkpoint = Self::checkpoint(dir)?.unwrap_or_default();
        let mut segments = segments(dir)?;
        for segment in segments.iter().filter(|s| **s < checkpoint.segment) {
            let path = segment_path(dir, *segment);
            std::fs::remove_file(&path).map_err(io_error(&path))?;
        }
        segments.retain(|s| *s >= checkpoint.segment);
        let last = segments.last().copied().unwrap_or(checkpoint.segment);
        let path = segment_path(dir, last);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let len = complete_length(&mut file).map_err(io_error(&path))?;
        file.set_len(len).map_err(io_error(&path))?;
        file.sync_all().map_err(io_error(&path))?;
        sync_directory(&path);
        Ok((
            Self {
                dir: dir.to_owned(),
                writer: Mutex::new(Writer {
                    segment: last,
                    file,
                    len,
                }),
            },
            checkpoint,
        ))
    }

    /// The checkpoint in `dir`, if any (e.g. to cut the output back before
    /// the receiver starts).
    pub fn checkpoint(dir: &Path) -> Result<Option<SpoolCheckpoint>, SpoolError> {
        let path = dir.join("checkpoint.json");
        match std::fs::read(&path) {
            Ok(text) => {
                serde_json::from_slice(&text)
                    .map(Some)
                    .map_err(|e| SpoolError::BadCheckpoint {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// Stores how far the spool was judged.
    pub fn store_checkpoint(&self, checkpoint: &SpoolCheckpoint) -> Result<(), SpoolError> {
        let path = self.dir.join("checkpoint.json");
        let mut text = serde_json::to_vec(checkpoint).unwrap_or_default();
        text.push(b'\n');
        write_atomically(&path, &text).map_err(io_error(&path))
    }

    /// Appends complete lines (`lines` ends with a newline) and syncs them.
    /// On failure nothing of them stays.
    pub fn append(&self, lines: &[u8]) -> Result<(), SpoolError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if writer.len >= SEGMENT_BYTES {
            let segment = writer.segment + 1;
            let path = segment_path(&self.dir, segment);
            let file = OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)
                .map_err(io_error(&path))?;
            sync_directory(&path);
            *writer = Writer {
                segment,
                file,
                len: 0,
            };
        }
        let path = segment_path(&self.dir, writer.segment);
        let result = writer
            .file
            .write_all(lines)
            .and_then(|()| writer.file.sync_data());
        if let Err(e) = result {
            let len = writer.len;
            let _ = writer.file.set_len(len);
            return Err(io_error(&path)(e));
        }
        writer.len += lines.len() as u64;
        Ok(())
    }

    /// The segment being appended to and its synced length: judging reads
    /// no further.
    pub fn committed(&self) -> (u64, u64) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        (writer.segment, writer.len)
    }

    /// The path of a segment.
    pub fn segment_path(&self, segment: u64) -> PathBuf {
        segment_path(&self.dir, segment)
    }

    /// Removes a judged segment.
    pub fn remove(&self, segment: u64) {
        let path = segment_path(&self.dir, segment);
        let _ = std::fs::remove_file(&path);
        sync_directory(&path);
    }
}

fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:020}.jsonl"))
}

/// The numbers of the segments in `dir`, in order.
fn segments(dir: &Path) -> Result<Vec<u64>, SpoolError> {
    let mut found: Vec<u64> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let name = name.to_str()?;
            name.strip_suffix(".jsonl")?.parse().ok()
        })
        .collect();
    found.sort_unstable();
    Ok(found)
}

/// The length of `file` up to (and with) its last newline.
fn complete_length(file: &mut File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    let mut end = len;
    let mut buffer = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buffer.len() as u64);
        let chunk = &mut buffer[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(index) = memchr::memrchr(b'\n', chunk) {
            return Ok(start + index as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}
