// SPDX-License-Identifier: GPL-2.0-only
/* jharden --learn: what a daemon and every process it starts use, counted in the kernel.
 *
 * The daemon's processes are a pid tree seeded by userspace (the process that will exec the
 * daemon) and grown at every fork, so that threads, workers and reloads are all seen and no
 * other process is. Counting happens here (per syscall number, capability, address family);
 * only path operations, which need their names, go to userspace, through a ring buffer.
 *
 * Everything but the capability checks rides on BTF-typed tracepoints (sys_enter, sys_exit,
 * sched_process_*), which need neither kprobes nor tracefs: the syscall's path arguments are copied
 * at entry and reported at exit only if the call succeeded, so that what the starting policy
 * refused is never proposed. The BPF LSM would name paths exactly (bpf_d_path), but needs "bpf"
 * among the active LSMs, which Debian's kernel does not have by default.
 *
 * Capabilities: cap_capable() returns, with the check's options (fexit; a kernel that refuses
 * BPF trampolines loads the rest without it, and the proposal says capabilities were not
 * observed). A check counts only when it succeeded and was not a probe (CAP_OPT_NOAUDIT, e.g.
 * has_capability_noaudit()): generic_permission() asks for CAP_DAC_READ_SEARCH before
 * CAP_DAC_OVERRIDE, and a failed first check is not a need. Where the trampoline is refused, the
 * privileged calls that succeeded (setuid, bind below the unprivileged ports, chown ...) and
 * the effective sets the processes held are counted instead, and the proposal infers the
 * capabilities from them (cap_inference.h); the file-access capabilities, which no call reveals,
 * then come from the cap_capable tracepoint where the kernel has it (6.15). */
// clang-format off: the kernel's types first, the libbpf headers rely on them.
#include "vmlinux.h"
// clang-format on

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "observe_events.h"

char LICENSE[] SEC("license") = "GPL";

#define CAP_OPT_NOAUDIT 0x2 /* include/linux/security.h */
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define SHM_EXEC 0100000
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define CLONE_NS_MASK 0x7e020080UL /* CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET,TIME} */
#define EPERM 1 /* asm-generic/errno-base.h: vmlinux.h has no macros */
#define ENOENT 2
#define ENXIO 6
#define EACCES 13
#define EROFS 30

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);  /* tgid */
  __type(value, __u8); /* enum jh_obs_state */
} tracked SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct jh_obs_seed);
} seed SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, JH_OBS_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, __u64);
} syscalls SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_OBS_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, struct jh_obs_nr); /* filled by userspace */
} nr_info SEC(".maps");

/* Where walk_path() assembles a directory's path, from its end. */
#define WALK_BUF 1024
#define WALK_END 511
struct walk_buf {
  char c[WALK_BUF];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct walk_buf);
} walkbuf SEC(".maps");

/* A path operation between its entry and its exit, by thread. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32); /* tid */
  __type(value, struct jh_obs_event);
} inflight SEC(".maps");

/* The record being built (too large for the BPF stack). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct jh_obs_event);
} scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_OBS_MAX_CAPS);
  __type(key, __u32);
  __type(value, __u64);
} caps SEC(".maps");

/* Capability checks that succeeded, as the cap_capable tracepoint (Linux 6.15) reports them
 * where the fexit program is refused: without the check's options, so a probe counts too. Only
 * the file-access capabilities are read from it (cap_inference.h: no call reveals them, and
 * generic_permission() and inode_owner_or_capable() check them audited, not as probes). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_OBS_MAX_CAPS);
  __type(key, __u32);
  __type(value, __u64);
} checked SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_OBS_MAX_FAMILIES);
  __type(key, __u32);
  __type(value, __u64);
} families SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_FACT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} facts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, JH_SET_COUNT);
  __type(key, __u32);
  __type(value, __u32);
} settings SEC(".maps");

/* Privileged calls (observe_events.h, JH_OBS_PRIV_SLOTS) and the capabilities any tracked
 * process held in its effective set: where cap_capable() cannot be watched, the proposal infers
 * the capabilities from these. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, JH_OBS_PRIV_SLOTS);
  __type(key, __u32);
  __type(value, __u64);
} privcalls SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64); /* bit per capability */
} held SEC(".maps");

