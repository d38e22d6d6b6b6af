/* The records shared by the BPF program (observe.bpf.c) and its userspace side (observer.cc):
 * plain C, so that both compilers read the same layout. */
#pragma once

#define JH_OBS_MAX_SYSCALLS 512 /* syscall numbers counted (x86_64 has fewer than 470) */
#define JH_OBS_MAX_CAPS 64
#define JH_OBS_MAX_FAMILIES 64
#define JH_OBS_PATH_MAX 256

/* The state of a tracked thread group. Pending: a process of jharden's own set-up (the one
 * that will exec the daemon, the PID namespace's init, the readiness helper); nothing of
 * theirs is recorded. Active: the daemon or one of its descendants, from the execve on. */
enum jh_obs_state { JH_OBS_PENDING = 1, JH_OBS_ACTIVE = 2 };

/* What userspace tells the program about a syscall number (map nr_kind): which arguments to
 * look at. The numbers themselves come from libseccomp, so the program holds no table. */
enum jh_obs_nr_kind {
  JH_NR_PLAIN = 0,
  JH_NR_SOCKET,       /* socket, socketpair: args[0] is the family */
  JH_NR_MMAP,         /* mmap: args[2] prot */
  JH_NR_MPROTECT,     /* mprotect, pkey_mprotect: args[2] prot */
  JH_NR_SHMAT,        /* shmat: args[2] shmflg (SHM_EXEC) */
  JH_NR_SETSCHEDULER, /* sched_setscheduler: args[1] policy */
  JH_NR_SETATTR,      /* sched_setattr: args[1] -> struct sched_attr */
  JH_NR_UNSHARE,      /* unshare: args[0] flags */
  JH_NR_CLONE,        /* clone: args[0] flags */
  JH_NR_CLONE3,       /* clone3: args[0] -> struct clone_args */
  JH_NR_SETNS,        /* setns: args[1] nstype (0: any) */
  JH_NR_PERSONALITY,  /* personality: args[0] persona (0xffffffff: query) */
  JH_NR_PATH,         /* a path operation: see struct jh_obs_nr */
};

/* The value of map nr_info: what a syscall number is, and for a path operation where its
 * arguments are (-1: absent). Filled by userspace from libseccomp's names. */
struct jh_obs_nr {
  unsigned char kind; /* enum jh_obs_nr_kind */
  unsigned char op;   /* enum jh_obs_op; for opens the flags decide */
  signed char dfd;    /* directory descriptor of path (absent: the working directory) */
  signed char path;
  signed char dfd2; /* the second path (rename's new name) */
  signed char path2;
  signed char flags; /* open flags, unlinkat's AT_REMOVEDIR */
  signed char how;   /* openat2: struct open_how, whose first field is the flags */
  /* A call whose success reveals a capability (cap_inference.h), for kernels where the checks
   * themselves cannot be watched: how to tell it needed `cap` (0: not such a call), and the
   * arguments that tells from (-1: none). */
  unsigned char priv; /* enum jh_obs_priv */
  unsigned char cap;
  signed char parg;
  signed char parg2;
  /* bind: `path` points to a struct sockaddr, whose sun_path names the socket to create when
   * its family is AF_UNIX and the name is not abstract; the name ends within the address's
   * length (bind's third argument). */
  unsigned char sockaddr;
};

/* The checks of jh_obs_nr.priv, in the order of jharden::PrivilegeCheck. */
enum jh_obs_priv {
  JH_PRIV_NONE = 0,
  JH_PRIV_ALWAYS,
  JH_PRIV_BIND_PORT,
  JH_PRIV_SET_TIME,
  JH_PRIV_TIMEX,
  JH_PRIV_NICE,
  JH_PRIV_REALTIME,
  JH_PRIV_REALTIME_ATTR,
  JH_PRIV_RLIMIT,
  JH_PRIV_MLOCK,
  JH_PRIV_MLOCKALL,
  JH_PRIV_KILL,
  JH_PRIV_RAW_SOCKET,
};

/* Map identities: distinct (euid, egid) pairs kept. */
#define JH_OBS_MAX_IDENTITIES 64
/* Map identity_groups: the supplementary groups read per switch, and the gid standing for more. */
#define JH_OBS_MAX_GROUPS 16
#define JH_OBS_MORE_GROUPS 0xffffffffu
struct jh_obs_identity_group {
  unsigned long long identity; /* euid << 32 | egid, as the key of identities */
  unsigned int gid;
  unsigned int pad;
};

