#!/usr/bin/python3
"""maxrss.py - peak resident set size of a command, like `/usr/bin/time -f %M`.

Usage: maxrss.py [--runs N] [--json] -- COMMAND [ARG...]

Runs COMMAND N times (default 1) and prints the peak RSS of each run in KiB
(ru_maxrss: the largest RSS reached by the command or any descendant it
waited for), or with --json one object {"command", "runs", "kib": [...],
"exit_codes": [...]}. Standard output of COMMAND goes to /dev/null.

Why not simply fork + exec + getrusage(RUSAGE_CHILDREN): the kernel folds the
high-water RSS of the memory image a process *leaves* at execve() into that
process's ru_maxrss (fs/exec.c, exec_mmap -> setmax_mm_hiwater_rss). A child
forked from Python leaves Python's ~10 MiB image at its exec, so every
measurement would read at least Python's own size and hide the differences
between small C programs. Instead:

  * this process becomes a child subreaper (PR_SET_CHILD_SUBREAPER);
  * it runs a trampoline `/bin/sh -c '"$@" &'`: the shell (dash, ~1 MiB)
    forks the command in the background and exits at once;
  * the command, orphaned, is re-parented to us, and we reap it with wait4(),
    which returns the resource usage of that process (and of the children it
    waited for) only. Its floor is the shell's small image, not Python's.

The floor left is that of the shell at fork time; measure /bin/true the same
way to know it.
"""

import ctypes
import json
import os
import sys

PR_SET_CHILD_SUBREAPER = 36


def set_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(PR_SET_CHILD_SUBREAPER)")


def exit_code(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return -1


def run_once(argv):
    """Return (maxrss_kib, exit_code) of one run of argv."""
    devnull = os.open(os.devnull, os.O_RDWR)
    # The trampoline. `exec` is not needed: dash forks for "&" and the forked
    # child execs the simple command directly. stdin of a background job is
    # /dev/null anyway.
    tramp = ["/bin/sh", "-c", '"$@" &', "maxrss-trampoline"] + argv
    pid = os.fork()
    if pid == 0:  # the trampoline shell
        try:
            os.dup2(devnull, 1)
            os.execv(tramp[0], tramp)
        finally:
            os._exit(127)
    os.close(devnull)
    # 1. the shell itself (exits at once; its rusage includes Python's image)
    _, status, _ = os.wait4(pid, 0)
    if exit_code(status) != 0:
        raise RuntimeError(f"trampoline shell failed: status {status}")
    # 2. the command, re-parented to us (the only child we have left)
    rss, code = None, None
    while True:
        try:
            cpid, status, ru = os.wait4(-1, 0)
        except ChildProcessError:
            break
        # The first re-parented process to finish is the command; anything
        # it left behind (daemonized grandchildren) is reaped too and its
        # RSS counted, as it belongs to the command's run.
        if rss is None:
            rss, code = ru.ru_maxrss, exit_code(status)
        else:
            rss = max(rss, ru.ru_maxrss)
    if rss is None:
        raise RuntimeError("the command was never reaped")
    return rss, code


def main():
    args = sys.argv[1:]
    runs, as_json = 1, False
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--runs":
            runs = int(args.pop(0))
        elif opt == "--json":
            as_json = True
        else:
            sys.exit(f"maxrss.py: unknown option {opt}")
    if not args or args[0] != "--" or len(args) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    argv = args[1:]
    set_subreaper()
    kib, codes = [], []
    for _ in range(runs):
        rss, code = run_once(argv)
        kib.append(rss)
        codes.append(code)
    if as_json:
        json.dump({"command": " ".join(argv), "runs": runs, "kib": kib, "exit_codes": codes},
                  sys.stdout)
        sys.stdout.write("\n")
    else:
        for rss, code in zip(kib, codes):
            print(rss if code == 0 else f"{rss} (exit {code})")
    sys.exit(0 if all(c == 0 for c in codes) else 1)


if __name__ == "__main__":
    main()
