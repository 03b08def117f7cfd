//! Turns events into signals: keeps a process table (from exec and exit
//! events, seeded from /proc), attributes each event to its container (cgroup
//! names recorded in the kernel, cached per cgroup) and pod, runs every
//! detection, then drops allowed signals and repeats within ten minutes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::SensorConfig;
use crate::container::{self, ContainerRef};
use crate::detections::{self, Context, Detection, Finding};
use crate::event::{Event, EventKind, PathOperation, opens_for_write};
use crate::pods::{PodIndex, PodInfo};
use crate::procfs;
use crate::signal::{Signal, SignalEvent, SignalParent, SignalProcess};

/// A process as the sensor knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessEntry {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub comm: String,
    /// Executable path (the path given to execve, or /proc/<pid>/exe).
    pub exe: String,
    pub args: Vec<String>,
    pub tty: bool,
    /// Unix ns.
    pub start: i64,
    pub container: Option<Arc<ContainerRef>>,
}

impl ProcessEntry {
    /// The executable's base name, else the comm.
    pub fn name(&self) -> &str {
        let base = self.exe.rsplit('/').next().unwrap_or("");
        if base.is_empty() { &self.comm } else { base }
    }
}

/// How long a repeated signal (same rule and key) stays quiet.
const QUIET_NS: i64 = 600 * 1_000_000_000;
/// Processes kept at most; the oldest half goes when full (exit events lost).
const MAX_PROCESSES: usize = 1 << 17;

/// What the engine did.
#[derive(Debug, Default, Clone)]
pub struct EngineStats {
    pub events: u64,
    pub signals: u64,
    /// Signals dropped by the allow list.
    pub allowed: u64,
    /// Repeats within the quiet window.
    pub quieted: u64,
    pub by_rule: BTreeMap<&'static str, u64>,
}

pub struct Engine {
    config: SensorConfig,
    builtin: Vec<&'static dyn Detection>,
    processes: HashMap<u32, Arc<ProcessEntry>>,
    cgroups: HashMap<(u64, u64), Option<Arc<ContainerRef>>>,
    container_start: HashMap<String, i64>,
    pods: Option<Arc<RwLock<PodIndex>>>,
    quiet: HashMap<(&'static str, String), i64>,
    node: String,
    /// Reads /proc for what events do not say (live mode, not replay).
    live: bool,
    clock: Clock,
    pub stats: EngineStats,
}

impl Engine {
    pub fn new(config: SensorConfig, node: String) -> Self {
        Self {
            config,
            builtin: detections::all(),
            processes: HashMap::new(),
            cgroups: HashMap::new(),
            container_start: HashMap::new(),
            pods: None,
            quiet: HashMap::new(),
            node,
            live: false,
            clock: Clock::now(),
            stats: EngineStats::default(),
        }
    }

    /// Live mode: seed the process table from /proc and consult /proc for
    /// processes and relative paths events do not explain.
    pub fn live(mut self, clock: &Clock) -> Self {
        self.live = true;
        self.clock = *clock;
        for entry in procfs::scan(clock) {
            self.remember(entry);
        }
        self
    }

    pub fn with_pods(mut self, pods: Arc<RwLock<PodIndex>>) -> Self {
        self.pods = Some(pods);
        self
    }

    /// Keeps only the `select`ed detections (all when empty) minus the
    /// `ignore`d ones; codes or names. Unknown ones are an error.
    pub fn select(&mut self, select: &[String], ignore: &[String]) -> Result<(), String> {
        let known: Vec<(&str, &str)> = self
            .detections()
            .map(|d| (d.meta().code, d.meta().name))
            .collect();
        for wanted in select.iter().chain(ignore) {
            if !known
                .iter()
                .any(|(code, name)| code.eq_ignore_ascii_case(wanted) || name == wanted)
            {
                return Err(format!("unknown detection `{wanted}`"));
            }
        }
        let keep = |code: &str, name: &str| {
            let listed = |list: &[String]| {
                list.iter()
                    .any(|w| code.eq_ignore_ascii_case(w) || name == w)
            };
            (select.is_empty() || listed(select)) && !listed(ignore)
        };
        self.builtin.retain(|d| keep(d.meta().code, d.meta().name));
        self.config
            .detections
            .retain(|d| keep(d.meta().code, d.meta().name));
        Ok(())
    }

    pub fn config(&self) -> &SensorConfig {
        &self.config
    }

