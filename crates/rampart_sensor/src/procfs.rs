//! What /proc says about processes the sensor did not see start: the
//! process table at start-up, cgroups of running processes, and working
//! directories for relative paths. Every read may fail (the process is gone):
//! failures are `None`, never errors.

use std::fs;
use std::sync::Arc;

use crate::clock::Clock;
use crate::container::{self, ContainerRef};
use crate::engine::ProcessEntry;
use crate::event::AT_FDCWD;

/// Every process now running.
pub fn scan(clock: &Clock) -> Vec<ProcessEntry> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| process(pid, clock))
        .collect()
}

/// One process, from /proc/<pid>/{stat,cmdline,exe,cgroup,status}.
pub fn process(pid: u32, clock: &Clock) -> Option<ProcessEntry> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let stat = Stat::parse(&stat)?;
    let args = fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let exe = fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(ProcessEntry {
        pid,
        ppid: stat.ppid,
        uid: uid(pid).unwrap_or(u32::MAX),
        comm: stat.comm,
        exe,
        args,
        tty: stat.tty_nr != 0,
        start: clock.unix_from_ticks(stat.start_ticks),
        container: container_of(pid).map(Arc::new),
    })
}

/// The container a running process is in.
pub fn container_of(pid: u32) -> Option<ContainerRef> {
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    container::from_proc_cgroup(&text)
}

/// Whether the process still exists.
pub fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A relative path made absolute from the process's working directory or
/// the directory `dirfd` refers to, while the process is still there.
pub fn resolve(pid: u32, dirfd: i32, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return Some(path.to_owned());
    }
    let base = if dirfd == AT_FDCWD {
        fs::read_link(format!("/proc/{pid}/cwd")).ok()?
    } else if dirfd >= 0 {
        fs::read_link(format!("/proc/{pid}/fd/{dirfd}")).ok()?
    } else {
        return None;
    };
    Some(crate::event::join(&base.to_string_lossy(), path))
}

fn uid(pid: u32) -> Option<u32> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The fields of /proc/<pid>/stat the sensor reads.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    comm: String,
    ppid: u32,
    tty_nr: i64,
    start_ticks: u64,
}

impl Stat {
    /// `pid (comm) state ppid pgrp session tty_nr … starttime(22) …`; comm
    /// may hold spaces and parentheses, so it ends at the last `)`.
    fn parse(text: &str) -> Option<Self> {
        let open = text.find('(')?;
        let close = text.rfind(')')?;
        let comm = text.get(open + 1..close)?.to_owned();
        let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
        // rest[0] is field 3 (state).
        Some(Self {
            comm,
            ppid: rest.get(1)?.parse().ok()?,
            tty_nr: rest.get(4)?.parse().ok()?,
            start_ticks: rest.get(19)?.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_comm() {
        let text = "42 (a) b (c)) S 7 42 42 34816 42 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615";
        let stat = Stat::parse(text);
        assert_eq!(
            stat,
            Some(Stat {
                comm: "a) b (c)".into(),
                ppid: 7,
                tty_nr: 34816,
                start_ticks: 123456
            })
        );
        assert_eq!(Stat::parse("garbage"), None);
        assert_eq!(Stat::parse("1 (x) S"), None);
    }

    #[test]
    fn this_process_is_read() {
        let me = process(std::process::id(), &Clock::now());
        let me = me.unwrap_or_else(|| panic!("/proc/self is readable"));
        assert_eq!(me.pid, std::process::id());
        assert!(!me.comm.is_empty());
        assert!(me.start > 0);
    }

    #[test]
    fn relative_paths_resolve_from_cwd() {
        let cwd = std::env::current_dir().map(|p| p.to_string_lossy().into_owned());
        let resolved = resolve(std::process::id(), AT_FDCWD, "./a/b");
        assert_eq!(
            resolved,
            cwd.ok().map(|c| format!("{}/a/b", c.trim_end_matches('/')))
        );
        assert_eq!(
            resolve(1, AT_FDCWD, "/etc/shadow").as_deref(),
            Some("/etc/shadow")
        );
    }
}
