/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Events the sensor's programs send to user space over the ring buffer.
 * The Rust side gets these layouts from the skeleton's BTF (types module). */
#ifndef RAMPART_SENSOR_H
#define RAMPART_SENSOR_H

#define COMM_LEN 16
#define CGROUP_NAME_LEN 128
#define PATH_LEN 256
#define ARGS_LEN 1024
#define WATCHED_NAME_LEN 32
#define CWD_PARTS 4
#define CWD_PART_LEN 32

enum event_kind {
	EVENT_EXEC = 1,
	EVENT_EXIT = 2,
	EVENT_CONNECT = 3,
	EVENT_OPEN = 4,
	EVENT_KIND_COUNT = 5,
};

/* process_header.flags */
#define FLAG_TTY 1u

/* Who did it: the same for every event kind. */
struct process_header {
	u32 kind;
	u32 pid;      /* thread-group id, as in /proc */
	u32 tid;
	u32 ppid;
	u32 uid;
	u32 gid;
	u32 flags;
	u32 mnt_ns;
	u64 time_ns;  /* CLOCK_BOOTTIME */
	u64 cgroup_id;    /* cgroup v2 id of the task's default hierarchy cgroup */
	u64 cgroup_v1_id; /* kernfs id of its v1 memory (or pids) cgroup, 0 if none */
	char comm[COMM_LEN];
};

/* The cgroup names a container id is read from: leaf and parent, on the
 * v2 hierarchy and on one v1 controller (hybrid hosts keep containers there). */
struct cgroup_names {
	char v2_leaf[CGROUP_NAME_LEN];
	char v2_parent[CGROUP_NAME_LEN];
	char v1_leaf[CGROUP_NAME_LEN];
	char v1_parent[CGROUP_NAME_LEN];
};

struct exec_event {
	struct process_header header;
	char parent_comm[COMM_LEN];
	u64 start_boottime_ns;  /* of the thread group */
	s64 exe_ctime_sec;      /* inode change time of the executed file */
	u32 exe_ctime_nsec;
	u32 exe_fs_magic;
	u32 filename_len;
	u32 args_len;
	struct cgroup_names cgroups;
	char filename[PATH_LEN];
	/* argv, NUL-separated; last, because only args_len bytes of it are sent */
	char args[ARGS_LEN];
};

struct exit_event {
	struct process_header header;
	s32 exit_code;
	u32 pad;
};

struct connect_event {
	struct process_header header;
	u16 family;
	u16 port;      /* host byte order */
	u32 fd;
	u8 addr[16];   /* IPv4 in the first 4 bytes */
};

/* open_event.operation */
#define OPERATION_OPEN 1
#define OPERATION_RENAME 2

struct open_event {
	struct process_header header;
	u32 operation;
	u32 flags;     /* open(2) flags; O_WRONLY for a rename target */
	s32 dirfd;
	u32 path_len;
	char path[PATH_LEN];
	/* For a path relative to the working directory: the working
	 * directory's last components, innermost first, read at the call
	 * (the process may be gone before user space looks). */
	u32 cwd_parts;     /* how many were read */
	u32 cwd_complete;  /* 1 when they reach the root of their mount */
	char cwd[CWD_PARTS][CWD_PART_LEN];
};

#endif
