//! The eBPF programs: load (BTF tracepoints first, classic tracepoints as the
//! fallback), attach each hook, read the ring buffer, decode events, count
//! what the kernel sent and what it had to drop. Links are detached when
//! [`run`] returns.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{Link, MapCore, MapFlags, OpenObject, RingBufferBuilder};

use crate::clock::Clock;
use crate::event::{CgroupNames, Event, EventKind, PathOperation, Task};

#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    unsafe_op_in_unsafe_fn,
    dead_code,
    unused_imports,
    non_camel_case_types,
    non_snake_case
)]
mod skeleton {
    include!(concat!(env!("OUT_DIR"), "/sensor.skel.rs"));
}

use skeleton::types;
use skeleton::{OpenSensorSkel, SensorSkel, SensorSkelBuilder};

// SAFETY: the event types are `repr(C)` structs of integers and integer
// arrays generated from the programs' BTF: every bit pattern is valid.
unsafe impl plain::Plain for types::process_header {}
unsafe impl plain::Plain for types::exec_event {}
unsafe impl plain::Plain for types::exit_event {}
unsafe impl plain::Plain for types::connect_event {}
unsafe impl plain::Plain for types::open_event {}

/// Event kinds, as numbered by the programs.
pub const KINDS: [&str; 4] = ["exec", "exit", "connect", "open"];

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("opening the eBPF object: {0}")]
    Open(libbpf_rs::Error),
    #[error(
        "loading the eBPF programs: {0} (needs root or CAP_BPF and CAP_PERFMON, and a kernel with BTF: /sys/kernel/btf/vmlinux)"
    )]
    Load(libbpf_rs::Error),
    #[error("attaching {hook}: {error}")]
    Attach {
        hook: &'static str,
        error: libbpf_rs::Error,
    },
    #[error("the ring buffer: {0}")]
    RingBuffer(libbpf_rs::Error),
    #[error("the ring buffer size {0} is not a power of two of at least 4096 bytes")]
    RingBufferSize(u32),
    #[error("watching file name {name:?}: {error}")]
    WatchedName {
        name: String,
        error: libbpf_rs::Error,
    },
}

/// Which program family collects exec and exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookMode {
    /// BTF tracepoints, else classic tracepoints.
    Auto,
    /// Typed BTF tracepoints (`tp_btf`) only.
    Btf,
    /// Classic tracepoints only.
    Tracepoint,
}

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub hooks: HookMode,
    /// Last path components whose opens and rename targets are reported.
    pub watched_names: Vec<String>,
    /// How often [`ProbeHandler::tick`] runs.
    pub tick: Duration,
    /// The ring buffer's size: a power of two, at least a page. An exec
    /// and its exit take about 1 KiB of it, so 16 MiB hold 1.6 s of 10,000
    /// execs/s while the reader is held up.
    pub ring_buffer_bytes: u32,
}

/// The default ring buffer: 16 MiB.
pub const DEFAULT_RING_BUFFER_BYTES: u32 = 16 << 20;

/// One attached program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub program: &'static str,
    /// `tp_btf/sched_process_exec`, `tracepoint/syscalls/sys_enter_openat`, ...
    pub section: String,
}

/// Counters shared with the metrics endpoint.
#[derive(Debug, Default)]
pub struct ProbeCounters {
    /// Events decoded in user space, per kind.
    pub received: [AtomicU64; 4],
    /// Events the kernel could not queue (ring buffer full), per kind.
    pub lost: [AtomicU64; 4],
    /// Ring-buffer records that could not be decoded.
    pub malformed: AtomicU64,
}

