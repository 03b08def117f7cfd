//! `--follow`: tails a growing audit log through rotation (a new file under
//! the same name) and truncation, and keeps a checkpoint so that a restart
//! resumes after the last judged complete line: no line is lost, none is
//! judged twice.
//!
//! Order of work for each block of complete lines: judge them, hand the
//! signals to the [`SignalWriter`], [`SignalWriter::commit`] them (flush and
//! sync), then replace the checkpoint atomically (write, sync, rename). A
//! crash between the commit and the rename judges the block again on
//! restart; the checkpoint holds the output's length, so a file output is
//! cut back to it first and no signal appears twice.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, MAX_EVENT_BYTES, State, Stats};
use crate::signal::Signal;

/// Bytes read and judged at once.
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// Where the signals go: buffered writes, and a commit that makes them
/// durable.
pub trait SignalWriter {
    /// Writes one signal (may buffer).
    fn signal(&mut self, signal: Signal);
    /// Flushes (and syncs) the signals written so far. Returns the length of
    /// the output when it is a file, which the checkpoint keeps.
    fn commit(&mut self) -> std::io::Result<Option<u64>>;
}

/// A position in a followed file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The file's inode (a rotated file keeps it under its new name).
    pub inode: u64,
    /// Bytes judged (always just after a newline).
    pub offset: u64,
    /// Lines judged.
    pub line: u64,
    /// The output's length once these lines' signals were written.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "outputLength"
    )]
    pub output_len: Option<u64>,
}

/// A problem following a file.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the checkpoint {path}: {source}")]
    Checkpoint {
        path: String,
        source: std::io::Error,
    },
    #[error("the checkpoint {path} is not valid: {message}")]
    BadCheckpoint { path: String, message: String },
    #[error("cannot write the signals: {0}")]
    Output(std::io::Error),
}

impl Checkpoint {
    /// The checkpoint in `path`, if there is one.
    pub fn load(path: &Path) -> Result<Option<Self>, FollowError> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(FollowError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| FollowError::BadCheckpoint {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    }

    /// Replaces the checkpoint in `path` atomically.
    pub fn store(&self, path: &Path) -> Result<(), FollowError> {
        let mut text = serde_json::to_vec(self).unwrap_or_default();
        text.push(b'\n');
        write_atomically(path, &text).map_err(|source| FollowError::Checkpoint {
            path: path.display().to_string(),
            source,
        })
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it
/// over `path` and syncs the directory: readers see the old or the new
/// content, never a mix, even after a crash.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)?;
    sync_directory(path);
    Ok(())
}

/// Syncs the directory holding `path` (best effort: not every platform can).
pub(crate) fn sync_directory(path: &Path) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// The inode of a file (0 where there are none).
pub fn inode(metadata: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(metadata)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0
    }
}

/// How to follow.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    pub path: PathBuf,
    /// Where the position is kept (none: start at the beginning, keep nothing).
    pub checkpoint: Option<PathBuf>,
    /// How often the file is checked for growth and rotation.
    pub poll: Duration,
}

/// The file being read.
struct Tail {
    file: File,
    name: String,
    inode: u64,
    offset: u64,
    line: u64,
}

impl Tail {
    fn open(path: &Path, offset: u64, line: u64) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let inode = inode(&file.metadata()?);
        Ok(Self {
            file,
            name: path.display().to_string(),
            inode,
            offset,
            line,
        })
    }
}

/// Follows a file until `stop` is set; returns what was read.
pub struct Follower<'a> {
    engine: &'a Engine,
    options: &'a FollowOptions,
    writer: &'a mut dyn SignalWriter,
    notice: &'a mut dyn FnMut(String),
    state: State,
    stats: Stats,
    buffer: Vec<u8>,
}

impl<'a> Follower<'a> {
    /// `notice` receives what a user should know (rotation, truncation, a
    /// vanished file).
    pub fn new(
        engine: &'a Engine,
        options: &'a FollowOptions,
        writer: &'a mut dyn SignalWriter,
        notice: &'a mut dyn FnMut(String),
    ) -> Self {
        Self {
            engine,
            options,
            writer,
            notice,
            state: State::default(),
            stats: Stats::default(),
            buffer: Vec::new(),
        }
    }

