#!/usr/bin/python3
"""report.py - turn bench/run.sh's raw results into docs/performance.md.

Usage: report.py --results DIR --plots DIR --doc FILE --repo DIR

Reads the raw results of one run (hyperfine JSON, maxrss.py JSON lines, the
seccomp loop, instruction counts, systemd start times), computes medians,
spreads and bootstrap confidence intervals, draws the plots with gnuplot
(PNG in --plots), writes the Markdown report (--doc) and prints a headline
table on standard output. Standard library only.
"""

import argparse
import glob
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys

# The rows of the start-up tables, in order (ids of bench/run.sh's commands.tsv).
ORDER = ["exec", "jh-version", "unshare", "unshare-pid", "unshare-nginx", "content", "content-pid",
         "jh-empty", "jh-secret",
         "jh-secret-nohide", "jh-pid", "jh-nginx", "bwrap", "bwrap-pid", "bwrap-nosc", "firejail",
         "withfd"]
PLOTTED = ["exec", "unshare", "content", "content-pid", "jh-empty", "jh-secret", "jh-secret-nohide",
           "jh-pid", "jh-nginx", "bwrap", "bwrap-pid", "bwrap-nosc", "firejail"]
# "The baseline with one secret and the seccomp filter"; jh-secret-nohide
# (hide_sources = no) stands in when jh-secret could not run.
TARGET_ROWS = ("jh-secret", "jh-secret-nohide")
FLOORS = ("exec", "jh-version", "unshare", "unshare-pid", "unshare-nginx", "withfd")
# The floor each row is measured against: what the kernel needs for the same namespaces
# (`unshare -m`; with a PID namespace -p -f --mount-proc; nginx.conf's namespaces).
FLOOR_OF = {"jh-pid": "unshare-pid", "bwrap-pid": "unshare-pid", "firejail": "unshare-pid",
            "jh-nginx": "unshare-nginx", "content-pid": "unshare-pid"}
# The same sandbox made by bench/content_floor.c: the kernel's work for it, and nothing else.
CONTENT_OF = {"jh-secret": "content", "jh-pid": "content-pid"}
FLOOR_NAMES = {"unshare": "`unshare -m`", "unshare-pid": "`unshare -m -p -f --mount-proc`",
               "unshare-nginx": "`unshare -m -p -f -u -i -C --mount-proc`"}


# ------------------------------------------------------------------ statistics
def quartiles(xs):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def ratio_ci(a, b, iters=2000, seed=1):
    """95 % bootstrap interval of median(a) / median(b)."""
    if len(a) < 3 or len(b) < 3:
        return None
    rng = random.Random(seed)
    rs = []
    for _ in range(iters):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        rs.append(ma / mb)
    rs.sort()
    return rs[int(0.025 * iters)], rs[int(0.975 * iters) - 1]


def fmt_ms(s):
    ms = s * 1000.0
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}"


def fmt_ci(ci):
    return "" if ci is None else f" [{ci[0]:.2f}–{ci[1]:.2f}]"


# ------------------------------------------------------------------ loading
def read_env(path):
    d = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                d[k] = v
    return d


def read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.rstrip("\n").split("\t"))
    return rows


def load_startup(res, levels):
    """{level: {"mounts": int, "cmds": {id: {...}}, "skipped": {id: err}}}"""
    out = {}
    for n in levels:
        cmds = {}
        for f in sorted(glob.glob(os.path.join(res, f"startup-{n}-r*.json"))):
            for r in json.load(open(f, encoding="utf-8"))["results"]:
                c = cmds.setdefault(r["command"], {"times": [], "cpu": []})
                c["times"].extend(r["times"])
                # hyperfine 1.15 exports user and system as means per command
                c["cpu"].extend([r["user"] + r["system"]] * len(r["times"]))
        for c in cmds.values():
            q1, med, q3 = quartiles(c["times"])
            c.update(median=med, q1=q1, q3=q3, min=min(c["times"]), max=max(c["times"]),
                     n=len(c["times"]), cpu=statistics.mean(c["cpu"]))
        rss = {}
        rf = os.path.join(res, f"rss-{n}.jsonl")
        if os.path.exists(rf):
            for line in open(rf, encoding="utf-8"):
                d = json.loads(line)
                rss[d["id"]] = d["kib"]
        skipped = {r[0]: (r[1] if len(r) > 1 else "") for r in
                   read_tsv(os.path.join(res, f"skipped-{n}.txt"))}
        mf = os.path.join(res, f"mounts-{n}.txt")
        mounts = int(open(mf).read().strip()) if os.path.exists(mf) else None
        if cmds:
            out[n] = {"mounts": mounts, "cmds": cmds, "rss": rss, "skipped": skipped}
    return out


# The kinds of kernel work that the sandbox's content itself asks for: its mounts, the files
# it makes in them (mount points, /dev's nodes, the secrets), the filter's load and the
# Landlock ruleset (bench/profile_start.py's names).
CONTENT_KINDS = ("mounts", "files made in the sandbox", "seccomp filter", "Landlock")
PROFILE_PAIRS = (("unshare", "jh-secret"), ("unshare-pid", "jh-pid"), ("unshare-nginx", "jh-nginx"))


def load_profile(res):
    """{id: {kind: µs of CPU per start}} from profile.tsv, and the starts of each."""
    prof, starts = {}, 0
    for r in read_tsv(os.path.join(res, "profile.tsv")):
        cid, runs, freq, kind, n = r[0], int(r[1]), int(r[2]), r[3], int(r[4])
        prof.setdefault(cid, {})[kind] = n / freq / runs * 1e6
        starts = runs
    return prof, starts


def profile_section(res, labels, add):
    prof, starts = load_profile(res)
    pairs = [(f, j) for f, j in PROFILE_PAIRS if f in prof and j in prof]
    if not pairs:
        return
    total = {cid: sum(kinds.values()) for cid, kinds in prof.items()}
    kinds = sorted({k for f, j in pairs for k in list(prof[f]) + list(prof[j])},
                   key=lambda k: -prof[pairs[0][1]].get(k, 0))
    add("## Where a start's CPU time goes")
    add("")
    add(f"bench/profile_start.py runs each command {starts} times (at +0 mounts) under perf's "
        "software clock (`perf record -e cpu-clock -F 20000 -g`) and sorts every sample of "
        "its processes (the program, its children, `/bin/true`) by what the CPU was doing: "
        "the system call it was in, a page fault, or user space. CPU time per start in µs "
        "(summed over the processes of a start, so with `pid = yes` more than its wall time); "
        "perf's clock interrupts every process alike, so the absolute numbers are a little "
        "high and the differences compare:")
    add("")
    head = "| kind of work |"
    rule = "|---|"
    for f, j in pairs:
        head += f" {labels.get(f, f)} | {labels.get(j, j)} | difference |"
        rule += "---:|---:|---:|"
    add(head)
    add(rule)
    for k in kinds + ["all"]:
        row = f"| {'**all**' if k == 'all' else k} |"
        for f, j in pairs:
            a = total[f] if k == "all" else prof[f].get(k, 0)
            b = total[j] if k == "all" else prof[j].get(k, 0)
            row += f" {a:.0f} | {b:.0f} | {b - a:+.0f} |"
        add(row)
    add("")
    add("What the sandbox's content costs the kernel, whatever the program that asks: "
        + ", ".join(CONTENT_KINDS[:-1]) + " and " + CONTENT_KINDS[-1] + ". A program that did "
        "nothing but that work on top of the floor's would take, in CPU time per start:")
    add("")
    add("| sandbox | floor | + the content's kernel work | = at least | × floor | jharden | × floor |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for f, j in pairs:
        floor = total[f]
        content = sum(prof[j].get(k, 0) - prof[f].get(k, 0) for k in CONTENT_KINDS)
        add(f"| {labels.get(j, j)} | {floor:.0f} | {content:+.0f} | {floor + content:.0f} | "
            f"{(floor + content) / floor:.2f} | {total[j]:.0f} | {total[j] / floor:.2f} |")
    add("")
    add("The rest of the difference is jharden's own way of doing it: every mount target is "
        "resolved beneath the sandbox root with openat2(2) and checked (path lookups and "
        "descriptors: the establish round, the read-only round and the verify round each open "
        "their targets again), the policy is read and planned in user space, and the pages "
        "that work touches fault in. glibc's CPU probe is the CPUID instructions of every "
        "dynamically linked program's start, trapped by the hypervisor of this virtual "
        "machine; the floors pay it twice as well (the namespace tool and `/bin/true`).")
    add("")
    add("Off the CPU, where this profile does not look: a start that hid a secret's source "
        "slept once, in the detach of the scratch tmpfs its inaccessible file was made in "
        "(`umount2(MNT_DETACH)` waits for an expedited RCU grace period: 60-190 µs under "
        "`perf trace` here; `perf record -e sched:sched_switch` found that sleep in every such "
        "start and no other in a start without `pid = yes`). With the private /dev, every "
        "inaccessible file is now bound from one node of the /dev tmpfs, made in the mount "
        "point of /dev/pts before devpts covers it: no scratch tmpfs, no detach, no sleep, 17 "
        "system calls fewer (755 → 738 with one secret); interleaved here (800 alternating "
        "starts each, medians), jharden + 1 secret went from 2.583 to 2.493 ms (0.965×). The "
        "node stays linked: a first "
        "version unlinked it instead of covering it, and the kernel mounts nothing on a copy "
        "of a mount rooted at a file without a link, which broke binds of a directory holding "
        "a hidden source.")
    add("")
    add("The private /dev's six device nodes are made with mknod(2) by their numbers in its "
        "tmpfs before it is attached, as systemd's PrivateDevices= makes them, no longer bound "
        "from the host's /dev (each bind an open of the host's node, a clone, its flags and an "
        "attach; they remain the way where mknod is refused): six mounts fewer in every "
        "sandbox, 42 system calls fewer (720 → 678 with one secret, `strace -f -c`); "
        "interleaved here (alternating starts, medians), jharden + 1 secret went from 2.764 to "
        "2.652 ms (0.959×, 800 each), `pid = yes` from 3.739 to 3.581 ms (0.958×) and "
        "nginx.conf from 4.567 to 4.415 ms (0.968×, 300 each).")
    add("")


def load_learn(res):
    """bench/learn_pgbench.sh's runs: {variant: [tps, ...]}, "skipped" and "learned" texts."""
    out = {}
    path = os.path.join(res, "learn-pgbench.txt")
    for suffix, key in ((".skipped", "skipped"), (".learned", "learned")):
        if os.path.exists(path + suffix):
            out[key] = open(path + suffix, encoding="utf-8").read().strip().lstrip("# ")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            v, _, tps = line.split()
            out.setdefault(v, []).append(float(tps))
    return out


# ------------------------------------------------------------------ machine
def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(),
            "kernel_version": platform.version(), "arch": platform.machine()}
    model = None
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu"] = model or "unknown"
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        info["memory"] = "unknown"
    try:
        info["virt"] = subprocess.run(["systemd-detect-virt"], capture_output=True,
                                      text=True).stdout.strip() or "none"
    except OSError:
        info["virt"] = "unknown (systemd-detect-virt missing)"
    try:
        info["os"] = [l.split("=", 1)[1].strip().strip('"')
                      for l in open("/etc/os-release", encoding="utf-8")
                      if l.startswith("PRETTY_NAME=")][0]
    except (OSError, IndexError):
        info["os"] = "unknown"
    mit = []
    vdir = "/sys/devices/system/cpu/vulnerabilities"
    if os.path.isdir(vdir):
        for name in ("meltdown", "spectre_v2", "spec_store_bypass"):
            p = os.path.join(vdir, name)
            if os.path.exists(p):
                mit.append(f"{name}: {open(p).read().strip()}")
    info["mitigations"] = "; ".join(mit)
    return info


