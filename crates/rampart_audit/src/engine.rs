//! The engine: reads JSON lines in large blocks, judges the lines of a block
//! in parallel (parse, single-event detections), then runs what needs order
//! (deduplication, windows) over the block's results in sequence. Memory is
//! bounded by the block size and the caps on state, whatever the input size.

use std::collections::{HashMap, VecDeque};
use std::io::Read;

use rayon::prelude::*;

use crate::detections::{Candidate, Context, Detection, Window};
use crate::event::{Record, parse_record};
use crate::signal::Signal;
use crate::time::micros;

/// Events larger than this are counted and skipped (as Falco's `maxEventSize`).
pub const MAX_EVENT_BYTES: usize = 256 * 1024;
/// Bytes read and judged at once.
const BLOCK_BYTES: usize = 8 * 1024 * 1024;
/// Problems kept with their line numbers (the rest are counted).
const MAX_PROBLEMS: usize = 1000;
/// Signals remembered for deduplication by rule and audit ID.
const MAX_SEEN: usize = 200_000;
/// Groups tracked per windowed detection; the least recently seen go first.
const MAX_GROUPS: usize = 50_000;
/// Observations kept per group (enough to cross any threshold).
const MAX_OBSERVATIONS: usize = 4096;
/// How long a `quiet_key` holds repeats of a signal.
const QUIET_MICROS: i64 = 10 * 60 * 1_000_000;

/// A line that is not a judged event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub input: String,
    pub line: u64,
    pub message: String,
}

/// What a run read and found.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub lines: u64,
    pub events: u64,
    pub malformed: u64,
    pub oversize: u64,
    /// Events carrying top-level fields the model does not know.
    pub unknown_fields: u64,
    pub signals: u64,
    /// The first problems, with their lines.
    pub problems: Vec<Problem>,
    /// Signals per rule code.
    pub by_rule: std::collections::BTreeMap<&'static str, u64>,
}

impl Stats {
    fn problem(&mut self, input: &str, line: u64, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                input: input.to_owned(),
                line,
                message,
            });
        }
    }

    /// Adds another run's counts.
    pub fn absorb(&mut self, other: Stats) {
        self.lines += other.lines;
        self.events += other.events;
        self.malformed += other.malformed;
        self.oversize += other.oversize;
        self.unknown_fields += other.unknown_fields;
        self.signals += other.signals;
        for problem in other.problems {
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(problem);
            }
        }
        for (rule, n) in other.by_rule {
            *self.by_rule.entry(rule).or_default() += n;
        }
    }
}

/// The detections to run.
pub struct Engine {
    detections: Vec<Box<dyn Detection>>,
    /// Parse only: no detection runs (the benchmark's floor).
    pub parse_only: bool,
}

