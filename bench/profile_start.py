#!/usr/bin/python3
"""profile_start.py - where the CPU time of a start goes, by kind of kernel work.

Usage: profile_start.py COMMANDS_TSV OUT_TSV RUNS ID...

For each ID of COMMANDS_TSV (id <TAB> label <TAB> command, as bench/run.sh writes it), runs
the command RUNS times under `perf record -e cpu-clock -g` (a software clock: this needs no
CPU counters) and sorts every sample of the command's own processes (the program, its
children and the program it executes; not the shell that starts each run) by what the CPU
was doing: the system call it was in (by the outermost system call frame of the kernel
stack), a page fault, or user space. Writes OUT_TSV: id, runs, frequency, kind, samples.
A kind's CPU time per start is samples / frequency / runs.

The sampling clock interrupts every process alike, so its overhead (a few per cent) is
shared by the program and its floor; shares and differences compare, absolute times are
slightly high.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

FREQ = 20000

# System calls by the kind of work a sandbox asks of the kernel.
GROUPS = {
    "mounts": "fsopen fsconfig fsmount fspick open_tree move_mount mount_setattr mount umount "
              "umount2 pivot_root",
    "namespaces and processes": "unshare setns clone clone3 fork vfork wait4 waitid exit "
                                "exit_group sched_setaffinity sched_getaffinity",
    "seccomp filter": "seccomp",
    "Landlock": "landlock_create_ruleset landlock_add_rule landlock_restrict_self",
    "path lookups and descriptors": "openat openat2 open newfstatat fstat statx fstatfs statfs "
                                    "close close_range fcntl getdents64 readlinkat readlink "
                                    "faccessat faccessat2 access dup dup2 dup3 fchdir chdir read "
                                    "pread64 readv lseek",
    "files made in the sandbox": "mknodat mkdirat symlinkat fchmod fchmodat fchown fchownat "
                                 "write pwrite64 writev linkat unlinkat renameat2 ftruncate umask",
    "credentials and capabilities": "prctl capset capget setresuid setresgid setgroups setsid",
    "signals": "rt_sigaction rt_sigprocmask rt_sigtimedwait kill tgkill",
    "execve": "execve execveat",
    "memory maps": "mmap munmap mprotect brk madvise",
}
KIND_OF_CALL = {call: kind for kind, calls in GROUPS.items() for call in calls.split()}
SYSCALL_FRAME = re.compile(r"^(?:__x64_sys|__do_sys|__se_sys|__ia32_sys)_(\w+)$")
# Where the compiler inlined a call's own frame into the dispatcher, the frame under it is
# the kernel's helper.
HELPER_CALL = {"ksys_mmap_pgoff": "mmap", "vm_mmap_pgoff": "mmap", "ksys_read": "read",
               "ksys_write": "write", "__sys_recvmsg": "recvmsg", "__sys_sendmsg": "sendmsg",
               "do_arch_prctl_64": "arch_prctl", "ksys_unshare": "unshare",
               "do_sys_openat2": "openat"}
DISPATCH = ("do_syscall_64", "x64_sys_call")
SYSCALL_ENTRY = DISPATCH + ("entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe")
# glibc's start-up reads the CPU's features and cache sizes with CPUID, which a hypervisor
# traps: every dynamically linked program pays it, the floors too.
CPU_PROBE = ("init_cpu_features", "handle_amd", "handle_intel", "handle_zhaoxin",
             "get_common_indices", "get_extended_indices", "update_active", "intel_check_word",
             "dl_init_cacheinfo")
DRIVER = {"bash", "perf", "seq"}


def kind_of(frames):
    """frames: the sample's symbols, innermost first."""
    call = None
    for f in frames:
        if f == "do_seccomp":
            call = call or "seccomp"
        m = SYSCALL_FRAME.match(f)
        if m:
            call = m.group(1)  # the outermost wins
    if not call:
        # The frame just inside the dispatcher (frames run innermost first).
        d = next((i for i, f in enumerate(frames) if f in DISPATCH), 0)
        call = HELPER_CALL.get(frames[d - 1]) if d else None
    if call:
        return KIND_OF_CALL.get(call, "other system calls")
    if "asm_exc_page_fault" in frames:
        return "page faults"
    if any(f.startswith("asm_sysvec") or f.startswith("asm_common_interrupt") for f in frames):
        return "interrupts"
    if any(f in ("exit_to_user_mode_loop", "task_work_run") for f in frames):
        return "work on return to user space"
    if any(f in SYSCALL_ENTRY for f in frames):
        return "system call entry and exit"
    if frames and frames[0].split(".")[0] in CPU_PROBE:
        return "user space: glibc's CPU probe (CPUID)"
    return "user space"


def samples_of(script_output):
    counts = collections.Counter()
    for block in script_output.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        comm = lines[0].split()[0]
        if comm in DRIVER:
            continue
        frames = []
        for line in lines[1:]:
            parts = line.split(None, 1)
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1]).split(" (")[0]
                          if len(parts) > 1 else "?")
        counts[kind_of(frames)] += 1
    return counts


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.split("\n\n")[1])
    commands_tsv, out_tsv, runs, ids = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    commands = {}
    for line in open(commands_tsv, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        cid, _, cmd = line.rstrip("\n").split("\t")
        commands[cid] = cmd.split()
    with open(out_tsv, "w", encoding="utf-8") as out, tempfile.TemporaryDirectory() as tmp:
        out.write("# id\truns\tfrequency\tkind\tsamples\n")
        for cid in ids:
            data = os.path.join(tmp, cid + ".data")
            loop = 'for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null || exit 1; done'
            subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(FREQ), "-g",
                            "-o", data, "--", "/bin/bash", "-c",
                            loop.replace("RUNS", str(runs)), "loop"] + commands[cid],
                           check=True, stdout=subprocess.DEVNULL)
            script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"],
                                    check=True, capture_output=True, text=True).stdout
            for kind, n in sorted(samples_of(script).items()):
                out.write(f"{cid}\t{runs}\t{FREQ}\t{kind}\t{n}\n")


if __name__ == "__main__":
    main()