impl ProbeCounters {
    pub fn lost_total(&self) -> u64 {
        self.lost.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn received_total(&self) -> u64 {
        self.received
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }
}

/// What the caller does with the probe's output.
pub trait ProbeHandler {
    /// The programs are attached: events flow from now on.
    fn attached(&mut self, _hooks: &[Hook]) {}
    fn event(&mut self, event: Event);
    /// Runs every [`ProbeOptions::tick`], and once more before [`run`] returns.
    fn tick(&mut self) {}
}

/// Optional hooks: a node without them still runs (for example arm64 has no
/// `open` or `rename` system calls).
const OPTIONAL: [&str; 4] = [
    "open_enter",
    "rename_enter",
    "renameat_enter",
    "openat2_enter",
];

/// Loads and attaches the programs, then feeds events to `handler` until
/// `stop` is set. Detaches everything before returning.
pub fn run(
    options: &ProbeOptions,
    stop: &AtomicBool,
    counters: &ProbeCounters,
    handler: &mut dyn ProbeHandler,
) -> Result<Vec<Hook>, ProbeError> {
    ensure_tracefs();
    let mut storage = MaybeUninit::<OpenObject>::uninit();
    let skel = match options.hooks {
        HookMode::Btf => load(&mut storage, true, options)?,
        HookMode::Tracepoint => load(&mut storage, false, options)?,
        HookMode::Auto => match load(&mut storage, true, options) {
            Ok(skel) => skel,
            Err(ProbeError::Load(error))
                if error.kind() == libbpf_rs::ErrorKind::PermissionDenied =>
            {
                return Err(ProbeError::Load(error));
            }
            Err(btf_error) => {
                let mut fallback = MaybeUninit::<OpenObject>::uninit();
                eprintln!(
                    "rampart sensor: BTF tracepoints did not load ({btf_error}); trying classic tracepoints"
                );
                match load(&mut fallback, false, options) {
                    // The fallback object must outlive this function's loop:
                    // run it here, with its own storage.
                    Ok(skel) => return serve(skel, options, stop, counters, handler),
                    Err(_) => return Err(btf_error),
                }
            }
        },
    };
    serve(skel, options, stop, counters, handler)
}

/// Syscall tracepoints are attached through tracefs; mounts it at
/// /sys/kernel/tracing when neither it nor debugfs's copy is there (systemd
/// usually mounts it; minimal hosts and some VMs do not).
fn ensure_tracefs() {
    // Unreadable (not root) counts as mounted: loading will say what is missing.
    let mounted = |dir: &str| match std::fs::metadata(std::path::Path::new(dir).join("events")) {
        Ok(meta) => meta.is_dir(),
        Err(error) => error.kind() == std::io::ErrorKind::PermissionDenied,
    };
    if mounted("/sys/kernel/tracing") || mounted("/sys/kernel/debug/tracing") {
        return;
    }
    let (Ok(source), Ok(target)) = (
        std::ffi::CString::new("tracefs"),
        std::ffi::CString::new("/sys/kernel/tracing"),
    ) else {
        return;
    };
    // SAFETY: all pointers are valid NUL-terminated strings or null.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            source.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        eprintln!(
            "rampart sensor: tracefs is not mounted and mounting it at /sys/kernel/tracing failed ({}); syscall tracepoints will not attach",
            std::io::Error::last_os_error()
        );
    }
}

fn load<'obj>(
    storage: &'obj mut MaybeUninit<OpenObject>,
    btf: bool,
    options: &ProbeOptions,
) -> Result<SensorSkel<'obj>, ProbeError> {
    let size = options.ring_buffer_bytes;
    if !size.is_power_of_two() || size < 4096 {
        return Err(ProbeError::RingBufferSize(size));
    }
    let builder = SensorSkelBuilder::default();
    let mut open: OpenSensorSkel<'_> = builder.open(storage).map_err(ProbeError::Open)?;
    open.maps
        .events
        .set_max_entries(size)
        .map_err(ProbeError::Open)?;
    if let Some(rodata) = open.maps.rodata_data.as_deref_mut() {
        rodata.sensor_tgid = std::process::id();
    }
    open.progs.exec_btf.set_autoload(btf);
    open.progs.exit_btf.set_autoload(btf);
    open.progs.exec_tracepoint.set_autoload(!btf);
    open.progs.exit_tracepoint.set_autoload(!btf);
    open.load().map_err(ProbeError::Load)
}