    /// Runs until `stop` is set (checked every poll), then commits and
    /// stores the checkpoint.
    pub fn run(mut self, stop: &AtomicBool) -> Result<Stats, FollowError> {
        let Some(mut tail) = self.start(stop)? else {
            return Ok(self.stats);
        };
        loop {
            if self.read_available(&mut tail, false)? {
                continue;
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match std::fs::metadata(&self.options.path) {
                Ok(metadata) if inode(&metadata) != tail.inode => {
                    // Rotated: finish the old file (its last line too, as
                    // nothing more will be written to it), then the new one.
                    self.read_available(&mut tail, true)?;
                    // A new file that is gone again is retried at the next poll.
                    if let Ok(next) = Tail::open(&self.options.path, 0, 0) {
                        (self.notice)(format!(
                            "{} was rotated after line {}; following the new file",
                            tail.name, tail.line
                        ));
                        tail = next;
                        self.store(&tail, None)?;
                        continue;
                    }
                }
                Ok(metadata) if metadata.len() < tail.offset => {
                    (self.notice)(format!(
                        "{} was truncated (below byte {}); reading it from the start",
                        tail.name, tail.offset
                    ));
                    tail.offset = 0;
                    tail.line = 0;
                    self.store(&tail, None)?;
                    continue;
                }
                _ => {}
            }
            pause(self.options.poll, stop);
        }
        let output_len = self.writer.commit().map_err(FollowError::Output)?;
        self.store(&tail, output_len)?;
        Ok(self.stats)
    }

    /// Opens the file where the checkpoint says (or at its start).
    fn start(&mut self, stop: &AtomicBool) -> Result<Option<Tail>, FollowError> {
        let path = &self.options.path;
        let saved = match &self.options.checkpoint {
            Some(checkpoint) => Checkpoint::load(checkpoint)?,
            None => None,
        };
        // Wait for the file to exist.
        let current = loop {
            match Tail::open(path, 0, 0) {
                Ok(tail) => break tail,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if stop.load(Ordering::SeqCst) {
                        return Ok(None);
                    }
                    pause(self.options.poll, stop);
                }
                Err(source) => {
                    return Err(FollowError::Read {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        };
        let Some(saved) = saved else {
            return Ok(Some(current));
        };
        if saved.inode == current.inode {
            let len = current.file.metadata().map(|m| m.len()).unwrap_or(0);
            if len >= saved.offset {
                return Ok(Some(Tail {
                    offset: saved.offset,
                    line: saved.line,
                    ..current
                }));
            }
            (self.notice)(format!(
                "{} is shorter than the checkpoint (truncated); reading it from the start",
                current.name
            ));
            return Ok(Some(current));
        }
        // Rotated while we were away: finish the old file first, if it is
        // still beside the new one.
        if let Some(old) = find_inode(path, saved.inode)
            && let Ok(tail) = Tail::open(&old, saved.offset, saved.line)
            && tail.inode == saved.inode
        {
            (self.notice)(format!(
                "{} was rotated to {}; finishing it from line {}",
                path.display(),
                old.display(),
                saved.line + 1
            ));
            return Ok(Some(tail));
        }
        (self.notice)(format!(
            "the checkpointed file (inode {}) is gone; reading {} from the start",
            saved.inode,
            path.display()
        ));
        Ok(Some(current))
    }

    /// Judges the complete lines after the tail's offset (all of it when
    /// `last`); true when it judged something.
    fn read_available(&mut self, tail: &mut Tail, last: bool) -> Result<bool, FollowError> {
        let mut progressed = false;
        loop {
            let read = read_at(&mut tail.file, tail.offset, &mut self.buffer, BLOCK_BYTES)
                .map_err(|source| FollowError::Read {
                    path: tail.name.clone(),
                    source,
                })?;
            if read == 0 {
                break;
            }
            let end = match memchr::memrchr(b'\n', &self.buffer[..read]) {
                Some(index) => index + 1,
                None if last => read,
                None if read == BLOCK_BYTES => {
                    // One line over the block: skip it to its end.
                    self.skip_line(tail)?;
                    progressed = true;
                    continue;
                }
                None => break,
            };
            let block = &self.buffer[..end];
            let lines = memchr::memchr_iter(b'\n', block).count() as u64
                + u64::from(!block.ends_with(b"\n"));
            let writer = &mut *self.writer;
            self.engine.process_block(
                block,
                &tail.name,
                tail.line + 1,
                &mut self.state,
                &mut self.stats,
                &mut |signal| writer.signal(signal),
            );
            tail.offset += end as u64;
            tail.line += lines;
            progressed = true;
            let output_len = self.writer.commit().map_err(FollowError::Output)?;
            self.store(tail, output_len)?;
            if read < BLOCK_BYTES {
                break;
            }
        }
        Ok(progressed)
    }

    /// Skips a line too long to hold (it is over the event limit anyway).
    fn skip_line(&mut self, tail: &mut Tail) -> Result<(), FollowError> {
        let mut skipped = 0u64;
        loop {
            let read = read_at(
                &mut tail.file,
                tail.offset + skipped,
                &mut self.buffer,
                BLOCK_BYTES,
            )
            .map_err(|source| FollowError::Read {
                path: tail.name.clone(),
                source,
            })?;
            if read == 0 {
                // Not finished yet: come back later.
                return Ok(());
            }
            if let Some(index) = memchr::memchr(b'\n', &self.buffer[..read]) {
                tail.offset += skipped + index as u64 + 1;
                tail.line += 1;
                self.stats.lines += 1;
                self.stats.oversize += 1;
                (self.notice)(format!(
                    "{}:{}: event over {} KiB skipped",
                    tail.name,
                    tail.line,
                    MAX_EVENT_BYTES / 1024
                ));
                let output_len = self.writer.commit().map_err(FollowError::Output)?;
                return self.store(tail, output_len);
            }
            skipped += read as u64;
        }
    }

    fn store(&mut self, tail: &Tail, output_len: Option<u64>) -> Result<(), FollowError> {
        let Some(path) = &self.options.checkpoint else {
            return Ok(());
        };
        Checkpoint {
            inode: tail.inode,
            offset: tail.offset,
            line: tail.line,
            output_len,
        }
        .store(path)
    }
}

/// Reads up to `limit` bytes from `offset` into `buffer`; returns how many.
fn read_at(
    file: &mut File,
    offset: u64,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<usize> {
    buffer.resize(limit, 0);
    file.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < limit {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A file beside `path` with this inode (where a rotated log went).
fn find_inode(path: &Path, wanted: u64) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .metadata()
                .is_ok_and(|m| m.is_file() && inode(&m) == wanted)
        })
        .map(|entry| entry.path())
}

/// Sleeps for `total`, waking early when `stop` is set.
fn pause(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::SeqCst) {
        let now = left.min(step);
        std::thread::sleep(now);
        left -= now;
    }
}

/// A flag raised on SIGTERM or Ctrl-C (a small thread waits for them).
pub fn stop_on_signal() -> std::io::Result<std::sync::Arc<AtomicBool>> {
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let flag = std::sync::Arc::clone(&stop);
    // Register the handlers before returning, so no signal is missed.
    let (ready, registered) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("rampart-signals".to_owned())
        .spawn(move || {
            runtime.block_on(async {
                let wait = rampart_https::wait_for_termination();
                tokio::pin!(wait);
                // Poll once so the handlers are installed.
                tokio::select! {
                    biased;
                    () = &mut wait => {}
                    () = std::future::ready(()) => {
                        let _ = ready.send(());
                        wait.await;
                    }
                }
            });
            flag.store(true, Ordering::SeqCst);
        })?;
    let _ = registered.recv_timeout(Duration::from_secs(5));
    Ok(stop)
}