/* The identities tracked processes gave themselves: after each successful privileged call of the
 * setuid and setgid families, the caller's effective uid and gid (euid << 32 | egid) -> calls.
 * A daemon started as root that switches to its own user shows it here. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, JH_OBS_MAX_IDENTITIES);
  __type(key, __u64);
  __type(value, __u64);
} identities SEC(".maps");

/* With each of those identities, the supplementary groups the caller had: one entry per
 * (identity, gid), JH_OBS_MORE_GROUPS as the gid when it had more than JH_OBS_MAX_GROUPS. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, struct jh_obs_identity_group);
  __type(value, __u8);
} identity_groups SEC(".maps");

/* A privileged call between its entry (where the caller's capabilities and arguments are
 * judged: setuid() drops them) and its exit (where it succeeded or not), by thread. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);   /* tid */
  __type(value, __u32); /* slot of privcalls */
} priv_inflight SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline int report_failures(void) {
  __u32 key = JH_SET_FAILURES;
  __u32 *v = bpf_map_lookup_elem(&settings, &key);
  return v && *v;
}

/* The current process's pid as userspace names it (see struct jh_obs_seed). */
static __always_inline __u32 user_tgid(void) {
  __u32 zero = 0;
  struct jh_obs_seed *sd = bpf_map_lookup_elem(&seed, &zero);
  struct bpf_pidns_info ns = {};
  if (sd && sd->dev && bpf_get_ns_current_pid_tgid(sd->dev, sd->ino, &ns, sizeof(ns)) == 0)
    return ns.tgid;
  return bpf_get_current_pid_tgid() >> 32;
}

/* Follows the seed once it makes a syscall. */
static __always_inline void find_seed(void) {
  __u32 zero = 0;
  struct jh_obs_seed *sd = bpf_map_lookup_elem(&seed, &zero);
  if (!sd || !sd->armed) return;
  struct bpf_pidns_info ns = {};
  if (bpf_get_ns_current_pid_tgid(sd->dev, sd->ino, &ns, sizeof(ns)) != 0 || ns.tgid != sd->tgid)
    return;
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u8 state = (__u8)sd->armed;
  bpf_map_update_elem(&tracked, &tgid, &state, BPF_ANY);
  sd->armed = 0;
  sd->main = tgid;
}

static __always_inline __u8 state_of_current(void) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u8 *s = bpf_map_lookup_elem(&tracked, &tgid);
  return s ? *s : 0;
}

static __always_inline void add(void *map, __u32 key) {
  __u64 *v = bpf_map_lookup_elem(map, &key);
  if (v) __sync_fetch_and_add(v, 1);
}

static __always_inline void add_percpu(void *map, __u32 key) {
  __u64 *v = bpf_map_lookup_elem(map, &key);
  if (v) *v += 1;
}

static __always_inline void add_namespaces(__u64 flags) {
  flags &= CLONE_NS_MASK;
#pragma unroll
  for (int bit = 0; bit < 32; bit++)
    if (flags & (1UL << bit)) add(&facts, JH_FACT_NS_BASE + bit);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child) {
  __u32 ptgid = BPF_CORE_READ(parent, tgid);
  __u32 ctgid = BPF_CORE_READ(child, tgid);
  if (ptgid == ctgid) return 0; /* a thread: its group is tracked already */
  __u8 *s = bpf_map_lookup_elem(&tracked, &ptgid);
  if (!s) return 0;
  __u8 state = *s;
  bpf_map_update_elem(&tracked, &ctgid, &state, BPF_ANY);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p) {
  /* After do_exit() has counted the thread out: 0 when the whole group is gone. */
  if (BPF_CORE_READ(p, signal, live.counter) != 0) return 0;
  __u32 tgid = BPF_CORE_READ(p, tgid);
  bpf_map_delete_elem(&tracked, &tgid);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u8 *s = bpf_map_lookup_elem(&tracked, &tgid);
  if (!s) return 0;
  /* The daemon's execve: from here on, everything this group does is the daemon's. */
  if (*s != JH_OBS_ACTIVE) {
    __u8 active = JH_OBS_ACTIVE;
    bpf_map_update_elem(&tracked, &tgid, &active, BPF_ANY);
  }
  struct jh_obs_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    add(&facts, JH_FACT_LOST);
    return 0;
  }
  e->op = JH_OP_EXEC;
  e->tgid = user_tgid();
  e->dfd = JH_OBS_CWD;
  e->dfd2 = JH_OBS_CWD;
  e->path2[0] = 0;
  e->base[0] = 0;
  e->base2[0] = 0;
  bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
  bpf_ringbuf_submit(e, 0);
  return 0;
}

