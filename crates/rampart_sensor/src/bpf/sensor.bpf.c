// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rampart sensor: process exec and exit, outbound connects, and opens of
 * watched file names, sent to user space over one ring buffer. Only
 * tracepoints: typed BTF tracepoints (tp_btf) for exec and exit with classic
 * tracepoint fallbacks, and syscall tracepoints for connect, open and rename.
 * No kprobe, fentry or LSM program, which many nodes do not allow.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sensor.h"

#define AF_INET 2
#define AF_INET6 10
#define AT_FDCWD -100
#define O_WRONLY 01

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. */
const volatile u32 sensor_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* Events the ring buffer had no room for, per kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVENT_KIND_COUNT);
	__type(key, u32);
	__type(value, u64);
} lost_events SEC(".maps");

/* Events sent, per kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVENT_KIND_COUNT);
	__type(key, u32);
	__type(value, u64);
} sent_events SEC(".maps");

/* File names (the last path component) whose opens are reported. */
struct watched_name {
	char name[WATCHED_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct watched_name);
	__type(value, u8);
} watched_names SEC(".maps");

/* An exec event is built here, then only its used part is sent (argv is
 * last and usually far shorter than its 1 KiB). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exec_event);
} exec_scratch SEC(".maps");

/* Scratch space for a path read from user memory. */
struct path_scratch {
	char path[PATH_LEN];
	struct watched_name key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct path_scratch);
} scratch SEC(".maps");

static __always_inline void count(void *map, u32 kind)
{
	u64 *counter = bpf_map_lookup_elem(map, &kind);
	if (counter)
		*counter += 1;
}

static __always_inline void *reserve(u64 size, u32 kind)
{
	void *event = bpf_ringbuf_reserve(&events, size, 0);
	if (!event)
		count(&lost_events, kind);
	return event;
}

/* The reader is woken only once this much is queued; below it, it drains
 * the buffer on its own timer. One wake-up per event costs more than the
 * programs themselves at thousands of events per second. */
#define WAKEUP_BYTES (256 * 1024)

static __always_inline void submit(void *event, u32 kind)
{
	u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(event, queued >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	count(&sent_events, kind);
}

/* Sends `size` bytes of a record built outside the ring buffer. */
static __always_inline void output(void *event, u64 size, u32 kind)
{
	u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	u64 flags = queued >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, event, size, flags) != 0) {
		count(&lost_events, kind);
		return;
	}
	count(&sent_events, kind);
}

static __always_inline bool is_sensor(void)
{
	return sensor_tgid && (bpf_get_current_pid_tgid() >> 32) == sensor_tgid;
}

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static __always_inline struct cgroup *v1_cgroup(struct task_struct *task)
{
	int index = -1;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		index = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	else if (bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id))
		index = bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id);
	if (index < 0 || index >= CGROUP_SUBSYS_COUNT)
		return 0;
	struct cgroup_subsys_state *css = BPF_CORE_READ(task, cgroups, subsys[index]);
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline void fill_header(struct process_header *h, u32 kind,
					struct task_struct *task)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 uid_gid = bpf_get_current_uid_gid();
	h->kind = kind;
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->flags = BPF_CORE_READ(task, signal, tty) ? FLAG_TTY : 0;
	h->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	h->time_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	struct cgroup *v1 = v1_cgroup(task);
	h->cgroup_v1_id = v1 ? BPF_CORE_READ(v1, kn, id) : 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void read_kernfs_names(struct kernfs_node *kn, char *leaf, char *parent)
{
	if (!kn)
		return;
	bpf_probe_read_kernel_str(leaf, CGROUP_NAME_LEN, BPF_CORE_READ(kn, name));
	struct kernfs_node *up = kernfs_parent(kn);
	if (up)
		bpf_probe_read_kernel_str(parent, CGROUP_NAME_LEN, BPF_CORE_READ(up, name));
}

