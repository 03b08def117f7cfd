/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel types rampart's sensor reads, declared by hand instead of the
 * 130,000-line `bpftool btf dump` header. Every struct carries
 * preserve_access_index, so libbpf relocates each field against the running
 * kernel's BTF (CO-RE): only the names matter, not offsets or completeness.
 */
#ifndef RAMPART_VMLINUX_H
#define RAMPART_VMLINUX_H

typedef unsigned char __u8;
typedef short int __s16;
typedef short unsigned int __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long int __s64;
typedef long long unsigned int __u64;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef int pid_t;
typedef _Bool bool;
typedef s64 time64_t;
enum { false = 0, true = 1 };

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};

/* bpf_ringbuf_submit flags and bpf_ringbuf_query selectors. */
enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct timespec64 {
	time64_t tv_sec;
	long int tv_nsec;
};

struct super_block {
	long unsigned int s_magic;
};

/* Kernel 6.11 and later. */
struct inode {
	struct super_block *i_sb;
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
};

/* Kernels 6.6 to 6.10. */
struct inode___v66 {
	struct timespec64 __i_ctime;
};

/* Kernels before 6.6. */
struct inode___old {
	struct timespec64 i_ctime;
};

struct file {
	struct inode *f_inode;
};

struct linux_binprm {
	struct file *file;
	const char *filename;
};

struct kernfs_node {
	const char *name;
	u64 id;
	struct kernfs_node *__parent;
};

/* Kernels before 6.15 named the parent pointer `parent`. */
struct kernfs_node___old {
	struct kernfs_node *parent;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

struct css_set {
	struct cgroup_subsys_state *subsys[12];
	struct cgroup *dfl_cgrp;
};

struct tty_struct {
	int index;
};

struct signal_struct {
	struct tty_struct *tty;
};

struct mm_struct {
	long unsigned int arg_start;
	long unsigned int arg_end;
	struct file *exe_file;
};

struct ns_common {
	unsigned int inum;
};

struct mnt_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
};

struct path {
	struct dentry *dentry;
};

struct fs_struct {
	struct path pwd;
};

struct task_struct {
	int exit_code;
	pid_t pid;
	pid_t tgid;
	u64 start_boottime;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	char comm[16];
	struct signal_struct *signal;
	struct nsproxy *nsproxy;
	struct css_set *cgroups;
	struct mm_struct *mm;
	struct fs_struct *fs;
};

struct trace_entry {
	short unsigned int type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long int id;
	long unsigned int args[6];
};

struct trace_event_raw_sched_process_exec {
	struct trace_entry ent;
	u32 __data_loc_filename;
	pid_t pid;
	pid_t old_pid;
};

struct trace_event_raw_sched_process_template {
	struct trace_entry ent;
	char comm[16];
	pid_t pid;
	int prio;
};

struct open_how {
	u64 flags;
	u64 mode;
	u64 resolve;
};

#pragma clang attribute pop

enum cgroup_subsys_id {
	cpuset_cgrp_id = 0,
	cpu_cgrp_id = 1,
	cpuacct_cgrp_id = 2,
	io_cgrp_id = 3,
	memory_cgrp_id = 4,
	devices_cgrp_id = 5,
	freezer_cgrp_id = 6,
	net_cls_cgrp_id = 7,
	perf_event_cgrp_id = 8,
	net_prio_cgrp_id = 9,
	hugetlb_cgrp_id = 10,
	pids_cgrp_id = 11,
	CGROUP_SUBSYS_COUNT = 12,
};

struct pt_regs;

#endif
