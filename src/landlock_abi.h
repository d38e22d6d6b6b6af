// landlock_abi.h - Landlock's kernel ABI, where Debian 12's kernel headers (6.1) stop at ABI 2:
// the later rights and scope, the system call numbers, and the rights jharden's rulesets
// handle at each ABI. Plain C, so that bench/content_floor.c makes the same ruleset.
#pragma once

#include <linux/landlock.h>
#include <sys/syscall.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

// The first ABI that keeps device ioctls to the rules (LANDLOCK_ACCESS_FS_IOCTL_DEV), and the
// first that scopes signals to the domain (LANDLOCK_SCOPE_SIGNAL).
#define JHARDEN_LANDLOCK_DEVICE_IOCTL_ABI 5
#define JHARDEN_LANDLOCK_SIGNAL_SCOPE_ABI 6

// The rights a ruleset handles at `abi` (none without Landlock). Reads and execution are left
// to the mounts (and the DAC): the layer is about writes, and about device ioctls (ABI 5),
// which stay allowed on the devices of /dev only: a terminal's node elsewhere on the host's
// file systems (a devpts mounted a second time, a chroot's /dev/tty1) would otherwise take
// TIOCSCTTY and TIOCSTI. Descriptors the daemon inherits were opened before the domain and
// keep their ioctls. The ABI 6 scopes are not handled here: abstract UNIX sockets never, which
// would cut a daemon off from those of the host; signals only with a PID namespace
// (LandlockPlan::scope_signals). The network rights (ABI 4) belong to other keys.
static inline unsigned long long jharden_landlock_handled_access(int abi) {
  unsigned long long a;
  if (abi <= 0) return 0;
  a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
      LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
      LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
      LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) a |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) a |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= JHARDEN_LANDLOCK_DEVICE_IOCTL_ABI) a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return a;
}
