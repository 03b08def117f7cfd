//! What the kernel reports, decoded: one [`Event`] per exec, exit, connect or
//! watched-file open. Times are Unix nanoseconds (the probe converts the
//! kernel's boot-time clock). Events serialize as JSON lines (`--events`) and
//! read back for `rampart sensor replay`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The task that caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Process (thread-group) id, as in `/proc`.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub gid: u32,
    /// The task's name (`comm`, at most 15 bytes).
    pub comm: String,
    /// A controlling terminal is attached.
    pub tty: bool,
    /// Mount namespace inode number.
    #[serde(rename = "mntNs")]
    pub mnt_ns: u32,
    /// cgroup v2 id, and the kernfs id of a v1 controller's cgroup (hybrid hosts).
    #[serde(rename = "cgroupId")]
    pub cgroup_id: u64,
    #[serde(rename = "cgroupV1Id", default)]
    pub cgroup_v1_id: u64,
}

/// Names of the task's cgroups: leaf and parent, on v2 and on one v1 controller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupNames {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub v2_leaf: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub v2_parent: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub v1_leaf: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub v1_parent: String,
}

/// How a watched path was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathOperation {
    Open,
    /// The path is a rename's target (written as a whole).
    Rename,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EventKind {
    Exec {
        /// The path given to execve.
        filename: String,
        args: Vec<String>,
        #[serde(rename = "parentComm")]
        parent_comm: String,
        /// When the process started (Unix ns).
        #[serde(rename = "processStart")]
        process_start: i64,
        /// Change time of the executed file (Unix ns), when read.
        #[serde(
            rename = "exeChanged",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        exe_changed: Option<i64>,
        #[serde(default)]
        cgroups: CgroupNames,
    },
    Exit {
        code: i32,
    },
    Connect {
        address: IpAddr,
        port: u16,
    },
    Open {
        path: String,
        /// open(2) flags.
        flags: u32,
        /// The directory a relative path is resolved from (`-100` = cwd).
        #[serde(default = "cwd")]
        dirfd: i32,
        operation: PathOperation,
        /// For a path relative to the working directory: the working
        /// directory as read in the kernel at the call, `…/a/b` when only
        /// its last components were read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
    },
}

fn cwd() -> i32 {
    AT_FDCWD
}

/// `AT_FDCWD`: a relative path is resolved from the working directory.
pub const AT_FDCWD: i32 = -100;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unix nanoseconds.
    pub time: i64,
    pub task: Task,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// `exec`, `exit`, `connect` or `open`.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            EventKind::Exec { .. } => "exec",
            EventKind::Exit { .. } => "exit",
            EventKind::Connect { .. } => "connect",
            EventKind::Open { .. } => "open",
        }
    }
}

const O_ACCMODE: u32 = 0o3;
const O_CREAT: u32 = 0o100;
const O_TRUNC: u32 = 0o1000;
const O_APPEND: u32 = 0o2000;

/// Whether open(2) flags ask to change the file.
pub fn opens_for_write(flags: u32) -> bool {
    flags & O_ACCMODE != 0 || flags & (O_CREAT | O_TRUNC | O_APPEND) != 0
}

/// Joins a relative path to a directory (`./` and `../` left as they are
/// but for a leading `./`).
pub fn join(dir: &str, relative: &str) -> String {
    let relative = relative.trim_start_matches("./");
    format!("{}/{relative}", dir.trim_end_matches('/'))
}

/// The last component of a path.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_flags() {
        assert!(!opens_for_write(0));
        assert!(opens_for_write(1));
        assert!(opens_for_write(2));
        assert!(opens_for_write(O_CREAT));
        assert!(opens_for_write(O_APPEND));
        assert!(!opens_for_write(0o2000000)); // O_CLOEXEC
    }

    #[test]
    fn events_round_trip_as_json() {
        let event = Event {
            time: 1_700_000_000_000_000_000,
            task: Task {
                pid: 10,
                tid: 10,
                ppid: 1,
                uid: 0,
                gid: 0,
                comm: "curl".into(),
                tty: true,
                mnt_ns: 4026531841,
                cgroup_id: 1,
                cgroup_v1_id: 0,
            },
            kind: EventKind::Connect {
                address: "169.254.169.254"
                    .parse()
                    .unwrap_or(IpAddr::from([0, 0, 0, 0])),
                port: 80,
            },
        };
        let line = serde_json::to_string(&event).unwrap_or_default();
        assert!(line.contains(r#""type":"connect""#), "{line}");
        let back: Event = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(back, event);
    }
}