fn serve(
    skel: SensorSkel<'_>,
    options: &ProbeOptions,
    stop: &AtomicBool,
    counters: &ProbeCounters,
    handler: &mut dyn ProbeHandler,
) -> Result<Vec<Hook>, ProbeError> {
    for name in &options.watched_names {
        let mut key = [0u8; 32];
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() >= key.len() || name.contains('/') {
            continue;
        }
        key[..bytes.len()].copy_from_slice(bytes);
        skel.maps
            .watched_names
            .update(&key, &[1u8], MapFlags::ANY)
            .map_err(|error| ProbeError::WatchedName {
                name: name.clone(),
                error,
            })?;
    }

    let (links, hooks) = attach(&skel)?;
    handler.attached(&hooks);

    // Re-read every tick: the wall clock may be stepped or slewed (NTP)
    // while the boot-time clock of the events is not.
    let clock = std::cell::Cell::new(Clock::now());
    let handler_cell = std::cell::RefCell::new(handler);
    let mut padded = Vec::new();
    let mut builder = RingBufferBuilder::new();
    builder
        .add(&skel.maps.events, |data: &[u8]| {
            match decode(data, &clock.get(), &mut padded) {
                Some(event) => {
                    if let Some(counter) =
                        kind_index(&event.kind).and_then(|i| counters.received.get(i))
                    {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    handler_cell.borrow_mut().event(event);
                }
                None => {
                    counters.malformed.fetch_add(1, Ordering::Relaxed);
                }
            }
            0
        })
        .map_err(ProbeError::RingBuffer)?;
    let ring = builder.build().map_err(ProbeError::RingBuffer)?;

    // The programs wake this loop only when a quarter megabyte is queued;
    // otherwise it drains the buffer every tick. Counters and the handler's
    // housekeeping run on the tick too, not on every wake-up.
    let mut result = Ok(());
    let mut last_tick = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        // EINTR (a signal arrived) is not an error: the stop flag says what to do.
        let left = options.tick.saturating_sub(last_tick.elapsed());
        if let Err(error) = ring.poll(left)
            && error.kind() != libbpf_rs::ErrorKind::Interrupted
        {
            result = Err(ProbeError::RingBuffer(error));
            break;
        }
        if last_tick.elapsed() >= options.tick {
            last_tick = Instant::now();
            if let Err(error) = ring.consume() {
                result = Err(ProbeError::RingBuffer(error));
                break;
            }
            read_lost(&skel, counters);
            clock.set(Clock::now());
            handler_cell.borrow_mut().tick();
        }
    }
    // Drain what is already queued, then detach.
    let _ = ring.consume();
    read_lost(&skel, counters);
    handler_cell.borrow_mut().tick();
    drop(ring);
    drop(links);
    result.map(|()| hooks)
}

fn attach(skel: &SensorSkel<'_>) -> Result<(Vec<Link>, Vec<Hook>), ProbeError> {
    let programs = [
        ("exec_btf", &skel.progs.exec_btf),
        ("exec_tracepoint", &skel.progs.exec_tracepoint),
        ("exit_btf", &skel.progs.exit_btf),
        ("exit_tracepoint", &skel.progs.exit_tracepoint),
        ("connect_enter", &skel.progs.connect_enter),
        ("openat_enter", &skel.progs.openat_enter),
        ("openat2_enter", &skel.progs.openat2_enter),
        ("open_enter", &skel.progs.open_enter),
        ("renameat2_enter", &skel.progs.renameat2_enter),
        ("renameat_enter", &skel.progs.renameat_enter),
        ("rename_enter", &skel.progs.rename_enter),
    ];
    let mut links = Vec::new();
    let mut hooks = Vec::new();
    for (name, program) in programs {
        if !program.autoload() {
            continue;
        }
        match program.attach() {
            Ok(link) => {
                links.push(link);
                hooks.push(Hook {
                    program: name,
                    section: program.section().to_string_lossy().into_owned(),
                });
            }
            Err(_) if OPTIONAL.contains(&name) => {}
            Err(error) => return Err(ProbeError::Attach { hook: name, error }),
        }
    }
    Ok((links, hooks))
}

/// Sums the kernel's per-CPU lost-event counters into `counters.lost`.
fn read_lost(skel: &SensorSkel<'_>, counters: &ProbeCounters) {
    for (index, counter) in counters.lost.iter().enumerate() {
        let key = (index as u32 + 1).to_ne_bytes();
        if let Ok(Some(values)) = skel.maps.lost_events.lookup_percpu(&key, MapFlags::ANY) {
            let total: u64 = values
                .iter()
                .filter_map(|v| v.get(..8).and_then(|b| b.try_into().ok()))
                .map(u64::from_ne_bytes)
                .sum();
            counter.store(total, Ordering::Relaxed);
        }
    }
}

fn kind_index(kind: &EventKind) -> Option<usize> {
    Some(match kind {
        EventKind::Exec { .. } => 0,
        EventKind::Exit { .. } => 1,
        EventKind::Connect { .. } => 2,
        EventKind::Open { .. } => 3,
    })
}