# ------------------------------------------------------------------ plots
def plots(startup, labels, plot_dir):
    """Start-up time against mount count, and the same relative to each row's floor."""
    made = []
    if not shutil.which("gnuplot") or len(startup) < 2:
        return made
    levels = sorted(startup)
    data = os.path.join(plot_dir, "startup.dat")
    series = [i for i in PLOTTED if any(i in startup[n]["cmds"] for n in levels)]
    with open(data, "w", encoding="utf-8") as f:
        f.write("# mounts median_ms q1_ms q3_ms ratio_to_floor (one block per command)\n")
        for i in series:
            f.write(f"# {i}\n")
            for n in levels:
                c = startup[n]["cmds"].get(i)
                u = (startup[n]["cmds"].get(FLOOR_OF.get(i, "unshare"))
                     or startup[n]["cmds"].get("unshare"))
                if not c:
                    continue
                ratio = c["median"] / u["median"] if u else float("nan")
                f.write(f"{startup[n]['mounts']} {c['median']*1e3:.4f} {c['q1']*1e3:.4f} "
                        f"{c['q3']*1e3:.4f} {ratio:.4f}\n")
            f.write("\n\n")
    styles = {"exec": "lc rgb '#999999' dt 2 pt 1", "unshare": "lc rgb '#000000' dt 2 pt 2",
              "content": "lc rgb '#8c564b' dt 2 pt 6", "content-pid": "lc rgb '#c49c94' dt 2 pt 8",
              "jh-empty": "lc rgb '#1f77b4' pt 7", "jh-secret": "lc rgb '#0b3d91' lw 3 pt 5",
              "jh-secret-nohide": "lc rgb '#0b3d91' lw 2 dt 4 pt 4",
              "jh-pid": "lc rgb '#17becf' pt 9", "jh-nginx": "lc rgb '#2ca02c' pt 11",
              "bwrap": "lc rgb '#d62728' pt 13", "bwrap-pid": "lc rgb '#d62728' dt 2 pt 12",
              "bwrap-nosc": "lc rgb '#ff9896' dt 3 pt 13",
              "firejail": "lc rgb '#9467bd' pt 15"}
    common = ("set terminal pngcairo size 1100,680 font 'sans,11' noenhanced\n"
              "set logscale x\nset logscale y\nset grid xtics ytics mxtics mytics\n"
              "set key outside right top\n"
              "set xlabel \"mount points in the host's table (/proc/self/mountinfo lines)\"\n")
    png1 = os.path.join(plot_dir, "startup.png")
    png2 = os.path.join(plot_dir, "startup-relative.png")
    # File names relative to plot_dir (gnuplot runs there), so startup.gp works anywhere.
    s1 = common + (f"set output 'startup.png'\nset title 'Start-up of /bin/true in each "
                   "sandbox vs. host mount table (median; bars: quartiles)'\n"
                   "set ylabel 'wall time, ms'\nplot " + ", \\\n  ".join(
                       f"'startup.dat' index {k} using 1:2:3:4 with yerrorlines {styles.get(i, '')} "
                       f"title '{labels.get(i, i)}'" for k, i in enumerate(series)) + "\n")
    rel = [(k, i) for k, i in enumerate(series) if i not in ("exec", "unshare")]
    s2 = common + (f"set output 'startup-relative.png'\nset title 'Start-up time relative to the "
                   "floor of the same namespaces (ratio of medians; dashed: the 1.3x and 1.5x "
                   "targets)'\n"
                   "set ylabel 'x floor'\nset yrange [0.5:*]\nplot " + ", \\\n  ".join(
                       f"'startup.dat' index {k} using 1:5 with linespoints {styles.get(i, '')} "
                       f"title '{labels.get(i, i)}'" for k, i in rel) +
                   ", \\\n  1.3 with lines lc rgb '#000000' dt 2 title '1.3x'"
                   ", \\\n  1.5 with lines lc rgb '#555555' dt 3 title '1.5x'\n")
    for script, png in ((s1, png1), (s2, png2)):
        p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True,
                           cwd=plot_dir)
        if p.returncode == 0 and os.path.exists(png):
            made.append(png)
        else:
            print(f"report.py: gnuplot failed: {p.stderr.strip()}", file=sys.stderr)
    with open(os.path.join(plot_dir, "startup.gp"), "w", encoding="utf-8") as f:
        f.write(s1 + "\n" + s2)
    return made


# ------------------------------------------------------------------ instructions
def callgrind_breakdown(res):
    """(total, ld.so before main, main) of jharden empty.conf, from callgrind_annotate."""
    path = os.path.join(res, "callgrind.jh-empty.inclusive.txt")
    if not os.path.exists(path):
        return None
    vals = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        v, what = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in what:
            vals["total"] = v
        elif re.search(r":_dl_start \[", what) and "dl_start" not in vals:
            vals["dl_start"] = v
        elif re.search(r"main\.cc:main \[", what) and "main" not in vals:
            vals["main"] = v
    return vals


def filter_cost(res, pol):
    """Inclusive instructions of bench/filter_cost.cc's parts for one run (filter-POL or
    filter-POL-compile), or None."""
    path = os.path.join(res, f"filter-{pol}.inclusive.txt")
    if not os.path.exists(path):
        return None
    keys = {"total": r"PROGRAM TOTALS",
            "build": r"jharden::(build|compile)_seccomp_filter\(jharden::SeccompPlan const&",
            "spec": r"jharden::seccomp_filter_spec\(", "names": r"jharden::known_syscall_names.* \[",
            "add": r"\?\?\?:seccomp_rule_add_array \[", "export": r"\?\?\?:seccomp_export_bpf \[",
            "load": r"jharden::load_policy.* \[", "plan": r"jharden::build_plan.* \["}
    vals = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        for k, pat in keys.items():
            if k not in vals and re.search(pat, m.group(2)):
                vals[k] = int(m.group(1).replace(",", ""))
    # A program compiled at build time is copied, not exported: no seccomp_export_bpf.
    return vals if "build" in vals else None


def top_self(res, k=8):
    path = os.path.join(res, "callgrind.jh-empty.self.txt")
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+?):(\S+?)(?:\(.*\))? \[(.*)\]$", line)
        if m and "PROGRAM TOTALS" not in line:
            fn = m.group(4)
            rows.append((m.group(1), m.group(2), fn[:60], os.path.basename(m.group(5))))
        if len(rows) >= k:
            break
    return rows