/* Reads matter only where a proposal depends on them: home directories (inaccessible), /dev
 * (private_dev), /proc (protect_proc, proc_subset) and /sys. A relative path goes to
 * userspace, which resolves it. */
static __always_inline int read_matters(const char *p) {
  if (p[0] != '/') return 1;
  if (p[1] == 'h' && p[2] == 'o' && p[3] == 'm' && p[4] == 'e' && (p[5] == '/' || !p[5])) return 1;
  if (p[1] == 'r' && p[2] == 'o' && p[3] == 'o' && p[4] == 't' && (p[5] == '/' || !p[5])) return 1;
  if (p[1] == 'r' && p[2] == 'u' && p[3] == 'n' && p[4] == '/' && p[5] == 'u' && p[6] == 's' &&
      p[7] == 'e' && p[8] == 'r' && (p[9] == '/' || !p[9]))
    return 1;
  if (p[1] == 'd' && p[2] == 'e' && p[3] == 'v' && (p[4] == '/' || !p[4])) return 1;
  if (p[1] == 'p' && p[2] == 'r' && p[3] == 'o' && p[4] == 'c' && (p[5] == '/' || !p[5])) return 1;
  if (p[1] == 's' && p[2] == 'y' && p[3] == 's' && (p[4] == '/' || !p[4])) return 1;
  return 0;
}

/* args[] copied off the context, which may only be read at constant offsets. */
struct sys_args {
  unsigned long a[6];
};

static __always_inline unsigned long arg(const struct sys_args *args, int i) {
  if (i < 0 || i > 5) return 0;
  return args->a[i];
}

/* One step of walk_path(), under bpf_loop() so that the verifier checks it once. */
struct walk_ctx {
  struct dentry *dentry;
  struct vfsmount *vfsmnt;
  struct mount *mnt;
  __u32 off;
  int status; /* 0: going on, 1: at the root, -1: no path */
};

static long walk_step(__u32 i, void *data) {
  struct walk_ctx *w = data;
  __u32 zero = 0;
  struct walk_buf *b = bpf_map_lookup_elem(&walkbuf, &zero);
  if (!b) {
    w->status = -1;
    return 1;
  }
  /* Plain copies first: BPF_CORE_READ would relocate the accesses to walk_ctx too. */
  struct dentry *dentry = w->dentry;
  struct vfsmount *vfsmnt = w->vfsmnt;
  struct mount *mnt = w->mnt;
  struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
  struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
  if (dentry == mnt_root) {
    struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
    if (up == mnt) { /* the namespace's root */
      w->status = 1;
      return 1;
    }
    w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
    w->mnt = up;
    w->vfsmnt = __builtin_preserve_access_index(&up->mnt);
    return 0;
  }
  if (dentry == parent) { /* a detached tree: no path */
    w->status = -1;
    return 1;
  }
  const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
  __u32 len = BPF_CORE_READ(dentry, d_name.len);
  __u32 off = w->off;
  if (len == 0 || len > 255 || len + 1 > off || off > WALK_END) {
    w->status = -1;
    return 1;
  }
  off -= len;
  bpf_probe_read_kernel(&b->c[off & WALK_END], len & 255, name);
  off -= 1;
  b->c[off & WALK_END] = '/';
  w->off = off;
  w->dentry = parent;
  return 0;
}