/// State that spans blocks and inputs: deduplication and windows.
#[derive(Default)]
pub struct State {
    seen: std::collections::HashSet<(&'static str, String)>,
    seen_order: VecDeque<(&'static str, String)>,
    quiet: HashMap<(&'static str, String), i64>,
    windows: HashMap<(usize, String), Group>,
    clock: u64,
}

struct Group {
    /// (time, distinct value) in arrival order.
    observations: VecDeque<(i64, String)>,
    /// When the group last raised a signal.
    fired_at: Option<i64>,
    last_seen: u64,
}

/// What one line gave.
#[derive(Default)]
struct LineResult {
    events: u32,
    unknown_fields: bool,
    problem: Option<String>,
    oversize: bool,
    candidates: Vec<(usize, Candidate, i64)>,
}

impl Engine {
    pub fn new(detections: Vec<Box<dyn Detection>>) -> Self {
        Self {
            detections,
            parse_only: false,
        }
    }

    /// Every built-in detection.
    pub fn builtin() -> Self {
        Self::new(crate::detections::builtin())
    }

    pub fn detections(&self) -> &[Box<dyn Detection>] {
        &self.detections
    }

    fn judge(&self, line: &[u8]) -> LineResult {
        let mut result = LineResult::default();
        if line.len() > MAX_EVENT_BYTES {
            result.oversize = true;
            return result;
        }
        let record = match parse_record(line) {
            Ok(record) => record,
            Err(e) => {
                result.problem = Some(e.to_string());
                return result;
            }
        };
        let events = match record {
            Record::Event(event) => vec![*event],
            Record::List(items) => items,
        };
        for event in &events {
            result.events += 1;
            result.unknown_fields |= event.unknown_fields > 0;
            if self.parse_only {
                continue;
            }
            let cx = Context::new(event);
            let mut out = Vec::new();
            for (index, detection) in self.detections.iter().enumerate() {
                detection.check(&cx, &mut out);
                if !out.is_empty() {
                    let time = micros(event.time()).unwrap_or(0);
                    result
                        .candidates
                        .extend(out.drain(..).map(|candidate| (index, candidate, time)));
                }
            }
        }
        result
    }

    /// Judges a block of complete lines; `first_line` numbers its first line.
    pub fn process_block(
        &self,
        block: &[u8],
        input: &str,
        first_line: u64,
        state: &mut State,
        stats: &mut Stats,
        sink: &mut dyn FnMut(Signal),
    ) {
        let mut lines: Vec<&[u8]> = Vec::with_capacity(block.len() / 512 + 1);
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', block) {
            lines.push(&block[start..end]);
            start = end + 1;
        }
        lines.push(&block[start..]);
        let results: Vec<LineResult> = lines
            .par_iter()
            .with_min_len(256)
            .map(|line| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    LineResult::default()
                } else {
                    self.judge(line)
                }
            })
            .collect();
        let count = if block.ends_with(b"\n") {
            lines.len() - 1
        } else {
            lines.len()
        };
        stats.lines += count as u64;
        for (offset, result) in results.into_iter().enumerate() {
            let line = first_line + offset as u64;
            stats.events += u64::from(result.events);
            if result.unknown_fields {
                stats.unknown_fields += 1;
                if stats.unknown_fields <= 10 {
                    stats.problem(input, line, "unknown top-level fields (ignored)".to_owned());
                }
            }
            if result.oversize {
                stats.oversize += 1;
                stats.problem(
                    input,
                    line,
                    format!("event over {} KiB skipped", MAX_EVENT_BYTES / 1024),
                );
            }
            if let Some(message) = result.problem {
                stats.malformed += 1;
                stats.problem(input, line, message);
            }
            for (index, candidate, time) in result.candidates {
                self.settle(index, candidate, time, input, line, state, stats, sink);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        index: usize,
        candidate: Candidate,
        time: i64,
        input: &str,
        line: u64,
        state: &mut State,
        stats: &mut Stats,
        sink: &mut dyn FnMut(Signal),
    ) {
        let mut emit = |mut signal: Signal, stats: &mut Stats| {
            signal.source = crate::signal::SignalSource {
                input: input.to_owned(),
                line,
            };
            stats.signals += 1;
            *stats.by_rule.entry(signal.rule).or_default() += 1;
            sink(signal);
        };
        match candidate {
            Candidate::Signal { signal, quiet_key } => {
                if !signal.audit_id.is_empty() && !state.first_time(signal.rule, &signal.audit_id) {
                    return;
                }
                if let Some(key) = quiet_key {
                    let entry = (signal.rule, key);
                    if let Some(last) = state.quiet.get(&entry)
                        && time - last < QUIET_MICROS
                        && time >= *last
                    {
                        return;
                    }
                    if state.quiet.len() >= MAX_GROUPS {
                        state.quiet.clear();
                    }
                    state.quiet.insert(entry, time);
                }
                emit(*signal, stats);
            }
            Candidate::Observation {
                group,
                distinct,
                signal,
            } => {
                let Some(window) = self.detections[index].window() else {
                    return;
                };
                if !signal.audit_id.is_empty() && !state.first_time(signal.rule, &signal.audit_id) {
                    return;
                }
                if state.observe(index, group, distinct, time, window) {
                    emit(*signal, stats);
                }
            }
        }
    }

    /// Reads JSON lines from `reader` to the end.
    pub fn run(
        &self,
        reader: &mut dyn Read,
        input: &str,
        state: &mut State,
        sink: &mut dyn FnMut(Signal),
    ) -> std::io::Result<Stats> {
        let mut stats = Stats::default();
        let mut lines = LineReader::new(reader);
        while let Some(chunk) = lines.next_block()? {
            match chunk {
                Chunk::Lines { bytes, first_line } => {
                    self.process_block(bytes, input, first_line, state, &mut stats, sink);
                }
                Chunk::Oversize { line } => {
                    stats.lines += 1;
                    stats.oversize += 1;
                    stats.problem(
                        input,
                        line,
                        format!("event over {} KiB skipped", MAX_EVENT_BYTES / 1024),
                    );
                }
            }
        }
        Ok(stats)
    }
}

impl State {
    /// Whether `(rule, audit_id)` is new (and remembers it).
    fn first_time(&mut self, rule: &'static str, audit_id: &str) -> bool {
        let key = (rule, audit_id.to_owned());
        if self.seen.contains(&key) {
            return false;
        }
        if self.seen_order.len() >= MAX_SEEN
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(key.clone());
        self.seen_order.push_back(key);
        true
    }

    /// Adds an observation; true when the group crosses the threshold (once
    /// per window).
    fn observe(
        &mut self,
        detection: usize,
        group: String,
        distinct: String,
        time: i64,
        window: Window,
    ) -> bool {
        self.clock += 1;
        if self.windows.len() >= MAX_GROUPS
            && !self.windows.contains_key(&(detection, group.clone()))
        {
            // Drop the least recently seen tenth of the groups.
            let mut ages: Vec<u64> = self.windows.values().map(|g| g.last_seen).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 10];
            self.windows.retain(|_, g| g.last_seen > cutoff);
        }
        let span = window.seconds * 1_000_000;
        let entry = self
            .windows
            .entry((detection, group))
            .or_insert_with(|| Group {
                observations: VecDeque::new(),
                fired_at: None,
                last_seen: 0,
            });
        entry.last_seen = self.clock;
        entry.observations.push_back((time, distinct));
        while entry
            .observations
            .front()
            .is_some_and(|(t, _)| time - *t > span)
            || entry.observations.len() > MAX_OBSERVATIONS
        {
            entry.observations.pop_front();
        }
        if entry
            .fired_at
            .is_some_and(|at| time - at <= span && time >= at)
        {
            return false;
        }
        if entry.observations.len() < window.count {
            return false;
        }
        let mut values: Vec<&str> = entry.observations.iter().map(|(_, v)| v.as_str()).collect();
        values.sort_unstable();
        values.dedup();
        if values.len() < window.distinct {
            return false;
        }
        entry.fired_at = Some(time);
        true
    }
}

/// A piece of input: complete lines, or one line too long to hold.
enum Chunk<'b> {
    Lines { bytes: &'b [u8], first_line: u64 },
    Oversize { line: u64 },
}

/// Splits a stream into blocks of whole lines without holding more than a
/// block (plus one event) in memory.
struct LineReader<'r> {
    reader: &'r mut dyn Read,
    buffer: Vec<u8>,
    /// Bytes of `buffer` in use.
    filled: usize,
    /// Bytes of `buffer` already handed out.
    consumed: usize,
    next_line: u64,
    eof: bool,
    /// Inside an oversize line: skip to its end.
    skipping: bool,
}