static __always_inline void exe_ctime(struct inode *inode, struct exec_event *e)
{
	if (!inode)
		return;
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		e->exe_ctime_sec = BPF_CORE_READ(inode, i_ctime_sec);
		/* Bit 31 flags a queried ctime (multigrain timestamps, 6.13+). */
		e->exe_ctime_nsec = BPF_CORE_READ(inode, i_ctime_nsec) & 0x3fffffff;
	} else if (bpf_core_field_exists(((struct inode___v66 *)inode)->__i_ctime)) {
		struct inode___v66 *v66 = (void *)inode;
		e->exe_ctime_sec = BPF_CORE_READ(v66, __i_ctime.tv_sec);
		e->exe_ctime_nsec = BPF_CORE_READ(v66, __i_ctime.tv_nsec);
	} else {
		struct inode___old *old = (void *)inode;
		e->exe_ctime_sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		e->exe_ctime_nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
	}
	e->exe_fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
}

/* One exec: `filename` is a kernel string, `exe` the executed file (or 0). */
static __always_inline int on_exec(struct task_struct *task, const char *filename,
				   struct file *exe)
{
	u32 zero = 0;
	struct exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!e)
		return 0;
	fill_header(&e->header, EVENT_EXEC, task);
	BPF_CORE_READ_STR_INTO(&e->parent_comm, task, real_parent, comm);
	e->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->exe_ctime_sec = 0;
	e->exe_ctime_nsec = 0;
	e->exe_fs_magic = 0;
	if (exe)
		exe_ctime(BPF_CORE_READ(exe, f_inode), e);

	e->cgroups.v2_leaf[0] = 0;
	e->cgroups.v2_parent[0] = 0;
	e->cgroups.v1_leaf[0] = 0;
	e->cgroups.v1_parent[0] = 0;
	read_kernfs_names(BPF_CORE_READ(task, cgroups, dfl_cgrp, kn), e->cgroups.v2_leaf,
			  e->cgroups.v2_parent);
	struct cgroup *v1 = v1_cgroup(task);
	if (v1)
		read_kernfs_names(BPF_CORE_READ(v1, kn), e->cgroups.v1_leaf, e->cgroups.v1_parent);

	long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	e->filename_len = n > 0 ? n - 1 : 0;

	u64 start = BPF_CORE_READ(task, mm, arg_start);
	u64 end = BPF_CORE_READ(task, mm, arg_end);
	u64 len = end > start ? end - start : 0;
	u32 size = len > ARGS_LEN - 1 ? ARGS_LEN - 1 : len;
	size &= ARGS_LEN - 1;
	e->args_len = 0;
	if (size > 0 && bpf_probe_read_user(e->args, size, (void *)start) == 0)
		e->args_len = size;
	output(e, sizeof(*e) - ARGS_LEN + (e->args_len & (ARGS_LEN - 1)), EVENT_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(task, BPF_CORE_READ(bprm, filename), BPF_CORE_READ(bprm, file));
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tracepoint(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	u32 offset = ctx->__data_loc_filename & 0xFFFF;
	/* The new image is installed: its file is the mm's exe_file. */
	return on_exec(task, (const char *)ctx + offset, BPF_CORE_READ(task, mm, exe_file));
}

static __always_inline int on_exit(struct task_struct *task)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((u32)pid_tgid != (u32)(pid_tgid >> 32))
		return 0; /* a thread, not the process */
	struct exit_event *e = reserve(sizeof(*e), EVENT_EXIT);
	if (!e)
		return 0;
	fill_header(&e->header, EVENT_EXIT, task);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	submit(e, EVENT_EXIT);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	return on_exit(task);
}

SEC("tracepoint/sched/sched_process_exit")
int exit_tracepoint(struct trace_event_raw_sched_process_template *ctx)
{
	return on_exit((struct task_struct *)bpf_get_current_task());
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (is_sensor())
		return 0;
	const void *addr = (const void *)ctx->args[1];
	u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), addr) != 0)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	struct connect_event *e = reserve(sizeof(*e), EVENT_CONNECT);
	if (!e)
		return 0;
	fill_header(&e->header, EVENT_CONNECT, (struct task_struct *)bpf_get_current_task());
	e->family = family;
	e->fd = (u32)ctx->args[0];
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	u16 port = 0;
	if (family == AF_INET) {
		bpf_probe_read_user(&port, sizeof(port), addr + 2);
		bpf_probe_read_user(e->addr, 4, addr + 4);
	} else {
		bpf_probe_read_user(&port, sizeof(port), addr + 2);
		bpf_probe_read_user(e->addr, 16, addr + 8);
	}
	e->port = __builtin_bswap16(port);
	submit(e, EVENT_CONNECT);
	return 0;
}