    /// Every detection: built-in, then the configuration's.
    pub fn detections(&self) -> impl Iterator<Item = &dyn Detection> {
        self.builtin
            .iter()
            .copied()
            .chain(self.config.detections.iter().map(|d| d as &dyn Detection))
    }

    /// File names the kernel must report opens of.
    pub fn watched_names(&self) -> Vec<String> {
        let mut names: Vec<String> = detections::WATCHED_FILE_NAMES
            .iter()
            .map(|n| (*n).to_owned())
            .chain(self.config.watch_file_names.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    fn remember(&mut self, entry: ProcessEntry) {
        if let Some(c) = &entry.container {
            let start = self
                .container_start
                .entry(c.id.clone())
                .or_insert(entry.start);
            *start = (*start).min(entry.start);
        }
        if self.processes.len() >= MAX_PROCESSES {
            self.prune();
        }
        self.processes.insert(entry.pid, Arc::new(entry));
    }

    /// Drops processes that are gone (live) or the older half (replay).
    fn prune(&mut self) {
        if self.live {
            self.processes.retain(|pid, _| procfs::alive(*pid));
        }
        if self.processes.len() >= MAX_PROCESSES / 2 {
            let mut starts: Vec<i64> = self.processes.values().map(|p| p.start).collect();
            starts.sort_unstable();
            let cut = starts.get(starts.len() / 2).copied().unwrap_or(i64::MAX);
            self.processes.retain(|_, p| p.start >= cut);
        }
        if self.cgroups.len() > MAX_PROCESSES {
            self.cgroups.clear();
        }
        if self.container_start.len() > MAX_PROCESSES {
            let live: std::collections::HashSet<&str> = self
                .processes
                .values()
                .filter_map(|p| p.container.as_deref().map(|c| c.id.as_str()))
                .collect();
            self.container_start
                .retain(|id, _| live.contains(id.as_str()));
        }
    }

    /// Housekeeping: forget quiet keys that expired.
    pub fn tick(&mut self, now: i64) {
        self.quiet.retain(|_, until| *until > now);
    }

    fn pod_of(&self, container: &ContainerRef) -> Option<PodInfo> {
        let pods = self.pods.as_ref()?.read().ok()?;
        pods.by_container(&container.id).cloned().or_else(|| {
            container
                .pod_uid
                .as_deref()
                .and_then(|uid| pods.by_pod_uid(uid))
        })
    }

    fn container_of(&mut self, event: &Event) -> Option<Arc<ContainerRef>> {
        let key = (event.task.cgroup_id, event.task.cgroup_v1_id);
        if let EventKind::Exec { cgroups, .. } = &event.kind {
            let found = container::from_cgroup_names(&cgroups.v2_leaf, &cgroups.v2_parent)
                .or_else(|| container::from_cgroup_names(&cgroups.v1_leaf, &cgroups.v1_parent))
                .map(Arc::new);
            self.cgroups.insert(key, found.clone());
            return found;
        }
        if let Some(known) = self.cgroups.get(&key) {
            return known.clone();
        }
        let found = match self.processes.get(&event.task.pid) {
            Some(p) => p.container.clone(),
            None if self.live => procfs::container_of(event.task.pid).map(Arc::new),
            None => None,
        };
        if self.live {
            self.cgroups.insert(key, found.clone());
        }
        found
    }

    /// Judges one event.
    pub fn handle(&mut self, event: &Event) -> Vec<Signal> {
        self.stats.events += 1;
        let container = self.container_of(event);
        if let EventKind::Exec {
            filename,
            args,
            process_start,
            ..
        } = &event.kind
        {
            self.remember(ProcessEntry {
                pid: event.task.pid,
                ppid: event.task.ppid,
                uid: event.task.uid,
                comm: event.task.comm.clone(),
                exe: filename.clone(),
                args: args.clone(),
                tty: event.task.tty,
                start: *process_start,
                container: container.clone(),
            });
        }
        if !self.processes.contains_key(&event.task.pid)
            && self.live
            && let Some(mut entry) = procfs::process(event.task.pid, &self.clock)
        {
            entry.container = container.clone();
            self.remember(entry);
        }
        let process = self
            .processes
            .get(&event.task.pid)
            .cloned()
            .unwrap_or_else(|| {
                Arc::new(ProcessEntry {
                    pid: event.task.pid,
                    ppid: event.task.ppid,
                    uid: event.task.uid,
                    comm: event.task.comm.clone(),
                    exe: String::new(),
                    args: Vec::new(),
                    tty: event.task.tty,
                    start: 0,
                    container: container.clone(),
                })
            });
        let path = match &event.kind {
            EventKind::Open { path, .. } if path.starts_with('/') => Some(path.clone()),
            // The working directory the kernel read at the call, else /proc
            // while the process lives.
            EventKind::Open {
                path,
                cwd: Some(cwd),
                ..
            } => Some(crate::event::join(cwd, path)),
            EventKind::Open { path, dirfd, .. } if self.live => {
                procfs::resolve(event.task.pid, *dirfd, path).or_else(|| Some(path.clone()))
            }
            EventKind::Open { path, .. } => Some(path.clone()),
            _ => None,
        };
        let pod = container.as_deref().and_then(|c| self.pod_of(c));
        let mut findings: Vec<(&'static rampart_audit::meta::DetectionMeta, Finding)> = Vec::new();
        {
            let cx = Context {
                pod: pod.as_ref(),
                event,
                process: &process,
                container: container.as_deref(),
                container_start: container
                    .as_ref()
                    .and_then(|c| self.container_start.get(&c.id).copied()),
                path: path.as_deref(),
                config: &self.config,
                processes: &self.processes,
            };
            let mut out = Vec::new();
            for detection in self.detections() {
                detection.check(&cx, &mut out);
                findings.extend(out.drain(..).map(|f| (detection.meta(), f)));
            }
        }
        let mut signals = Vec::new();
        for (meta, finding) in findings {
            let quiet_key = finding.quiet_key.clone();
            let signal = self.signal(
                meta,
                finding,
                event,
                &process,
                container.as_deref(),
                pod.clone(),
                path.as_deref(),
            );
            if self.config.allowed(&signal) {
                self.stats.allowed += 1;
                continue;
            }
            if let Some(key) = quiet_key {
                let until = self.quiet.entry((meta.code, key)).or_insert(i64::MIN);
                if *until > event.time {
                    self.stats.quieted += 1;
                    continue;
                }
                *until = event.time + QUIET_NS;
            }
            self.stats.signals += 1;
            *self.stats.by_rule.entry(meta.code).or_default() += 1;
            signals.push(signal);
        }
        if let EventKind::Exit { .. } = event.kind {
            self.processes.remove(&event.task.pid);
        }
        signals
    }

    #[allow(clippy::too_many_arguments)]
    fn signal(
        &self,
        meta: &'static rampart_audit::meta::DetectionMeta,
        finding: Finding,
        event: &Event,
        process: &ProcessEntry,
        container: Option<&ContainerRef>,
        pod: Option<PodInfo>,
        path: Option<&str>,
    ) -> Signal {
        let parent = self.processes.get(&process.ppid).map(|p| SignalParent {
            pid: p.pid,
            comm: p.comm.clone(),
            exe: p.exe.clone(),
        });
        let parent = match (&event.kind, parent) {
            (EventKind::Exec { parent_comm, .. }, None) => Some(SignalParent {
                pid: process.ppid,
                comm: parent_comm.clone(),
                exe: String::new(),
            }),
            (_, parent) => parent,
        };
        let event_view = match &event.kind {
            EventKind::Exec { .. } | EventKind::Exit { .. } => SignalEvent::Exec,
            EventKind::Connect { address, port } => SignalEvent::Connect {
                address: *address,
                port: *port,
            },
            EventKind::Open {
                flags, operation, ..
            } => SignalEvent::Open {
                path: path.unwrap_or("").to_owned(),
                access: if opens_for_write(*flags) {
                    "write"
                } else {
                    "read"
                },
                operation: match operation {
                    PathOperation::Open => "open",
                    PathOperation::Rename => "rename",
                },
            },
        };
        Signal {
            rule: meta.code,
            name: meta.name,
            severity: finding.severity.unwrap_or(meta.severity),
            time: rfc3339(event.time),
            summary: finding.summary,
            mitre: meta.mitre,
            origin: "sensor",
            node: self.node.clone(),
            container: container.cloned(),
            pod,
            process: SignalProcess {
                pid: process.pid,
                ppid: process.ppid,
                uid: process.uid,
                comm: process.comm.clone(),
                exe: process.exe.clone(),
                args: process.args.clone(),
                tty: process.tty,
                parent,
            },
            event: event_view,
        }
    }
}

/// Unix ns as RFC 3339 UTC.
pub fn rfc3339(unix_ns: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(unix_ns))
        .map(|t| t.to_string())
        .unwrap_or_default()
}