/* The path of `p` as the process sees it (up to its mount namespace's root), into `out`; left
 * empty when deeper or longer than this walk goes. What d_path() does, by hand: tracepoint
 * programs may not call bpf_d_path(). */
static __always_inline void walk_path(struct path *p, char *out) {
  __u32 zero = 0;
  out[0] = 0;
  struct walk_buf *b = bpf_map_lookup_elem(&walkbuf, &zero);
  if (!b) return;
  struct walk_ctx w = {};
  w.dentry = BPF_CORE_READ(p, dentry);
  w.vfsmnt = BPF_CORE_READ(p, mnt);
  w.mnt = container_of(w.vfsmnt, struct mount, mnt);
  w.off = WALK_END;
  b->c[WALK_END] = 0;
  bpf_loop(64, walk_step, &w, 0);
  if (w.status != 1) return;
  __u32 off = w.off;
  if (off >= WALK_END) { /* the root itself */
    out[0] = '/';
    out[1] = 0;
    return;
  }
  __u32 len = WALK_END - off + 1; /* with the NUL */
  if (len > JH_OBS_PATH_MAX) return;
  bpf_probe_read_kernel(out, len & (JH_OBS_PATH_MAX - 1), &b->c[off & WALK_END]);
  out[(len - 1) & (JH_OBS_PATH_MAX - 1)] = 0;
}

/* The directory a relative path of the current process starts from: `dfd`, or its working
 * directory. */
static __always_inline void base_of(int dfd, char *out) {
  struct task_struct *task = bpf_get_current_task_btf();
  struct path p;
  if (dfd == JH_OBS_CWD) {
    p = BPF_CORE_READ(task, fs, pwd);
  } else {
    if (dfd < 0 || dfd >= BPF_CORE_READ(task, files, fdt, max_fds)) {
      out[0] = 0;
      return;
    }
    struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
    struct file *f = 0;
    bpf_probe_read_kernel(&f, sizeof(f), &fds[dfd]);
    if (!f) {
      out[0] = 0;
      return;
    }
    p = BPF_CORE_READ(f, f_path);
  }
  walk_path(&p, out);
}

#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
#define AT_REMOVEDIR 0x200
#define AF_UNIX 1