/* The working directory's last components, walking dentries up to the
 * mount's root (bpf_d_path is not allowed from tracepoints). */
static __always_inline void read_cwd(struct open_event *e)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *dentry = BPF_CORE_READ(task, fs, pwd.dentry);
	u32 parts = 0;
	for (int i = 0; i < CWD_PARTS; i++) {
		if (!dentry)
			break;
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry) {
			e->cwd_complete = 1;
			break;
		}
		bpf_probe_read_kernel_str(e->cwd[i], CWD_PART_LEN, BPF_CORE_READ(dentry, d_name.name));
		parts = i + 1;
		dentry = parent;
	}
	if (!e->cwd_complete && dentry && BPF_CORE_READ(dentry, d_parent) == dentry)
		e->cwd_complete = 1;
	e->cwd_parts = parts;
}

/* Reports an open (or rename target) when the path's last component is watched. */
static __always_inline int on_path(const char *user_path, u32 operation, u32 flags, s32 dirfd)
{
	if (is_sensor())
		return 0;
	u32 zero = 0;
	struct path_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	long n = bpf_probe_read_user_str(s->path, sizeof(s->path), user_path);
	if (n <= 1)
		return 0;
	u32 len = n - 1;
	/* Start of the last component: scan back from the end. Indexes are
	 * masked so that the verifier sees them in bounds. */
	u32 start = 0;
	for (int i = 0; i < PATH_LEN; i++) {
		int at = (int)len - 1 - i;
		if (at < 0)
			break;
		if (s->path[at & (PATH_LEN - 1)] == '/') {
			start = at + 1;
			break;
		}
	}
	if (len - start >= WATCHED_NAME_LEN)
		return 0; /* longer than any watched name */
	__builtin_memset(&s->key, 0, sizeof(s->key));
	for (u32 i = 0; i < WATCHED_NAME_LEN - 1; i++) {
		if (start + i >= len)
			break;
		s->key.name[i] = s->path[(start + i) & (PATH_LEN - 1)];
	}
	if (!bpf_map_lookup_elem(&watched_names, &s->key))
		return 0;

	struct open_event *e = reserve(sizeof(*e), EVENT_OPEN);
	if (!e)
		return 0;
	fill_header(&e->header, EVENT_OPEN, (struct task_struct *)bpf_get_current_task());
	e->operation = operation;
	e->flags = flags;
	e->dirfd = dirfd;
	e->path_len = len;
	bpf_probe_read_kernel(e->path, sizeof(e->path), s->path);
	e->cwd_parts = 0;
	e->cwd_complete = 0;
	if (s->path[0] != '/' && dirfd == AT_FDCWD)
		read_cwd(e);
	submit(e, EVENT_OPEN);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_path((const char *)ctx->args[1], OPERATION_OPEN, (u32)ctx->args[2],
		       (s32)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_path((const char *)ctx->args[1], OPERATION_OPEN, (u32)how.flags,
		       (s32)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_open")
int open_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_path((const char *)ctx->args[0], OPERATION_OPEN, (u32)ctx->args[1], AT_FDCWD);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int renameat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_path((const char *)ctx->args[3], OPERATION_RENAME, O_WRONLY, (s32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int renameat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_path((const char *)ctx->args[3], OPERATION_RENAME, O_WRONLY, (s32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_rename")
int rename_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_path((const char *)ctx->args[1], OPERATION_RENAME, O_WRONLY, AT_FDCWD);
}

/* Declared so that the skeleton's `types` module has the event layouts. */
struct exec_event _exec_event = {};
struct exit_event _exit_event = {};
struct connect_event _connect_event = {};
struct open_event _open_event = {};