def ld_stats(path):
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.search(r"total startup time in dynamic loader: (\d+) cycles", line)
        if m:
            out["cycles"] = int(m.group(1))
        m = re.search(r"^\s*number of relocations: (\d+)", line)
        if m and "relocs" not in out:
            out["relocs"] = int(m.group(1))
        m = re.search(r"number of relative relocations: (\d+)", line)
        if m:
            out["relative"] = int(m.group(1))
    return out


def smaps_by_mapping(path):
    """{mapping: Rss KiB} from a copy of /proc/PID/smaps."""
    out, name = {}, None
    if not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = f[5] if len(f) > 5 else "[anonymous]"
        elif f and f[0] == "Rss:" and name:
            out[name] = out.get(name, 0) + int(f[1])
    return out


# ------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--plots", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    res = a.results
    meta = read_env(os.path.join(res, "meta.env"))
    quick = meta.get("quick") == "1"
    levels = [int(x) for x in meta.get("levels", "0 100 1000 5000").split()]
    cmd_rows = read_tsv(os.path.join(res, "commands.tsv"))
    labels = {r[0]: r[1] for r in cmd_rows}
    commands = {r[0]: r[2] for r in cmd_rows}
    startup = load_startup(res, levels)
    mach = machine_info()
    os.makedirs(a.plots, exist_ok=True)
    pngs = plots(startup, labels, a.plots)
    rel_plot = os.path.relpath(a.plots, os.path.dirname(os.path.abspath(a.doc)))

    def med(n, i):
        c = startup.get(n, {}).get("cmds", {}).get(i)
        return c["median"] if c else None

    def times(n, i):
        c = startup.get(n, {}).get("cmds", {}).get(i)
        return c["times"] if c else None

    def ratio(n, i, j):
        x, y = med(n, i), med(n, j)
        return x / y if x is not None and y else None

    def floor_of(n, i):
        f = FLOOR_OF.get(i, "unshare")
        return f if med(n, f) is not None else "unshare"

    def fratio(n, i):
        return ratio(n, i, floor_of(n, i))

    def rss_med(n, i):
        v = startup.get(n, {}).get("rss", {}).get(i)
        return statistics.median(v) if v else None

    # ---------------- seccomp loop
    sec = {}
    for r in read_tsv(os.path.join(res, "seccomp.tsv")):
        sec.setdefault(r[0], {"ns": [], "mode": set()})
        sec[r[0]]["ns"].append(float(r[2]))
        sec[r[0]]["mode"].add(r[5])
    sec_cmds = {r[0]: r[1] for r in read_tsv(os.path.join(res, "seccomp-commands.tsv"))}

    # ---------------- systemd
    sd, sd_checks, sd_fail = {}, {}, {}
    for sd_file in (os.path.join(res, "systemd.txt"), os.path.join(res, "systemd-pg.txt")):
        if not os.path.exists(sd_file):
            continue
        for line in open(sd_file, encoding="utf-8"):
            f = line.split()
            if f and f[0] == "time" and len(f) == 4:
                if f[2] == "0":
                    sd.setdefault(f[1], []).append(int(f[3]) / 1e6)
                else:
                    sd_fail[f[1]] = sd_fail.get(f[1], 0) + 1
            elif f and f[0] == "check":
                sd_checks[f[1]] = " ".join(f[2:])
    sd_skipped = None
    if os.path.exists(os.path.join(res, "systemd.skipped")):
        sd_skipped = open(os.path.join(res, "systemd.skipped")).read().strip()
    sd_security = {}
    pg_v = (open(os.path.join(res, "systemd-pg-version.txt")).read().strip()
            if os.path.exists(os.path.join(res, "systemd-pg-version.txt")) else "")
    pg_skipped = (open(os.path.join(res, "systemd-pg.skipped")).read().strip()
                  if os.path.exists(os.path.join(res, "systemd-pg.skipped")) else None)
    # The PostgreSQL units: stock, systemd's sandboxing, jharden (instances of templates).
    pg_units = [f"{u}@{pg_v}-main.service" for u in
                ("postgresql", "postgresql-native", "postgresql-jharden")] if pg_v else []
    for u in ("nginx", "nginx-native", "nginx-jharden", "postgresql", "postgresql-native",
              "postgresql-jharden"):
        p = os.path.join(res, f"systemd-security-{u}.txt")
        if os.path.exists(p):
            m = re.search(r"exposure level for (\S+): ([\d.]+) (\S+)", open(p).read())
            if m:
                sd_security[m.group(1).rstrip(":")] = f"{m.group(2)} {m.group(3)}"

    # ---------------- instructions
    instr = {}
    for r in read_tsv(os.path.join(res, "instructions.tsv")):
        instr.setdefault(r[0], {})[r[1]] = {"n": int(r[2] or 0), "exit": r[3],
                                           "note": r[4] if len(r) > 4 else ""}
    cg = callgrind_breakdown(res)
    ld_j = ld_stats(os.path.join(res, "ld-statistics.txt"))
    ld_b = ld_stats(os.path.join(res, "ld-statistics-bwrap.txt"))
    nlibs = 0
    if os.path.exists(os.path.join(res, "ldd.txt")):
        nlibs = sum(1 for l in open(os.path.join(res, "ldd.txt")) if "=>" in l)

    # ---------------- targets
    targets = []  # (what, measured, target, verdict)
    TARGET_ROW = next((r for r in TARGET_ROWS
                       if startup and all(r in startup[n]["cmds"] for n in startup)),
                      TARGET_ROWS[0])
    fallback = TARGET_ROW != TARGET_ROWS[0]
    tname = "jharden baseline + secret" + (" (hide_sources = no)" if fallback else "")

    def verdict(ok):
        return "n/a" if ok is None else ("**met**" if ok else "**missed**")

    # Issue 14: each sandbox against the floor of its namespaces, at +0, +1000 and +5000 mounts.
    floor_targets = [(TARGET_ROW, tname, 1.3), ("jh-pid", "jharden + secret + pid = yes", 1.3),
                     ("jh-nginx", "jharden nginx.conf", 1.5)]
    for row, name, goal in floor_targets:
        for n in (0, 1000, 5000):
            if n not in startup or med(n, row) is None:
                continue
            f = floor_of(n, row)
            r = ratio(n, row, f)
            ci = ratio_ci(times(n, row), times(n, f)) if r else None
            content = CONTENT_OF.get(row)
            alone = ""
            if content and med(n, content) is not None and floor_of(n, content) == f:
                alone = f"; the same sandbox's kernel work alone: {fmt_ratio(ratio(n, content, f))}×"
            targets.append((f"{name} vs {FLOOR_NAMES[f]}, +{n} mounts",
                            f"{fmt_ratio(r)}×{fmt_ci(ci)}{alone}", f"≤ {goal}×",
                            verdict(None if r is None else r <= goal)))
    for row, bw, name in ((TARGET_ROW, "bwrap", tname),
                          ("jh-pid", "bwrap-pid", "jharden + secret + pid = yes")):
        for n in sorted(startup):
            r = ratio(n, row, bw)
            ci = ratio_ci(times(n, row), times(n, bw)) if r else None
            extra = ""
            rn = ratio(n, row, "bwrap-nosc") if bw == "bwrap" else None
            if rn:
                extra = f"; vs bwrap without seccomp: {fmt_ratio(rn)}×"
            targets.append((f"{name} vs {labels.get(bw, bw)}, +{n} mounts",
                            f"{fmt_ratio(r)}×{fmt_ci(ci)}{extra}", "< 1× (faster)",
                            verdict(None if r is None else r < 1.0)))
    for n in sorted(startup):
        j, b = rss_med(n, TARGET_ROW), rss_med(n, "bwrap")
        if j and b:
            targets.append((f"peak RSS, {tname} vs bwrap, +{n} mounts",
                            f"{j:.0f} KiB vs {b:.0f} KiB ({j/b:.2f}×)", "≤ bwrap",
                            verdict(j <= b)))
    if sd.get("nginx.service") and sd.get("nginx-jharden.service"):
        s, jh = sd["nginx.service"], sd["nginx-jharden.service"]
        r = statistics.median(jh) / statistics.median(s)
        targets.append(("`systemctl start nginx`: jharden drop-in vs stock unit",
                        f"{fmt_ratio(r)}×{fmt_ci(ratio_ci(jh, s))}", "≤ 1.15×", verdict(r <= 1.15)))
        if sd.get("nginx-native.service"):
            nat = sd["nginx-native.service"]
            r2 = statistics.median(jh) / statistics.median(nat)
            targets.append(("`systemctl start nginx`: jharden drop-in vs systemd's own sandboxing",
                            f"{fmt_ratio(r2)}×{fmt_ci(ratio_ci(jh, nat))}", "< 1×",
                            verdict(r2 < 1.0)))
    if pg_units and sd.get(pg_units[0]) and sd.get(pg_units[2]):
        s, jh = sd[pg_units[0]], sd[pg_units[2]]
        r = statistics.median(jh) / statistics.median(s)
        targets.append(("`systemctl start` PostgreSQL: jharden drop-in vs stock unit",
                        f"{fmt_ratio(r)}×{fmt_ci(ratio_ci(jh, s))}", "≤ 1.15×",
                        verdict(r <= 1.15)))
        if sd.get(pg_units[1]):
            nat = sd[pg_units[1]]
            r2 = statistics.median(jh) / statistics.median(nat)
            targets.append(("`systemctl start` PostgreSQL: jharden drop-in vs systemd's own "
                            "sandboxing", f"{fmt_ratio(r2)}×{fmt_ci(ratio_ci(jh, nat))}", "< 1×",
                            verdict(r2 < 1.0)))
    if sec.get("jh-default") and sec.get("none"):
        r = statistics.median(sec["jh-default"]["ns"]) / statistics.median(sec["none"]["ns"])
        floor = ""
        if sec.get("allow-one"):
            r1 = statistics.median(sec["allow-one"]["ns"]) / statistics.median(sec["none"]["ns"])
            floor = (f"; a one-instruction filter that allows everything: {fmt_ratio(r1)}×"
                     f"{fmt_ci(ratio_ci(sec['allow-one']['ns'], sec['none']['ns']))}")
        targets.append(("getppid() loop: jharden's default filter vs no filter (`unshare -m`)",
                        f"{fmt_ratio(r)}×{fmt_ci(ratio_ci(sec['jh-default']['ns'], sec['none']['ns']))}"
                        + floor, "≤ 1.05×", verdict(r <= 1.05)))
    learn = load_learn(res)
    if learn.get("plain") and learn.get("learn"):
        r = statistics.median(learn["plain"]) / statistics.median(learn["learn"])
        targets.append(("`--learn` on a daemon benchmark (pgbench -S): PostgreSQL's "
                        "transactions per second alone ÷ under `--learn`",
                        f"{fmt_ratio(r)}×{fmt_ci(ratio_ci(learn['plain'], learn['learn']))}",
                        "≤ 1.5×", verdict(r <= 1.5)))
    else:
        targets.append(("`--learn` on a daemon benchmark (pgbench -S)",
                        learn.get("skipped", "not measured"), "≤ 1.5×", "n/a"))

    # ---------------- headline (stdout)
    head = []
    lv = sorted(startup)
    head.append("jharden benchmark" + ("  [QUICK MODE: indicative only]" if quick else "") +
                f"  {meta.get('date', '')}  {mach['nproc']} CPU(s), {mach['cpu']}, "
                f"Linux {mach['kernel']}, load {meta.get('loadavg_start', '?')} -> "
                f"{meta.get('loadavg_end', '?')}")
    head.append("")
    head.append("start-up of /bin/true, median ms (x its floor), by extra mounts in the host table")
    w = 38
    head.append(f"{'':{w}}" + "".join(f"{'+' + str(n):>16}" for n in lv))
    for i in ORDER:
        if i == "withfd" or not any(i in startup[n]["cmds"] for n in lv):
            continue
        cells = []
        for n in lv:
            m = med(n, i)
            r = fratio(n, i)
            cells.append("—" if m is None else
                         f"{fmt_ms(m)} ({r:.2f}x)" if i not in FLOORS else fmt_ms(m))
        head.append(f"{labels.get(i, i)[:w-1]:{w}}" + "".join(f"{c:>16}" for c in cells))
    if lv:
        head.append("")
        head.append("peak RSS at +0, median KiB: " + ", ".join(
            f"{labels.get(i, i)} {rss_med(lv[0], i):.0f}" for i in
            ("exec", "jh-empty", TARGET_ROW, "jh-nginx", "bwrap", "firejail")
            if rss_med(lv[0], i)))
    if sd:
        head.append("systemctl start, median ms: " + ", ".join(
            f"{u} {statistics.median(v)*1e3:.0f}" for u, v in sd.items()))
    if sec:
        head.append("getppid() loop, median ns/call: " + ", ".join(
            f"{k} {statistics.median(v['ns']):.0f}" for k, v in sec.items()))
    head.append("")
    if fallback:
        head.append("NOTE: jharden fails with a secret and the default hide_sources = yes ("
                    + meta.get("secret_hide_error", "").strip()
                    + "); the targets use the hide_sources = no row.")
    head.append("targets:")
    for what, meas, goal, v in targets:
        head.append(f"  {v.replace('*', ''):8} {what}: {meas} (target {goal})")
    print("\n".join(head))

    # ---------------- the document
    D = []
    add = D.append
    add("# jharden performance")
    add("")
    add("<!-- Generated by bench/run.sh (bench/report.py); do not edit by hand: re-run the "
        "harness. -->")
    add("")
    if quick:
        add("> **QUICK MODE** (`BENCH_QUICK=1`): few runs, for developing the harness. "
            "These numbers are indicative only; run `bash bench/run.sh` for the real report.")
        add("")
    add(f"Measured on {meta.get('date', '?')}, in one run of `bash bench/run.sh` "
        f"({int(meta.get('duration_s', '0')) // 60} min {int(meta.get('duration_s', '0')) % 60} s).")
    add("")
    add("## Summary")
    add("")
    add("Targets (ratios are of medians; in brackets the 95 % bootstrap interval of the "
        "ratio — with the noise of a shared machine, a verdict whose interval straddles the "
        "target could go either way on another run):")
    add("")
    add("| what | measured | target | verdict |")
    add("|---|---|---|---|")
    for what, meas, goal, v in targets:
        add(f"| {what} | {meas} | {goal} | {v} |")
    add("")
    if fallback:
        add("**jharden could not run with a secret and the default `hide_sources = yes`** "
            f"(`{meta.get('secret_hide_error', '').strip()}`, exit 226): hiding the source, a "
            "regular file, fails. The secret rows of the targets therefore use the same policy "
            "with `hide_sources = no` (the secret is still projected into its read-only tmpfs; "
            "only the inaccessible mount over its source is missing), and so does the systemd "
            "unit below.")
        add("")
    add("Start-up of `/bin/true`, median wall time in ms (and × its floor: what the kernel "
        "needs for the same namespaces, `unshare -m`; for `pid = yes`, the PID-namespace bwrap "
        "and firejail `unshare -m -p -f --mount-proc`; for nginx.conf the same with its UTS, "
        "IPC and cgroup namespaces), by extra mounts in the host's mount table:")
    add("")
    add("| command | " + " | ".join(f"+{n} ({startup[n]['mounts']} mounts)" for n in lv) + " |")
    add("|---|" + "---:|" * len(lv))
    for i in ORDER:
        if not any(i in startup[n]["cmds"] for n in lv):
            continue
        cells = []
        for n in lv:
            m, r = med(n, i), fratio(n, i)
            cells.append("—" if m is None else
                         (fmt_ms(m) if i in FLOORS else f"{fmt_ms(m)} ({r:.2f}×)"))
        add(f"| {labels.get(i, i)} | " + " | ".join(cells) + " |")
    add("")
    shares = []
    for n in lv:
        e, v, t = med(n, "exec"), med(n, "jh-version"), med(n, TARGET_ROW)
        if e is not None and v is not None and t is not None and t > e:
            shares.append((n, (v - e) * 1e3, (t - e) * 1e3, 100 * (v - e) / (t - e)))
    if shares:
        add("How much of jharden's start-up is loading the program: `jharden --version` "
            "execs jharden, which loads its shared libraries, prints a line and exits, so "
            "(`jharden --version` − `/bin/true`) is what jharden costs before it does any "
            "work, against (" + labels.get(TARGET_ROW, TARGET_ROW) + " − `/bin/true`), its "
            "whole cost above a bare exec: " + "; ".join(
                f"+{n}: {lo:.1f} of {tot:.1f} ms ({pct:.0f} %)" for n, lo, tot, pct in shares) +
            ". See Instructions below for where that goes.")
        add("")
    alone = [(n, fratio(n, "content"), fratio(n, "content-pid"),
              (med(n, "jh-secret") - med(n, "content")) * 1e3,
              (med(n, "jh-pid") - med(n, "content-pid")) * 1e3)
             for n in lv if all(med(n, i) is not None
                                for i in ("content", "content-pid", "jh-secret", "jh-pid"))]
    if alone:
        add("The same sandbox's kernel work alone: bench/content_floor.c makes the sandbox of "
            "secret.conf (with `--pid`, of pid.conf) with the kernel operations jharden makes "
            "for it (the mounts and their options, the secret written, the Landlock rules, the "
            "capabilities, the signals, the seccomp program jharden loads for the policy, the "
            "forks held to their CPU, the PID namespace's init reduced to CAP_KILL before the "
            "command goes on), and nothing else: no policy read, no plan, no target resolved "
            "beneath the root or checked, no verify round. bench/run.sh measures it only once "
            "its command sees what jharden's does (the mount table, its own and PID 1's "
            "capabilities, no_new_privs, seccomp mode, where Landlock lets it write, its "
            "descriptors, session, umask, signals and CPUs). Its ratio to the floor is what jharden's sequence of kernel "
            "operations costs by itself, which no work of jharden's own can lower; the rest of "
            "jharden's time is that own work. × floor for the secret and for `pid = yes`, and "
            "jharden's own work (jharden − kernel work alone): " + "; ".join(
                f"+{n}: {r1:.2f}× and {r2:.2f}× (own work {d1:.2f} and {d2:.2f} ms)"
                for n, r1, r2, d1, d2 in alone) + ".")
        add("")
    add("Forks and idle CPUs: the kernel starts a new process on the idlest CPU, and in a "
        "virtual machine like this one an idle vCPU is halted and takes milliseconds to wake "
        "(a fork whose child writes one byte to a pipe, on this machine: 3.7 ms until the "
        "child ran, against 0.08 ms with the parent held to its CPU across the fork). The "
        "floors with `-p -f` pay it once; `pid = yes` forks twice (the init, then the daemon). "
        "Every fork of a jharden start that may run on every online CPU holds jharden to its "
        "CPU for the fork and then gives both processes every CPU back, so that their CPU set "
        "is still their cpuset's (`fork_here`, src/topology.cc; behaviour.sh checks the "
        "daemon's and the init's CPU set, and a cpuset grown under a running daemon); the "
        "child starts where jharden runs, as soon as jharden waits. The ratios of the forking "
        "commands move with how long the other vCPU has been idle, run to run.")
    add("")
    add("Every masked directory, and every inaccessible one, is the same tmpfs: the first "
        "is made (fsopen, its options, fsmount) and the others are clones of it "
        "(open_tree), as systemd binds its one inaccessible directory at each path it hides. "
        "A start of nginx.conf (/home, /root, /sys/kernel/debug and /sys/kernel/tracing "
        "inaccessible) makes three tmpfs instances fewer, the baseline one (of its two under "
        "/sys/kernel): each clone is three system calls where an instance took nine, and "
        "one superblock fewer is torn down at the exit.")
    add("")
    for png in pngs:
        name = os.path.basename(png)
        add(f"![{name}]({rel_plot}/{name})")
        add("")

    add("## Machine")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date | {meta.get('date', '?')} |")
    add(f"| OS | {mach['os']} |")
    add(f"| kernel | {mach['kernel']} ({mach['kernel_version']}) |")
    add(f"| CPU | {mach['cpu']}, {mach['nproc']} CPU(s) (`nproc`), {mach['arch']} |")
    add(f"| memory | {mach.get('memory', '?')} |")
    add(f"| virtualization | {mach['virt']} |")
    add(f"| mitigations | {mach['mitigations'] or 'unknown'} |")
    add(f"| load average (1, 5, 15 min) | {meta.get('loadavg_start', '?')} at the start, "
        f"{meta.get('loadavg_end', '?')} at the end |")
    add(f"| host mount table | {meta.get('host_mounts', '?')} mounts before, "
        f"{meta.get('host_mounts_after', '?')} after the start-up measurements |")
    add(f"| jharden | {meta.get('jharden_version', '?')}, commit {meta.get('commit', '?')}, "
        f"binary sha256 {meta.get('jharden_sha256', '?')}…, {meta.get('build_type', '?')} "
        f"(`{meta.get('cxx_flags', '')}`) |")
    add(f"| peers | {meta.get('bwrap_version', '?')}; {meta.get('firejail_version', '?')}; "
        f"{meta.get('hyperfine_version', '?')}; systemd {meta.get('systemd_version', '?')} |")
    add("")
    load = meta.get("loadavg_start", "0").split()
    if load and float(load[0]) > 0.5 * (mach["nproc"] or 1):
        add(f"The machine was **not idle** (load average {load[0]} on {mach['nproc']} CPUs): "
            "other work competed for the CPUs, so absolute times are inflated and noisy. "
            "Rounds are interleaved (the order of the commands is rotated every round) so that "
            "the drift falls on every command alike; the ratios are the numbers to read.")
        add("")

    add("## Start-up time and peak RSS, by mount count")
    add("")
    add(f"Each command runs `/bin/true` in its sandbox. hyperfine, `-N` (no shell), "
        f"{meta.get('rounds')} round(s) × {meta.get('runs')} runs (× "
        f"{meta.get('runs_big', meta.get('runs'))} from +5000 mounts on) with "
        f"{meta.get('warmup')} warm-up run(s) per round, the order of the commands rotated "
        f"every round; peak RSS: `bench/maxrss.py`, {meta.get('rss_runs')} runs. Times in ms: "
        "median, 1st–3rd quartile (IQR), min–max, mean CPU time (user + system, from "
        "hyperfine), ratio of medians to the row's floor (see above). RSS: median of ru_maxrss in KiB "
        "(largest process of the run; min–max).")
    add("")
    for n in lv:
        L = startup[n]
        add(f"### +{n} mounts ({L['mounts']} in the table)")
        add("")
        add("| command | median | IQR | min–max | n | CPU | × floor | peak RSS KiB |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        for i in ORDER:
            c = L["cmds"].get(i)
            if not c:
                continue
            r = None if i in FLOORS else fratio(n, i)
            rs = L["rss"].get(i)
            rss_s = (f"{statistics.median(rs):.0f} ({min(rs)}–{max(rs)})" if rs else "—")
            add(f"| {labels.get(i, i)} | {fmt_ms(c['median'])} | {fmt_ms(c['q1'])}–"
                f"{fmt_ms(c['q3'])} | {fmt_ms(c['min'])}–{fmt_ms(c['max'])} | {c['n']} | "
                f"{fmt_ms(c['cpu'])} | {fmt_ratio(r)} | {rss_s} |")
        for i, err in L["skipped"].items():
            add(f"| {labels.get(i, i)} | failed, not timed: `{err[:120]}` | | | | | | |")
        add("")

    for sid in TARGET_ROWS:
        sm = smaps_by_mapping(os.path.join(res, f"smaps.{sid}.txt"))
        if not sm:
            continue
        total = sum(sm.values())
        add("### What jharden's peak RSS is made of")
        add("")
        add(f"`{labels.get(sid, sid)}`: its mappings right before it executes `/bin/true` "
            "(bench/execve_smaps.c, an LD_PRELOAD shim that copies /proc/self/smaps at "
            f"execve), {total:,} KiB resident in all. RSS counts shared library pages too "
            "(libc's are the same pages as every other process's), which is what ru_maxrss "
            "and the target measure.")
        add("")
        add("| mapping | Rss KiB |")
        add("|---|---:|")
        for k2, v in sorted(sm.items(), key=lambda kv: -kv[1])[:12]:
            add(f"| `{k2}` | {v:,} |")
        rest = total - sum(v for _, v in sorted(sm.items(), key=lambda kv: -kv[1])[:12])
        if rest > 0:
            add(f"| (other mappings) | {rest:,} |")
        add("")
        add("What decides these numbers is the kernel's fault-around: a read fault on a file "
            "mapping maps the page cache's pages 64 KiB around the page faulted in, so a "
            "mapping's Rss is the number of 64 KiB windows a process touches in it, not the bytes"
            " it runs (and it varies from run to run with where ASLR puts the window boundaries)."
            " That is why libc counts for over a MiB, and why jharden's own text was nearly all "
            "resident: a start runs some 400 KiB of its 1.6 MiB of code, which lay spread over "
            "the whole binary in link order.")
        add("")
        add("* **The start path side by side.** jharden is compiled one section per function "
            "(`-ffunction-sections`), and src/start_path.ld, an `INSERT` script that keeps the "
            "linker's default script for everything else, places the entry point, `main`, the "
            "static initialisers and the functions a start runs (libstdc++'s among them) at the "
            "head of the text, and the precompiled seccomp programs (289 KiB, of which a start "
            "reads one key and one program) after the rest of .rodata, each filter "
            "description's key in one object with its programs (seccomp-programs-gen), so that "
            "the key and the program a start reads lie in one 64 KiB window, not two. "
            "bench/start_order.sh "
            "generates it: it runs `jharden POLICY -- /bin/true` under gdb (bench/start_trace.py:"
            " a temporary breakpoint on every function), as a shell's background job like "
            "maxrss.py runs it, for a secret, a secret with `pid = yes` and the shipped policies "
            "that start on the machine, both sides of each fork, and lists the functions by how "
            "many of those runs ran them (those of every start first, one policy's own last), "
            "so that a start maps a prefix of the list rather than 64 KiB windows all over it. "
            "A function missing from the list costs pages, never correctness; rerun it when the "
            "start path changes.")
        add("")
        add("* **No C++ stream and no printf on the start path.** The first stream of a run "
            "builds the C++ locale, every facet for `char` and `wchar_t`: some 100 KiB of "
            "libstdc++ and libc's locale code. The start had two: read_caller_sandbox() now reads"
            " /proc/self/status with read(2), and new_fs() splits its tmpfs options by hand. Its "
            "only printf, octal_mode()'s `%04o`, touched three windows of libc for nothing else; "
            "it writes the four digits itself.")
        add("")
        add("* **Measured** on `jharden + 1 secret` (maxrss.py, medians of 10, in one session "
            "with the equivalent bwrap at 1,936-1,996 KiB): 3,768 KiB before, 2,580-2,660 KiB "
            "after. At the execve, jharden's text went from 1,496 to 420-490 KiB resident, its "
            ".rodata segment from 256-496 to 260-320 KiB, and libc from 1,408 to 1,160-1,400 KiB "
            "(bwrap's child: 1,136). Binding at load time (`-z now`, which Debian's packages get)"
            " measured the same as lazy binding within the noise then; see below for the build "
            "that now binds at load time.")
        add("")
        add("* **No filter description, three libraries linked in.** A start that finds its "
            "seccomp program in the table no longer builds the filter's description (a rule for "
            "each of some 370 syscall names): the heap at the execve went from 244 to 152 KiB. "
            "libinih, libseccomp and libcap are linked into jharden (`JHARDEN_STATIC_LIBS`, on by "
            "default; the Debian package records them in Static-Built-Using): the dynamic loader "
            "opens, maps and relocates libc alone (`jharden --version` 1.42 → 1.14 ms, medians of "
            "400; a start with one secret 180 µs shorter and 150 KiB smaller in a rotated "
            "comparison). The tests' fault shim, which takes libseccomp's and libcap's functions' "
            "place to show that each `--verify` row fails when its protection is missing, is "
            "preloaded into `jharden-shared-libs`, the same program with both as shared "
            "libraries, built with the tests and never installed.")
        add("")
        add("* **A key with its program.** The table's keys were one group of arrays and its "
            "programs another, so a start's key and program were two windows apart: 152 KiB "
            "of the table resident at the execve, 76-88 KiB with each key beside its programs. "
            "With start_path.ld regenerated at the same time (two functions of the start, "
            "open_target() and establish(), had changed their signatures, so the linker had left "
            "them in the rest of the text), "
            "peak RSS with one secret went from 2,636 to 2,480 KiB (maxrss.py, medians of 20, "
            "three rounds each, the two builds alternated).")
        add("")
        add("* **Common functions first.** The list was in the order of the functions' names, so "
            "a baseline start's functions lay among those of the policies with more mounts: "
            "556-620 KiB of text resident at the execve with one secret, 492 KiB once the list "
            "is ordered by how many traced starts ran each function (three runs each, through "
            "bench/execve_smaps.c). Page faults of a start (perf stat, with the other changes "
            "of the same day: a front that ends with `_Exit`, no set of names per syscall "
            "group): one secret 161 → 157, `pid = yes` 309 → 272, nginx.conf 348 → 304.")
        add("")
        add("* **Cold read-only data last.** The read-only data of jharden's members that no "
            "start runs a function of (--analyze, --learn, --verify, the observer's 120 KiB BPF "
            "object among them) lay between what a start reads, so that code for those modes "
            "moved a start's data across 64 KiB windows: the --verify checks of the private "
            "/dev's nodes added some 6 KiB and a start's .rodata went from 320 to 396 KiB "
            "resident at the execve (medians of 8, one secret). bench/start_order.sh now "
            "places that data after the rest of .rodata, with the seccomp programs: 332 KiB.")
        add("")
        add("* **Compiled for size.** jharden's own code is compiled with `-Os` after the build "
            "type's flags (`JHARDEN_SIZE_OPT`, on by default; not in Debug or sanitizer builds): "
            "the start runs its code once, so what it costs is the 64 KiB windows that code "
            "spans, not its instructions. With start_path.ld regenerated for it, against the same "
            "tree at `-O2` (one secret): text 2.52 → 1.85 MB; text resident at the execve 492 → "
            "300 KiB (execve_smaps.c); peak RSS some 170 KiB lower (maxrss.py, medians of 20, "
            "five rounds, the two builds alternated: 2,220-2,264 → 2,048-2,052 KiB); page faults "
            "154 → 150, `pid = yes` 273 → 259, nginx.conf 311 → 293 (perf stat); start-up 0.99× "
            "(one secret), 0.98× (`pid = yes`, nginx.conf), interleaved. callgrind counts 22 % "
            "more instructions up to the filter (2.18 → 2.66 million), nearly all in building "
            "the filter's description, which a start that finds its program does not do.")
        add("")
        add("* **Bound at load time, each program in one window.** jharden is linked with "
            "`-z now`, as Debian's hardening flags link its package: lazily bound, each process "
            "of a start bound the libc functions it called first (the init and the daemon "
            "of `pid = yes`, forked, bound for themselves what they called first), each a "
            "symbol lookup and a copy-on-write fault on a page of the GOT. "
            "Interleaved against the lazy build: `pid = yes` 0.96-0.97×, nginx.conf 0.97-0.98×, "
            "one secret 0.99×; page faults `pid = yes` 267 → 236, nginx.conf 300 → 269, one "
            "secret 152 → 152. The build that measured it showed why peak RSS is fragile: its "
            "table had moved by a few hundred bytes, so that the key and program a start reads "
            "lay across two 64 KiB windows (128 KiB of the table resident, not 64). "
            "seccomp-programs-gen now aligns each description's object to its size rounded up "
            "to a power of two (4 or 8 KiB for the shipped policies; the kernel aligns the "
            "program's load address to its segments' largest alignment), so that no object "
            "lies across a window: 48 KiB of the table resident at the execve, at the cost "
            "of some 140 KiB more of the file, never mapped by a start, and of one bit of the "
            "load address's randomness (it is 8 KiB-aligned).")
        add("")
        add("* **What is left above bwrap**: jharden's own start-path text (bwrap's whole text "
            "is 36 KiB resident), libseccomp's code and the syscall tables the policy's "
            "names are checked against, the heap (152 KiB against 28: the plan's "
            "syscall name sets and their blame, the policy text; malloc trimming would not "
            "lower the peak, which the kernel records before it unmaps), and the pages the "
            "dynamic loader writes in .data.rel.ro (vtables and tables of pointers).")
        add("")
        break

    profile_section(res, labels, add)

    add("## Seccomp filter cost inside the daemon")
    add("")
    add(f"`getppid-loop` (bench/getppid_loop.c) makes {int(meta.get('loop_calls', '0')):,} "
        "getppid() calls through syscall(2) and times only the loop; "
        f"{meta.get('loop_rounds')} rounds, the order rotated every round.")
    add("")
    if sec:
        base = statistics.median(sec["none"]["ns"]) if sec.get("none") else None
        bmin = min(sec["none"]["ns"]) if sec.get("none") else None
        add("| variant | command | median ns/call | IQR | min | n | Seccomp | × no filter "
            "(medians) | × no filter (minima) |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        names = {"none": "no filter (`unshare -m`)", "jh-default": "jharden, default filter",
                 "jh-empty-filter": "jharden, `deny =` and `native_only = no`",
                 "allow-one": "one instruction that allows everything (`--allow-filter`)"}
        for k in ("none", "jh-default", "jh-empty-filter", "allow-one"):
            if k not in sec:
                continue
            q1, m, q3 = quartiles(sec[k]["ns"])
            mn = min(sec[k]["ns"])
            add(f"| {names[k]} | `{sec_cmds.get(k, '')}` | {m:.0f} | {q1:.0f}–{q3:.0f} | "
                f"{mn:.0f} | {len(sec[k]['ns'])} | {','.join(sorted(sec[k]['mode']))} | "
                f"{(m / base) if base else 0:.3f} | {(mn / bmin) if bmin else 0:.3f} |")
        add("")
        add("Each run is a separate process; the minimum is the run least disturbed by the "
            "other work on the machine, so the ratio of minima is shown next to the ratio of "
            "medians (the target is judged on the medians).")
        add("")
        add("With `deny =` empty and `native_only = no` jharden still installs a filter "
            "(Seccomp: 2 above; it allows everything), so the filter-free reference is "
            "`unshare -m`. Since Linux 5.11 the kernel caches, per system call, the verdict of "
            "filters that do not look at the arguments (seccomp action cache), so an allowed "
            "getppid() skips the BPF program entirely; jharden also loads its filter with "
            "SPEC_ALLOW, so the kernel does not force the speculative-store-bypass mitigation "
            "on the daemon.")
        add("")
        if sec.get("allow-one"):
            one = statistics.median(sec["allow-one"]["ns"])
            jh = statistics.median(sec["jh-default"]["ns"])
            add(f"What any filter costs: the last row loads the smallest filter there is, one "
                f"instruction that allows every call (no_new_privs and SPEC_ALLOW, as jharden), "
                f"and nothing else: {one - base:+.0f} ns a call against no filter "
                f"({one / base:.2f}×). A process with a filter takes the kernel's slower "
                f"system call entry (the seccomp check runs before every call, the action cache "
                f"or not), and that step alone is above the 1.05× target on this machine; "
                f"jharden's default filter is {jh / one:.2f}× the one-instruction filter. So no "
                f"filter, however small, could meet the target here, and jharden's contract "
                f"requires one.")
            add("")

    add("## `--learn` under load")
    add("")
    if learn.get("plain"):
        add("bench/learn_pgbench.sh: a PostgreSQL 15 cluster of its own (Unix socket only), "
            "pgbench's tables at scale 2, then `pgbench -S -c 4 -j 2` against postgres started "
            "alone (as the postgres user), under jharden (the baseline, its cluster directory "
            "writable, `user = postgres`), and under `jharden --learn` (the same policy, every "
            "call observed), one start per run, the order rotated every round. Transactions "
            "per second:")
        add("")
        add("| postgres | median | min–max | n | alone ÷ this |")
        add("|---|---:|---:|---:|---:|")
        base = statistics.median(learn["plain"])
        for v, name in (("plain", "alone"), ("jharden", "under jharden"),
                        ("learn", "under `jharden --learn`")):
            if learn.get(v):
                xs = learn[v]
                m = statistics.median(xs)
                add(f"| {name} | {m:.0f} | {min(xs):.0f}–{max(xs):.0f} | {len(xs)} | "
                    f"{base / m:.2f}× |")
        add("")
        if learn.get("learned"):
            add(f"What `--learn` saw: {learn['learned'].rstrip('.')}.")
            add("")
    else:
        add(f"Not measured: {learn.get('skipped', 'no results')}.")
        add("")

    add("## Instructions")
    add("")
    if instr:
        perf_rows = any("perf" in v for v in instr.values())
        add("| command | " + ("perf `instructions:u` (all processes) | " if perf_rows else "") +
            "callgrind Ir (the program itself, up to its execve) | exit under valgrind | note |")
        add("|---|" + ("---:|" if perf_rows else "") + "---:|---:|---|")
        for i in ORDER:
            v = instr.get(i)
            if not v:
                continue
            cgv = v.get("callgrind")
            add(f"| {labels.get(i, i)} | " +
                (f"{v['perf']['n']:,} | " if perf_rows and 'perf' in v else ("— | " if perf_rows else "")) +
                (f"{cgv['n']:,} | {cgv['exit']} | {cgv['note']} |" if cgv else "— | | |"))
        add("")
        if not perf_rows:
            add("`perf stat -e instructions` is not supported on this machine (no CPU "
                "performance counters in the VM), so the counts come from callgrind alone. "
                "callgrind is deterministic where wall time is noisy, but it counts one "
                "process image only (`--trace-children=no`): the program up to its execve "
                "of `/bin/true`. Where the exit code is not 0 the program stopped early under "
                "valgrind (see the note) and the count covers only what ran before.")
            add("")
        if any(v.get("callgrind", {}).get("exit") not in (None, "0") and i.startswith("jh-")
               for i, v in instr.items()):
            add("Under valgrind 3.19 jharden stops at its first sandbox step: valgrind does not "
                "implement seccomp(2) (syscall 317), so libseccomp cannot set the SSB "
                "attribute and jharden fails closed (exit 228) — before any mount. Its count "
                "therefore covers start-up (dynamic loading), loading the policy, the plan, the "
                "secrets and the seccomp filter's description, which a start on this kernel "
                "does not build (at API level 1 no program of the table applies), but not the "
                "filter's rules nor its compilation to BPF; the next table counts the filter "
                "as a start makes it. The rest of jharden's work is system calls (mounts, "
                "Landlock, the filter's load, the execve).")
            add("")
    fc = {(pol, how): filter_cost(res, pol + suffix) for pol in ("empty", "secret", "nginx")
          for how, suffix in (("at start (as jharden does)", ""),
                              ("compiled by libseccomp (`--compile`)", "-compile"))}
    if any(fc.values()):
        add("The seccomp filter alone: bench/filter_cost.cc loads the policy and makes its "
            "filter with jharden's code as a start does: the program libseccomp compiled for "
            "the same plan when jharden was built (the shipped policies and the baseline, "
            "src/seccomp_programs.h), or, for any other policy, the filter's description built "
            "and compiled to BPF by libseccomp (`seccomp_export_bpf`, what "
            "`seccomp_load` does before the system call). With `--compile` it always takes "
            "libseccomp, as every start did before the table. libseccomp is told this kernel's "
            "API level; callgrind, inclusive instructions:")
        add("")
        add("| policy | filter | whole helper | load + plan | make the filter | of which: "
            "description | of which: syscall names | of which: rule additions | compile to BPF |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for (pol, how), v in fc.items():
            if v:
                add(f"| {pol}.conf | {how} | {v.get('total', 0):,} | "
                    f"{v.get('load', 0) + v.get('plan', 0):,} | {v['build']:,} | "
                    f"{v.get('spec', 0):,} | {v.get('names', 0):,} | {v.get('add', 0):,} | "
                    f"{v.get('export', 0):,} |")
        add("")
        add("libseccomp 2.5's compiler (gen_bpf.c) resolves the program's jumps by walking its "
            "list of blocks for each jump, so its cost grows with the square of the rules: "
            "every syscall libseccomp knows has a rule of its own (the default action, ENOSYS, "
            "is for the others), and the argument rules (namespaces, set-user-ID modes, "
            "terminal requests, realtime, personality) add their blocks. So the program is "
            "compiled once, when jharden is built, for each shipped policy (with and without "
            "PR_SET_MDWE, at every API level libseccomp knows). The table's key is every "
            "field of the plan that the description is made from (the lists, the errnos, the "
            "argument rules asked for), with libseccomp's version and native architecture, "
            "so a start finds a program only for exactly the filter libseccomp would compile; "
            "what remains at start is that key (a few KiB) and its lookup: the description "
            "(every syscall name resolved through libseccomp, a rule each) is built only when "
            "there is no program. An edited policy or `--complain` (or another libseccomp, where "
            "jharden loads it as a shared library) compiles at start as before. The helper links libstdc++ dynamically, so its "
            "dynamic loading costs more than jharden's.")
        add("")
    if cg and cg.get("total"):
        tot = cg["total"]
        dl = cg.get("dl_start", 0)
        mn = cg.get("main", 0)
        add(f"Where `jharden empty.conf -- /bin/true` spends its instructions (callgrind): "
            f"{tot:,} in all; the dynamic loader before `main()` (`_dl_start`: mapping "
            f"{nlibs} shared libraries and resolving their symbols) {dl:,} "
            f"(**{100*dl/tot:.0f} %**); `main()` {mn:,} ({100*mn/tot:.0f} %).")
        add("")
        if ld_j:
            add(f"`LD_DEBUG=statistics jharden --version`: {ld_j.get('relocs', '?')} symbol "
                f"relocations, {ld_j.get('relative', '?')} relative relocations, "
                f"{ld_j.get('cycles', 0):,} cycles in the dynamic loader; the same for bwrap: "
                f"{ld_b.get('relocs', '?')} symbol relocations, {ld_b.get('cycles', 0):,} "
                "cycles.")
            add("")
        rows = top_self(res)
        if rows:
            add("Top functions by own instructions (jharden empty.conf):")
            add("")
            add("| Ir | % | function | object |")
            add("|---:|---:|---|---|")
            for ir, pct, fn, obj in rows:
                add(f"| {ir} | {pct} | `{fn}` | {obj} |")
            add("")

    add("## `systemctl start` under systemd")
    add("")
    if sd_skipped:
        add(f"Not measured: {sd_skipped}.")
        add("")
    elif sd:
        add(f"This machine's own OS booted in a throw-away `systemd-nspawn` container "
            f"(`tests/systemd/nspawn.sh`; {open(os.path.join(res, 'systemd-version.txt')).read().strip() if os.path.exists(os.path.join(res, 'systemd-version.txt')) else 'systemd'}). "
            f"Each start: `systemctl stop` (all three units); `systemctl reset-failed UNIT` "
            f"(also resets the start rate limit); t0; `systemctl start UNIT`; t1 (bash "
            f"`$EPOCHREALTIME`, inside the container). {meta.get('sd_warm')} untimed warm-up "
            f"start(s) per unit, then {meta.get('sd_rounds')} round(s) × {meta.get('sd_per')} "
            "starts per unit, the order of the units rotated every round (bench/systemd/inner.sh).")
        add("")
        add("| unit | what | median ms | IQR | min–max | n | failed | after start | "
            "systemd-analyze security |")
        add("|---|---|---:|---:|---:|---:|---:|---|---|")
        what = {"nginx.service": "Debian's stock unit (Type=forking)",
                "nginx-native.service": "stock + systemd's own sandboxing "
                                        "(bench/systemd/native.conf)",
                "nginx-jharden.service": "stock + units/nginx.service.d/jharden.conf "
                                         "(Type=notify, jharden nginx.conf + 1 secret"
                                         + (", hide_sources = no)" if meta.get(
                                             "secret_hide_works") == "no" else ")")}
        if pg_units:
            what.update({
                pg_units[0]: "Debian's stock unit (pg_ctlcluster, Type=forking)",
                pg_units[1]: "stock + systemd's own sandboxing "
                             "(bench/systemd/postgresql-native.conf)",
                pg_units[2]: "stock + bench/systemd/postgresql-jharden.conf (Type=notify, "
                             "postgres under jharden: the baseline, read_only = / but its "
                             "data, log and socket directories, notify = daemon)"})
        for u in ["nginx.service", "nginx-native.service", "nginx-jharden.service"] + pg_units:
            v = sd.get(u)
            if not v:
                add(f"| {u} | {what[u]} | — | | | 0 | {sd_fail.get(u, 0)} | "
                    f"{sd_checks.get(u, '')} | {sd_security.get(u, '')} |")
                continue
            q1, m, q3 = quartiles(v)
            add(f"| {u} | {what[u]} | {m*1e3:.0f} | {q1*1e3:.0f}–{q3*1e3:.0f} | "
                f"{min(v)*1e3:.0f}–{max(v)*1e3:.0f} | {len(v)} | {sd_fail.get(u, 0)} | "
                f"{sd_checks.get(u, '')} | {sd_security.get(u, '')} |")
        add("")
        add("\"after start\": `systemctl is-active`, the main PID's command name, and the "
            "HTTP status of `curl http://127.0.0.1/` after the warm-up starts. The jharden "
            "unit's main PID is nginx itself (jharden's MAINPID=). All three units run "
            "`ExecStartPre=nginx -t` first; systemd's native unit builds its namespace for "
            "both ExecStartPre= and ExecStart=, jharden's drop-in runs ExecStartPre= outside "
            "the sandbox. Differences between the two sandboxed units: see "
            "bench/systemd/native.conf (systemd 252 has no PID namespace option and cannot "
            "mask /proc/loadavg under ProcSubset=pid; the native unit keeps the host's /run "
            "writable for its PID file). `systemd-analyze security` scores only systemd's own "
            "directives, so it cannot see the sandbox jharden builds: the jharden unit scores "
            "like the stock one there (`jharden --analyze nginx.conf` scores the policy).")
        add("")
        if pg_units:
            add(f"PostgreSQL {pg_v}: the same procedure with {meta.get('pg_warm')} warm-up "
                f"start(s), {meta.get('pg_rounds')} round(s) × {meta.get('pg_per')} starts per "
                "unit; \"after start\" gives the answer to `SELECT 1` over the socket. The stock "
                "unit starts postgres through pg_ctlcluster and `pg_ctl -w`, which returns once "
                "the server accepts connections; under jharden, postgres reports its own "
                "readiness (READY=1, `notify = daemon`).")
            add("")
        elif pg_skipped:
            add(f"PostgreSQL: not measured ({pg_skipped}).")
            add("")

    add("## What is compared")
    add("")
    add("The exact command lines (paths of this run; `BUILD` is the build directory):")
    add("")
    add("| id | command |")
    add("|---|---|")
    for i in ORDER:
        if i in commands:
            add(f"| {labels.get(i, i)} | `{commands[i]}` |")
    add("")
    add("* **jharden** policies (in the work directory): `empty.conf` and `nginx.conf` are "
        "copies of conf/; `secret.conf` is `[secrets] bench.key = WORK/secret.key` (64 bytes), "
        "`secret-nohide.conf` the same with `hide_sources = no`; "
        "`pid.conf` is `secret.conf` plus `[namespaces] pid = yes`. Outside systemd jharden runs with `notify = "
        "none`: it execs `/bin/true` in place, except with `pid = yes` (and nginx.conf, which "
        "sets it), where it stays in front as the supervisor of a PID namespace.")
    add("* **The kernel work alone** (bench/content_floor.c, \"the same sandbox, kernel work "
        "alone\"): see the start-up section. It reads the secret and the seccomp program "
        "(bench/filter_cost.cc writes the program jharden loads for each policy) from files: "
        "three system calls that jharden, whose program is in its own binary, does not make.")
    add("* **`jharden --version`** loads jharden (all its shared libraries) and exits: the "
        "part of jharden's start-up that happens before it does any work.")
    add("* **The floors**: `unshare -m --propagation slave /bin/true` is what the kernel needs "
        "for a mount namespace; `unshare -m -p -f --mount-proc` adds a PID namespace, the fork "
        "of its first process and a procfs of its own (what `pid = yes` needs); nginx.conf's "
        "floor adds its UTS, IPC and cgroup namespaces (`-u -i -C`).")
    add("* **bwrap** gets what jharden's baseline with the one secret (secret.conf) does: the "
        "host's tree with "
        "/usr and /etc read-only (recursively), fresh /tmp and /var/tmp, a private /dev, "
        "/sys and /proc/sys read-only, /proc/loadavg (kcore, kallsyms, kmsg where they exist) "
        "covered by /dev/null, the secret copied (mode 0400) onto a tmpfs at /run/secrets made "
        "read-only and its source covered by /dev/null, a new session, the same 16 capabilities dropped, no_new_privs "
        "(always set by bwrap), and the same seccomp deny list (the syscalls of `jharden --print "
        "--json empty.conf`, compiled by bench/seccomp_bpf.c with libseccomp; the native ABI "
        "only). bwrap takes a filter and a file only as descriptors, which hyperfine cannot "
        "open per run, so bench/with_fd.c (static) opens them and execs bwrap: its own cost is "
        "the \"with-fd helper alone\" row. \"bwrap without seccomp\" is the same command "
        "without the filter. \"bwrap (equivalent) + PID namespace\" adds `--unshare-pid "
        "--proc /proc` (compare it with jharden's `pid = yes` row, which has the secret too). As root, bwrap drops the capabilities from the effective, "
        "permitted and inheritable sets but leaves the bounding set as it is.")
    add("* **firejail** (`--noprofile`) with the same read-only paths, private /tmp and /dev, "
        "/proc/loadavg blacklisted, the same capabilities dropped, nonewprivs and the same "
        "seccomp groups (`--seccomp.drop`, `--seccomp.block-secondary`). firejail always "
        "creates PID and UTS namespaces and mounts a fresh /proc; compare it with jharden's "
        "`pid = yes` row. (It also leaves three bind mounts under /run/firejail in the "
        "namespace where it first runs.)")
    add("* **The mount table** is grown in a private mount namespace of the benchmark "
        "(`unshare -m --propagation private -- bash bench/level.sh N`): bench/mkmounts.py "
        "mounts a tmpfs on `WORK/mnt`, then N tmpfs on `WORK/mnt/0 … N-1`; every command then "
        "inherits that table. The namespace, and the mounts with it, end with the level; the "
        "host's mount table is compared before and after (see Machine).")
    add("* **Peak RSS**: bench/maxrss.py reaps each command as a subreaper through a `sh -c "
        "'\"$@\" &'` trampoline, so that Python's own image (which the kernel folds into a "
        "child's ru_maxrss at its first execve) does not count; the floor is that of dash "
        "(see the `/bin/true` row).")
    add("")
    add("hyperfine, per level and round (the order of the `-n NAME COMMAND` pairs rotated):")
    add("")
    add("```")
    add(f"hyperfine -N --style basic --warmup {meta.get('warmup')} --runs {meta.get('runs')} "
        "--export-json startup-N-rR.json -n exec /bin/true -n unshare '/usr/bin/unshare -m "
        "--propagation slave /bin/true' -n jh-empty 'BUILD/src/jharden WORK/policies/empty.conf "
        "-- /bin/true' ...")
    add("```")
    add("")
    add("## Reproducing")
    add("")
    add("```sh")
    add("bash bench/run.sh                 # as root, on Debian 12: deps, build, measure, "
        "this report")
    add("BENCH_QUICK=1 bash bench/run.sh   # a short run for working on the harness")
    add("```")
    add("")
    add("Knobs (environment): `BENCH_LEVELS`, `BENCH_ROUNDS`, `BENCH_RUNS`, `BENCH_WARMUP`, "
        "`BENCH_RSS_RUNS`, `BENCH_LOOP_CALLS`, `BENCH_LOOP_ROUNDS`, `BENCH_SYSTEMD_ROUNDS`, "
        "`BENCH_SYSTEMD_PER_ROUND`, `BENCH_SKIP_DEPS=1`, `BENCH_SKIP_SYSTEMD=1`, "
        "`BENCH_BUILD_DIR`; see the head of bench/run.sh. Raw results (hyperfine JSON, "
        "maxrss JSON lines, callgrind profiles, the systemd log) stay in "
        "`build-bench/bench-results/`; the plots and their data are in bench/results/.")
    add("")
    os.makedirs(os.path.dirname(os.path.abspath(a.doc)), exist_ok=True)
    # Paths in the report are relative to the repository, wherever it was checked out.
    repo = os.path.abspath(a.repo).rstrip("/") + "/"
    with open(a.doc, "w", encoding="utf-8") as f:
        f.write("\n".join(D).replace(repo, ""))
    summary = {
        "date": meta.get("date"), "quick": quick, "machine": mach,
        "startup_median_ms": {str(n): {i: c["median"] * 1e3 for i, c in startup[n]["cmds"].items()}
                              for n in startup},
        "mounts": {str(n): startup[n]["mounts"] for n in startup},
        "rss_median_kib": {str(n): {i: statistics.median(v) for i, v in startup[n]["rss"].items()}
                           for n in startup},
        "systemd_median_ms": {u: statistics.median(v) * 1e3 for u, v in sd.items()},
        "seccomp_median_ns": {k: statistics.median(v["ns"]) for k, v in sec.items()},
        "targets": [{"what": w, "measured": m, "target": g, "verdict": v.strip("*")}
                    for w, m, g, v in targets],
    }
    with open(os.path.join(a.plots, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    print(f"\nreport: {a.doc}; plots: {', '.join(pngs) if pngs else 'none'}")


if __name__ == "__main__":
    main()