static __always_inline void read_args(struct pt_regs *regs, struct sys_args *args) {
  args->a[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
  args->a[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
  args->a[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
  args->a[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
  args->a[4] = PT_REGS_PARM5_CORE_SYSCALL(regs); /* no path operation needs the sixth */
}

static __always_inline int path_enter(struct pt_regs *regs, struct jh_obs_nr *info, __u32 nr) {
  struct sys_args args;
  read_args(regs, &args);
  __u32 zero = 0;
  struct jh_obs_event *e = bpf_map_lookup_elem(&scratch, &zero);
  if (!e) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  e->op = info->op;
  e->tgid = user_tgid();
  e->dfd = info->dfd >= 0 ? (int)arg(&args, info->dfd) : JH_OBS_CWD;
  e->dfd2 = info->dfd2 >= 0 ? (int)arg(&args, info->dfd2) : JH_OBS_CWD;
  e->path[0] = 0;
  e->path2[0] = 0;
  unsigned long flags = 0;
  if (info->flags >= 0) flags = arg(&args, info->flags);
  if (info->how >= 0) bpf_probe_read_user(&flags, sizeof(flags), (void *)arg(&args, info->how));
  if (e->op == JH_OP_WRITE) { /* an open: its flags say what it does */
    if (flags & O_CREAT)
      e->op = JH_OP_CREATE;
    else if ((flags & O_ACCMODE) == 0 && !(flags & O_TRUNC))
      e->op = JH_OP_READ;
  }
  if (e->op == JH_OP_UNLINK && (flags & AT_REMOVEDIR)) e->op = JH_OP_RMDIR;
  unsigned long name = arg(&args, info->path);
  /* bind(fd, addr, addrlen): the kernel binds only the first addrlen bytes of the address; the
   * daemon may put anything after them ("/run/d/s" then "/../../elsewhere"). */
  unsigned long name_len = sizeof(e->path);
  if (info->sockaddr) { /* bind: a name in the filesystem only for AF_UNIX, not abstract */
    __u16 family = 0;
    if (bpf_probe_read_user(&family, sizeof(family), (void *)name) != 0 || family != AF_UNIX)
      return 0;
    name += sizeof(family);
    name_len = arg(&args, 2);
    if (name_len <= sizeof(family)) return 0;
    name_len -= sizeof(family);
  }
  if (bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)name) <= 0) return 0;
  if (name_len < sizeof(e->path)) e->path[name_len & (sizeof(e->path) - 1)] = 0;
  if (e->path[0] == 0) return 0; /* an abstract socket, or no name */
  /* A read that fails may be the view's doing wherever it is (an inaccessible path): kept
   * until the exit says, when failures are reported. */
  if (e->op == JH_OP_READ && !read_matters(e->path) && !report_failures()) return 0;
  e->error = 0;
  e->nr = nr;
  e->flags = flags;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->base[0] = 0;
  e->base2[0] = 0;
  if (e->path[0] != '/') base_of(e->dfd, e->base);
  if (info->path2 >= 0) {
    bpf_probe_read_user_str(e->path2, sizeof(e->path2), (void *)arg(&args, info->path2));
    if (e->path2[0] != '/') base_of(e->dfd2, e->base2);
  }
  __u32 tid = (__u32)pid_tgid;
  bpf_map_update_elem(&inflight, &tid, e, BPF_ANY);
  return 0;
}

#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define SOCK_RAW 3
#define RLIMIT_MEMLOCK 8
#define RLIM_INFINITY (~0ULL)
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define ADJ_OFFSET_SS_READ 0xa001 /* adjtimex: a read of the offset, no change */
#define PAGE_SHIFT 12

/* The capabilities in the current process's effective set (kernel_cap_t is one u64, or two
 * u32 in that order on older kernels: the same bytes either way on a little-endian CPU). */
static __always_inline __u64 effective_caps(struct task_struct *task) {
  const struct cred *c = BPF_CORE_READ(task, cred);
  __u64 eff = 0;
  bpf_probe_read_kernel(&eff, sizeof(eff), __builtin_preserve_access_index(&c->cap_effective));
  return eff;
}

static __always_inline struct rlimit rlimit_of(struct task_struct *task, __u32 resource) {
  struct rlimit r = {};
  struct signal_struct *sig = BPF_CORE_READ(task, signal);
  struct rlimit *base = __builtin_preserve_access_index(&sig->rlim[0]);
  bpf_probe_read_kernel(&r, sizeof(r), base + (resource & 15));
  return r;
}

/* The current process's pid in its own pid namespace (what kill() names it by). */
static __always_inline int own_tgid(struct task_struct *task) {
  struct task_struct *leader = BPF_CORE_READ(task, group_leader);
  struct pid *p = BPF_CORE_READ(leader, thread_pid);
  unsigned int level = BPF_CORE_READ(p, level);
  struct upid *numbers = __builtin_preserve_access_index(&p->numbers[0]);
  int nr = 0;
  bpf_probe_read_kernel(&nr, sizeof(nr), &numbers[level & 31].nr);
  return nr;
}

static __always_inline int realtime_policy(unsigned long policy) {
  policy &= ~(unsigned long)SCHED_RESET_ON_FORK;
  return policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE;
}

/* Whether a call of the privileged table needed its capability: 0 no, 1 yes, 2 cannot tell.
 * Judged at entry, as the caller holds its capabilities then. */
static __always_inline int priv_verdict(struct task_struct *task, struct jh_obs_nr *info,
                                        const struct sys_args *args) {
  unsigned long a = arg(args, info->parg), b = arg(args, info->parg2);
  switch (info->priv) {
    case JH_PRIV_ALWAYS:
      return 1;
    case JH_PRIV_BIND_PORT: {
      __u16 family = 0, port = 0;
      bpf_probe_read_user(&family, sizeof(family), (void *)a);
      if (family != AF_INET && family != AF_INET6) return 0;
      bpf_probe_read_user(&port, sizeof(port), (void *)(a + 2));
      port = __builtin_bswap16(port);
      __u32 key = JH_SET_UNPRIV_PORT;
      __u32 *start = bpf_map_lookup_elem(&settings, &key);
      __u32 first = start && *start ? *start : 1024;
      return port != 0 && port < first;
    }
    case JH_PRIV_SET_TIME:
      return a != 0 || b != 0;
    case JH_PRIV_TIMEX: {
      __u32 modes = 0;
      bpf_probe_read_user(&modes, sizeof(modes), (void *)a);
      return modes != 0 && modes != ADJ_OFFSET_SS_READ;
    }
    case JH_PRIV_NICE:
      return (int)a < BPF_CORE_READ(task, static_prio) - 120;
    case JH_PRIV_REALTIME:
      return realtime_policy(a);
    case JH_PRIV_REALTIME_ATTR: {
      __u32 policy = 0; /* struct sched_attr: size, then sched_policy */
      bpf_probe_read_user(&policy, sizeof(policy), (void *)(a + 4));
      return realtime_policy(policy);
    }
    case JH_PRIV_RLIMIT: {
      /* prlimit64 on another process: its limits are not the caller's. */
      if (info->parg == 1 && args->a[0] != 0) return 2;
      if (!b) return 0; /* a query */
      __u64 max = 0;
      if (bpf_probe_read_user(&max, sizeof(max), (void *)(b + 8)) != 0) return 2;
      if (a >= 16) return 0;
      return max > rlimit_of(task, (__u32)a).rlim_max;
    }
    case JH_PRIV_MLOCK: {
      struct rlimit lim = rlimit_of(task, RLIMIT_MEMLOCK);
      if (lim.rlim_cur == RLIM_INFINITY) return 0;
      __u64 locked = (__u64)BPF_CORE_READ(task, mm, locked_vm) << PAGE_SHIFT;
      return locked + a > lim.rlim_cur;
    }
    case JH_PRIV_MLOCKALL: {
      struct rlimit lim = rlimit_of(task, RLIMIT_MEMLOCK);
      if (lim.rlim_cur == RLIM_INFINITY) return 0;
      if ((a & MCL_CURRENT) &&
          ((__u64)BPF_CORE_READ(task, mm, total_vm) << PAGE_SHIFT) > lim.rlim_cur)
        return 1;
      return (a & MCL_FUTURE) ? 2 : 0; /* what is mapped later is unknown */
    }
    case JH_PRIV_KILL: {
      if (info->parg < 0) return 2; /* a pidfd */
      int target = (int)a;
      /* Itself (raise(), a thread of its own): no capability. Any other process: its uid is
       * not known here, so the capability may have been needed. */
      if (target > 0 && target == own_tgid(task)) return 0;
      return 2;
    }
    case JH_PRIV_RAW_SOCKET:
      return a == AF_PACKET || ((a == AF_INET || a == AF_INET6) && (b & 0xf) == SOCK_RAW);
  }
  return 0;
}

static __always_inline void priv_enter(struct pt_regs *regs, struct jh_obs_nr *info, __u32 nr,
                                       __u64 eff) {
  if (info->cap >= 64 || !(eff & (1ULL << info->cap))) return;
  struct sys_args args;
  read_args(regs, &args);
  args.a[5] = 0;
  int verdict = priv_verdict(bpf_get_current_task_btf(), info, &args);
  if (!verdict) return;
  __u32 slot = 2 * nr + (verdict == 2 ? 1 : 0);
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_update_elem(&priv_inflight, &tid, &slot, BPF_ANY);
}

#define CAP_SETGID 6
#define CAP_SETUID 7
/* After a successful call of the setuid or setgid family (by the capability it needs): the
 * identity the caller has now. */
static __always_inline void note_identity(__u32 nr) {
  struct jh_obs_nr *info = bpf_map_lookup_elem(&nr_info, &nr);
  if (!info || (info->cap != CAP_SETUID && info->cap != CAP_SETGID)) return;
  const struct cred *c = BPF_CORE_READ(bpf_get_current_task_btf(), cred);
  __u64 key = ((__u64)BPF_CORE_READ(c, euid.val) << 32) | BPF_CORE_READ(c, egid.val);
  __u64 one = 1;
  __u64 *n = bpf_map_lookup_elem(&identities, &key);
  if (n)
    __sync_fetch_and_add(n, 1);
  else
    bpf_map_update_elem(&identities, &key, &one, BPF_NOEXIST);
  struct group_info *gi = BPF_CORE_READ(c, group_info);
  int ngroups = BPF_CORE_READ(gi, ngroups);
  struct jh_obs_identity_group g = {.identity = key};
  __u8 seen = 1;
  for (int i = 0; i < JH_OBS_MAX_GROUPS && i < ngroups; ++i) {
    kgid_t gid;
    bpf_probe_read_kernel(&gid, sizeof(gid), __builtin_preserve_access_index(&gi->gid[i]));
    g.gid = gid.val;
    bpf_map_update_elem(&identity_groups, &g, &seen, BPF_ANY);
  }
  if (ngroups > JH_OBS_MAX_GROUPS) {
    g.gid = JH_OBS_MORE_GROUPS;
    bpf_map_update_elem(&identity_groups, &g, &seen, BPF_ANY);
  }
}

/* The BTF-typed raw tracepoints: attached by name, without tracefs. */
#define SIGINT 2
#define SIGQUIT 3
#define SIGTERM 15
/* A stop asked of the followed process (systemd's SIGTERM to the main process, ^C): one record
 * that wakes userspace, which writes its file before the process, and under KillMode=mixed the
 * observer with it, is gone. */
SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
             int result) {
  if (sig != SIGTERM && sig != SIGINT && sig != SIGQUIT) return 0;
  __u32 zero = 0;
  struct jh_obs_seed *sd = bpf_map_lookup_elem(&seed, &zero);
  if (!sd || !sd->main || BPF_CORE_READ(task, tgid) != sd->main) return 0;
  struct jh_obs_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return 0;
  e->op = JH_OP_STOP_SIGNAL;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u32 *slot = bpf_map_lookup_elem(&priv_inflight, &tid);
  if (slot) {
    if (ret >= 0) {
      add_percpu(&privcalls, *slot);
      note_identity(*slot / 2);
    }
    bpf_map_delete_elem(&priv_inflight, &tid);
  }
  struct jh_obs_event *pending = bpf_map_lookup_elem(&inflight, &tid);
  if (!pending) return 0;
  int report = 0;
  if (ret >= 0)
    report = pending->op != JH_OP_READ || read_matters(pending->path);
  else if (report_failures())
    /* What the sandbox's view makes a call fail with: a read-only mount, an inaccessible path
     * or Landlock, a missing device. */
    report = ret == -EROFS || ret == -EACCES || ret == -EPERM || ret == -ENOENT || ret == -ENXIO;
  if (report) {
    struct jh_obs_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (e) {
      bpf_probe_read_kernel(e, sizeof(*e), pending);
      e->error = ret < 0 ? (int)-ret : 0;
      bpf_ringbuf_submit(e, 0);
    } else {
      add(&facts, JH_FACT_LOST);
    }
  }
  bpf_map_delete_elem(&inflight, &tid);
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id) {
  find_seed();
  if (state_of_current() != JH_OBS_ACTIVE) return 0;
  if (id < 0 || id >= JH_OBS_MAX_SYSCALLS) return 0;
  __u32 nr = (__u32)id;
  __u64 *count = bpf_map_lookup_elem(&syscalls, &nr);
  if (count) *count += 1; /* per CPU: no atomic needed */
  __u64 eff = effective_caps(bpf_get_current_task_btf());
  __u32 zero = 0;
  __u64 *h = bpf_map_lookup_elem(&held, &zero);
  if (h) *h |= eff; /* per CPU: no atomic needed */
  struct jh_obs_nr *info = bpf_map_lookup_elem(&nr_info, &nr);
  if (!info) return 0;
  if (info->priv) priv_enter(regs, info, nr, eff);
  if (info->kind == JH_NR_PLAIN) return 0;
  if (info->kind == JH_NR_PATH) return path_enter(regs, info, nr);
  unsigned long a0 = PT_REGS_PARM1_CORE_SYSCALL(regs);
  unsigned long a1 = PT_REGS_PARM2_CORE_SYSCALL(regs);
  unsigned long a2 = PT_REGS_PARM3_CORE_SYSCALL(regs);
  switch (info->kind) {
    case JH_NR_SOCKET:
      if (a0 < JH_OBS_MAX_FAMILIES) add(&families, (__u32)a0);
      break;
    case JH_NR_MMAP:
      if ((a2 & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
        add(&facts, JH_FACT_WRITE_EXECUTE);
      break;
    case JH_NR_MPROTECT:
      if ((a2 & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
        add(&facts, JH_FACT_WRITE_EXECUTE);
      else if (a2 & PROT_EXEC)
        add(&facts, JH_FACT_EXEC_GAIN);
      break;
    case JH_NR_SHMAT:
      if (a2 & SHM_EXEC) add(&facts, JH_FACT_EXEC_GAIN);
      break;
    case JH_NR_SETSCHEDULER: {
      unsigned long policy = a1 & ~(unsigned long)SCHED_RESET_ON_FORK;
      if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE)
        add(&facts, JH_FACT_REALTIME);
      break;
    }
    case JH_NR_SETATTR: {
      __u32 policy = 0; /* struct sched_attr: size, then sched_policy */
      bpf_probe_read_user(&policy, sizeof(policy), (void *)(a1 + 4));
      if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE)
        add(&facts, JH_FACT_REALTIME);
      break;
    }
    case JH_NR_UNSHARE:
    case JH_NR_CLONE:
      add_namespaces(a0);
      break;
    case JH_NR_CLONE3: {
      __u64 flags = 0; /* struct clone_args: flags first */
      bpf_probe_read_user(&flags, sizeof(flags), (void *)a0);
      add_namespaces(flags);
      break;
    }
    case JH_NR_SETNS:
      /* nstype 0 joins whatever the descriptor names: counted as every type. */
      add_namespaces(a1 ? a1 : CLONE_NS_MASK);
      break;
    case JH_NR_PERSONALITY: {
      __u32 persona = (__u32)a0;
      if (persona != 0xffffffffU && persona != 0) add(&facts, JH_FACT_PERSONALITY);
      break;
    }
  }
  return 0;
}

/* A check made with the process's own credentials. overlayfs checks access to its layers
 * with the credentials of whoever mounted it (override_creds(): root's, with every
 * capability), so a process without CAP_DAC_OVERRIDE passes such checks thousands of times
 * in a container whose root is an overlay; they are the mounter's, not the daemon's. */
static __always_inline bool own_credentials(const struct cred *cred) {
  struct task_struct *task = bpf_get_current_task_btf();
  return cred == BPF_CORE_READ(task, real_cred);
}

SEC("fexit/cap_capable")
int BPF_PROG(on_capable, const struct cred *cred, struct user_namespace *ns, int cap,
             unsigned int opts, int ret) {
  if (state_of_current() != JH_OBS_ACTIVE) return 0;
  add(&facts, JH_FACT_CAPS_SEEN);
  if (ret != 0 || (opts & CAP_OPT_NOAUDIT) || !own_credentials(cred)) return 0;
  if (cap >= 0 && cap < JH_OBS_MAX_CAPS) add(&caps, (__u32)cap);
  return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(on_capable_checked, const struct cred *cred, struct user_namespace *target_ns,
             const struct user_namespace *capable_ns, int cap, int ret) {
  if (state_of_current() != JH_OBS_ACTIVE) return 0;
  if (ret != 0 || cap < 0 || cap >= JH_OBS_MAX_CAPS || !own_credentials(cred)) return 0;
  add(&checked, (__u32)cap);
  return 0;
}
