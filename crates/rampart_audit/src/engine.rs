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

    /// Reads JSON lines from `reader` to the end. A reader thread fills the
    /// next block while this one is judged.
    pub fn run(
        &self,
        reader: &mut (dyn Read + Send),
        input: &str,
        state: &mut State,
        sink: &mut dyn FnMut(Signal),
    ) -> std::io::Result<Stats> {
        let mut stats = Stats::default();
        let (blocks_tx, blocks) = std::sync::mpsc::sync_channel::<std::io::Result<Chunk>>(1);
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::scope(|scope| {
            scope.spawn(move || produce(reader, &blocks_tx, &recycled));
            let mut next_line = 1;
            for chunk in blocks {
                match chunk? {
                    Chunk::Lines(bytes, len) => {
                        let before = stats.lines;
                        self.process_block(
                            &bytes[..len],
                            input,
                            next_line,
                            state,
                            &mut stats,
                            sink,
                        );
                        next_line += stats.lines - before;
                        // The reader may be gone at the end: nothing to recycle then.
                        let _ = recycle.send(bytes);
                    }
                    Chunk::Oversize => {
                        let line = next_line;
                        next_line += 1;
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
        })
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
enum Chunk {
    /// A buffer and how much of it holds whole lines.
    Lines(Vec<u8>, usize),
    /// A line too long to hold; the consumer numbers it.
    Oversize,
}

/// Reads `reader` into blocks of whole lines (the partial last line moves to
/// the next block) and sends them; a line longer than a block is skipped and
/// reported. Buffers come back through `recycled`.
fn produce(
    reader: &mut (dyn Read + Send),
    blocks: &std::sync::mpsc::SyncSender<std::io::Result<Chunk>>,
    recycled: &std::sync::mpsc::Receiver<Vec<u8>>,
) {
    // Buffers keep their full length (zeroed once); `filled` says what holds data.
    let mut carry: Vec<u8> = Vec::new();
    let mut skipping = false;
    loop {
        let mut buffer = recycled
            .try_recv()
            .unwrap_or_else(|_| vec![0u8; BLOCK_BYTES + MAX_EVENT_BYTES]);
        let mut filled = carry.len();
        buffer[..filled].copy_from_slice(&carry);
        carry.clear();
        let eof = match fill(reader, &mut buffer, &mut filled) {
            Ok(eof) => eof,
            Err(e) => {
                let _ = blocks.send(Err(e));
                return;
            }
        };
        let data = &buffer[..filled];
        if skipping {
            match memchr::memchr(b'\n', data) {
                Some(end) => {
                    skipping = false;
                    carry.extend_from_slice(&data[end + 1..]);
                }
                None if !eof => continue,
                None => skipping = false,
            }
            if blocks.send(Ok(Chunk::Oversize)).is_err() {
                return;
            }
            if eof && carry.is_empty() {
                return;
            }
            continue;
        }
        if data.is_empty() {
            return;
        }
        let len = match memchr::memrchr(b'\n', data) {
            Some(last) => {
                carry.extend_from_slice(&data[last + 1..]);
                last + 1
            }
            None if eof => filled,
            None => {
                // No line end in a whole block: the line is over the limit.
                skipping = true;
                continue;
            }
        };
        if blocks.send(Ok(Chunk::Lines(buffer, len))).is_err() {
            return;
        }
        if eof && carry.is_empty() {
            return;
        }
    }
}

/// Reads until a block is filled or the input ends; true at the end.
fn fill(
    reader: &mut (dyn Read + Send),
    buffer: &mut [u8],
    filled: &mut usize,
) -> std::io::Result<bool> {
    while *filled < BLOCK_BYTES {
        match reader.read(&mut buffer[*filled..]) {
            Ok(0) => return Ok(true),
            Ok(n) => *filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8]) -> (Stats, Vec<Signal>) {
        let engine = Engine::builtin();
        let mut signals = Vec::new();
        let mut reader = input;
        let stats = engine
            .run(&mut reader, "log", &mut State::default(), &mut |s| {
                signals.push(s)
            })
            .unwrap_or_default();
        (stats, signals)
    }

    const EXEC: &str = r#"{"auditID":"x","stage":"ResponseStarted","verb":"create","user":{"username":"u"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"n","name":"p"},"responseStatus":{"code":101},"requestURI":"/api/v1/namespaces/n/pods/p/exec?command=sh"}"#;

    #[test]
    fn lines_are_numbered_across_blocks_and_long_lines_skipped() {
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"verb\":\"get\"}\n\n");
        // Longer than a block: skipped, counted, the stream goes on.
        input.extend_from_slice(b"{\"requestURI\":\"");
        input.resize(input.len() + BLOCK_BYTES + 10, b'a');
        input.extend_from_slice(b"\"}\n");
        // Over the event limit but within a block.
        input.extend_from_slice(b"{\"requestURI\":\"");
        input.resize(input.len() + MAX_EVENT_BYTES, b'b');
        input.extend_from_slice(b"\"}\n");
        input.extend_from_slice(b"not json\n");
        input.extend_from_slice(EXEC.as_bytes());
        let (stats, signals) = run(&input);
        assert_eq!(stats.lines, 6);
        assert_eq!(stats.events, 2);
        assert_eq!(stats.oversize, 2);
        assert_eq!(stats.malformed, 1);
        let lines: Vec<u64> = stats.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].source.line, 6);
    }

    #[test]
    fn one_signal_per_audit_id_across_stages() {
        let complete = EXEC.replace("ResponseStarted", "ResponseComplete");
        let input = format!("{EXEC}\n{complete}\n");
        let (_, signals) = run(input.as_bytes());
        assert_eq!(signals.len(), 1);
    }
}