fn text(bytes: &[i8], len: Option<u32>) -> String {
    let bytes: Vec<u8> = bytes.iter().map(|b| *b as u8).collect();
    let end = match len {
        Some(len) => (len as usize).min(bytes.len()),
        None => bytes.len(),
    };
    let slice = &bytes[..end];
    let slice = match CStr::from_bytes_until_nul(slice) {
        Ok(c) => c.to_bytes(),
        Err(_) => slice,
    };
    String::from_utf8_lossy(slice).into_owned()
}

fn task(header: &types::process_header) -> Task {
    Task {
        pid: header.pid,
        tid: header.tid,
        ppid: header.ppid,
        uid: header.uid,
        gid: header.gid,
        comm: text(&header.comm, None),
        tty: header.flags & 1 != 0,
        mnt_ns: header.mnt_ns,
        cgroup_id: header.cgroup_id,
        cgroup_v1_id: header.cgroup_v1_id,
    }
}

/// Decodes one ring-buffer record; `padded` is scratch space kept between
/// records (an exec record is shorter than its type).
fn decode(data: &[u8], clock: &Clock, padded: &mut Vec<u8>) -> Option<Event> {
    let mut header = types::process_header::default();
    plain::copy_from_bytes(&mut header, data).ok()?;
    let time = clock.unix(header.time_ns);
    let kind = match header.kind {
        1 => {
            // The record ends with the used part of argv: pad it back.
            padded.resize(std::mem::size_of::<types::exec_event>(), 0);
            let used = data.len().min(padded.len());
            padded[..used].copy_from_slice(&data[..used]);
            padded[used..].fill(0);
            let mut e = types::exec_event::default();
            plain::copy_from_bytes(&mut e, padded).ok()?;
            let args_len = (e.args_len as usize).min(e.args.len());
            let raw: Vec<u8> = e.args[..args_len].iter().map(|b| *b as u8).collect();
            let args = raw
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let changed =
                e.exe_ctime_sec.saturating_mul(1_000_000_000) + i64::from(e.exe_ctime_nsec);
            EventKind::Exec {
                filename: text(&e.filename, Some(e.filename_len)),
                args,
                parent_comm: text(&e.parent_comm, None),
                process_start: clock.unix(e.start_boottime_ns),
                exe_changed: (e.exe_ctime_sec > 0).then_some(changed),
                cgroups: CgroupNames {
                    v2_leaf: text(&e.cgroups.v2_leaf, None),
                    v2_parent: text(&e.cgroups.v2_parent, None),
                    v1_leaf: text(&e.cgroups.v1_leaf, None),
                    v1_parent: text(&e.cgroups.v1_parent, None),
                },
            }
        }
        2 => {
            let mut e = types::exit_event::default();
            plain::copy_from_bytes(&mut e, data).ok()?;
            EventKind::Exit { code: e.exit_code }
        }
        3 => {
            let mut e = types::connect_event::default();
            plain::copy_from_bytes(&mut e, data).ok()?;
            let address = match e.family {
                2 => IpAddr::V4(Ipv4Addr::new(e.addr[0], e.addr[1], e.addr[2], e.addr[3])),
                10 => IpAddr::V6(Ipv6Addr::from(e.addr)),
                _ => return None,
            };
            EventKind::Connect {
                address,
                port: e.port,
            }
        }
        4 => {
            let mut e = types::open_event::default();
            plain::copy_from_bytes(&mut e, data).ok()?;
            let parts = (e.cwd_parts as usize).min(e.cwd.len());
            let cwd = (parts > 0 || e.cwd_complete != 0).then(|| {
                let names: Vec<String> =
                    e.cwd[..parts].iter().rev().map(|p| text(p, None)).collect();
                let prefix = if e.cwd_complete != 0 { "/" } else { "…/" };
                format!("{prefix}{}", names.join("/"))
            });
            EventKind::Open {
                path: text(&e.path, Some(e.path_len)),
                flags: e.flags,
                dirfd: e.dirfd,
                operation: if e.operation == 2 {
                    PathOperation::Rename
                } else {
                    PathOperation::Open
                },
                cwd,
            }
        }
        _ => return None,
    };
    Some(Event {
        time,
        task: task(&header),
        kind,
    })
}
