#!/usr/bin/python3
"""mkmounts.py - grow the mount table of the current mount namespace.

Usage: mkmounts.py DIR N

Mounts a small tmpfs on DIR (so that nothing is created on the host's disk),
then N more tmpfs mounts on DIR/0 ... DIR/N-1 inside it. Meant to run in a
private mount namespace (`unshare -m --propagation private`): the mounts then
vanish with that namespace and are never seen by the host. Refuses to run in
the mount namespace named by $BENCH_OUTER_MNTNS (the harness's own, recorded
before it unshares, as `readlink /proc/self/ns/mnt` prints it) or in PID 1's.
"""

import ctypes
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    top, n = sys.argv[1], int(sys.argv[2])
    own = os.readlink("/proc/self/ns/mnt")
    outer = {os.environ.get("BENCH_OUTER_MNTNS", "")}
    try:
        outer.add(os.readlink("/proc/1/ns/mnt"))
    except OSError:
        pass  # not always readable (PID 1 in another user namespace)
    if own in outer or not os.environ.get("BENCH_OUTER_MNTNS"):
        sys.exit("mkmounts.py: refusing to mount outside a private mount namespace "
                 "(set BENCH_OUTER_MNTNS to the outer namespace)")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]

    def mount_tmpfs(path, opts):
        if libc.mount(b"jharden-bench", path.encode(), b"tmpfs", 0, opts.encode()) != 0:
            err = ctypes.get_errno()
            sys.exit(f"mkmounts.py: mount tmpfs on {path}: {os.strerror(err)}")

    os.makedirs(top, exist_ok=True)
    mount_tmpfs(top, "mode=0755,size=16m")
    for i in range(n):
        os.mkdir(f"{top}/{i}")
    for i in range(n):
        mount_tmpfs(f"{top}/{i}", "mode=0755,size=4k")


if __name__ == "__main__":
    main()