/* Map privcalls: per syscall number, successful calls that needed the capability (slot
 * 2 * nr) and calls that may have (2 * nr + 1). */
#define JH_OBS_PRIV_SLOTS (2 * JH_OBS_MAX_SYSCALLS)

/* Slots of the facts map. */
enum jh_obs_fact {
  JH_FACT_WRITE_EXECUTE = 0, /* a mapping writable and executable at once */
  JH_FACT_EXEC_GAIN,         /* mprotect/pkey_mprotect/shmat adding execute permission */
  JH_FACT_REALTIME,          /* a realtime scheduling policy set */
  JH_FACT_PERSONALITY,       /* personality() changing the execution domain */
  JH_FACT_LOST,              /* path records dropped: the ring buffer was full */
  JH_FACT_CAPS_SEEN,         /* capability checks reached the program at all */
  JH_FACT_NS_BASE = 8,       /* + bit index of the CLONE_NEW* flag (jh_obs_ns_bits) */
  JH_FACT_COUNT = 48,
};

/* The process to follow, by its pid in the pid namespace of userspace (a container's pid is
 * not the kernel's): the program finds it at its next syscall and follows it from then on.
 * Records name processes by their pid in that same namespace. */
struct jh_obs_seed {
  unsigned long long dev; /* the pid namespace (nsfs device and inode) */
  unsigned long long ino;
  unsigned int tgid;  /* the pid there */
  unsigned int armed; /* enum jh_obs_state to give it once found; 0: found, or none */
  unsigned int main;  /* once found: its kernel tgid, whose stop signals are reported */
};

/* Path records (ring buffer). */
enum jh_obs_op {
  JH_OP_CREATE = 1, /* a file created (open O_CREAT, mknod) */
  JH_OP_MKDIR,
  JH_OP_UNLINK,
  JH_OP_RMDIR,
  JH_OP_RENAME_FROM,
  JH_OP_RENAME_TO,
  JH_OP_LINK,
  JH_OP_SYMLINK,
  JH_OP_TRUNCATE,
  JH_OP_WRITE, /* opened for writing */
  JH_OP_READ,  /* opened for reading (absolute paths only under /home, /root, /run/user,
                  /dev, /proc, /sys) */
  JH_OP_EXEC,
  JH_OP_BIND, /* a socket created by bind() (AF_UNIX, a name in the filesystem) */
  /* Not a path: the followed process was sent a stop signal (SIGTERM, SIGINT, SIGQUIT). Under
   * KillMode=mixed systemd kills the observer as soon as the main process has exited: the
   * observer writes its file when the stop is asked for instead. */
  JH_OP_STOP_SIGNAL = 100,
};

/* A path operation that succeeded, as the syscall named it. A relative path comes with the
 * directory it is relative to (`dfd`, or the working directory), named by the program when the
 * call was made; empty base: userspace resolves it from /proc, or gives up. */
struct jh_obs_event {
  unsigned int op;
  unsigned int tgid;
  int dfd; /* JH_OBS_CWD: the working directory */
  int dfd2;
  char path[JH_OBS_PATH_MAX];
  char path2[JH_OBS_PATH_MAX]; /* rename: the new name (op JH_OP_RENAME_FROM) */
  char base[JH_OBS_PATH_MAX];
  char base2[JH_OBS_PATH_MAX];
  /* With failures reported (map settings, JH_SET_FAILURES; --complain): the call's errno when
   * it failed with one the sandbox's view explains (0: it succeeded), its number, its open
   * flags and the name of the calling thread. */
  int error;
  unsigned int nr;
  unsigned long long flags;
  char comm[16];
};

/* Slots of the settings map, written by userspace after the load. */
enum jh_obs_setting {
  JH_SET_FAILURES = 0,    /* nonzero: failed path operations are reported too */
  JH_SET_UNPRIV_PORT = 1, /* net.ipv4.ip_unprivileged_port_start (0: 1024) */
  JH_SET_COUNT = 2,
};

#define JH_OBS_CWD (-100) /* AT_FDCWD */