impl<'r> LineReader<'r> {
    fn new(reader: &'r mut dyn Read) -> Self {
        Self {
            reader,
            buffer: vec![0; BLOCK_BYTES + MAX_EVENT_BYTES + 1],
            filled: 0,
            consumed: 0,
            next_line: 1,
            eof: false,
            skipping: false,
        }
    }

    fn next_block(&mut self) -> std::io::Result<Option<Chunk<'_>>> {
        // Keep the unfinished tail.
        if self.consumed > 0 {
            self.buffer.copy_within(self.consumed..self.filled, 0);
            self.filled -= self.consumed;
            self.consumed = 0;
        }
        loop {
            while !self.eof && self.filled < self.buffer.len() {
                let n = self.reader.read(&mut self.buffer[self.filled..])?;
                if n == 0 {
                    self.eof = true;
                } else {
                    self.filled += n;
                }
                if self.filled >= BLOCK_BYTES {
                    break;
                }
            }
            if self.skipping {
                match memchr::memchr(b'\n', &self.buffer[..self.filled]) {
                    Some(end) => {
                        self.skipping = false;
                        self.consumed = end + 1;
                        let line = self.next_line;
                        self.next_line += 1;
                        return Ok(Some(Chunk::Oversize { line }));
                    }
                    None if self.eof => {
                        self.skipping = false;
                        self.filled = 0;
                        let line = self.next_line;
                        self.next_line += 1;
                        return Ok(Some(Chunk::Oversize { line }));
                    }
                    None => {
                        self.filled = 0;
                        continue;
                    }
                }
            }
            if self.filled == 0 {
                return Ok(None);
            }
            let end = match memchr::memrchr(b'\n', &self.buffer[..self.filled]) {
                Some(last) => last + 1,
                None if self.eof => self.filled,
                None if self.filled >= self.buffer.len() => {
                    // One line fills the buffer: it is over the limit.
                    self.skipping = true;
                    continue;
                }
                None => continue,
            };
            let first_line = self.next_line;
            let bytes = &self.buffer[..end];
            self.next_line += memchr::memchr_iter(b'\n', bytes).count() as u64;
            if !bytes.ends_with(b"\n") {
                self.next_line += 1;
            }
            self.consumed = end;
            return Ok(Some(Chunk::Lines {
                bytes: &self.buffer[..end],
                first_line,
            }));
        }
    }
}
