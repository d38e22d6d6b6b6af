#!/usr/bin/env python3
# mount_compare.py PLAN_JSON MOUNTINFO [PRESENT]: compares the mounts of `jharden --print --json` with
# /proc/self/mountinfo as read inside that sandbox: every established mount (and every
# submount of the private /dev; a device node lies in its tmpfs, or is bound) is the top mount
# at its target with exactly the planned flags (ro/rw, nosuid, nodev, noexec) and the planned
# file system options; every read-only tree is read-only. PRESENT lists the planned targets that exist inside, one a line (a read-only
# entry whose target does not exist there, e.g. /proc/acpi under subset=pid, is not mounted);
# without it, existence is judged from where this script runs. Prints "same", or one line per
# difference.
import json, sys, os
plan = json.load(open(sys.argv[1]))
present = set(open(sys.argv[3]).read().splitlines()) if len(sys.argv) > 3 else None
def exists(path):
    return path in present if present is not None else os.path.lexists(path)
mounts = []
for line in open(sys.argv[2]):
    f = line.split()
    dash = f.index('-')
    def unesc(s):
        out, i = '', 0
        while i < len(s):
            if s[i] == '\\' and i + 3 < len(s) and all(c in '01234567' for c in s[i+1:i+4]):
                out += chr(int(s[i+1:i+4], 8)); i += 4
            else:
                out += s[i]; i += 1
        return out
    mounts.append(dict(root=unesc(f[3]), point=unesc(f[4]), flags=f[5].split(','),
                       fstype=f[dash+1], sopts=f[dash+3].split(',') if len(f) > dash+3 else []))
problems = []
def top(path):
    t = None
    for m in mounts:
        if m['point'] == path: t = m
    return t
def covering(path):
    best = None
    for m in mounts:
        p = m['point']
        if path == p or p == '/' or path.startswith(p + '/'):
            if best is None or len(p) >= len(best['point']): best = m
    return best
def attrs(flags):
    return [f for f in flags if f in ('ro', 'rw', 'nosuid', 'nodev', 'noexec')]
def size_bytes(v):
    mult = {'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}
    n = int(v[:-1]) * mult[v[-1].lower()] if v[-1].lower() in mult else int(v)
    return n
def check_options(where, planned, m):
    if not planned or m['root'] != '/' or m['fstype'] not in ('tmpfs', 'proc', 'devpts'):
        return
    got = {}
    for o in m['sopts']:
        k, _, v = o.partition('=')
        got[k] = v
    for o in planned.split(','):
        k, eq, v = o.partition('=')
        if not eq:
            continue  # newinstance: not shown
        g = got.get(k)
        if k in ('mode', 'ptmxmode'):
            # tmpfs leaves out its default mode, 1777
            if g is None and m['fstype'] == 'tmpfs':
                g = '1777'
            ok = g is not None and int(g, 8) == int(v, 8)
        elif k in ('uid', 'gid') and v == '0':
            ok = g in (None, '0')
        elif k == 'size' and not v.endswith('%'):
            pages = -(-size_bytes(v) // 4096)
            ok = g is not None and size_bytes(g) == pages * 4096
        elif k == 'size':
            ok = g is not None
        elif k == 'nr_inodes':
            ok = g is not None and size_bytes(g) == size_bytes(v)
        else:
            ok = g == v
        if not ok:
            problems.append(f"{where}: option {o} planned, mountinfo has {k}={g}")
def check(target, typ, flags, options, optional, file_flags=None):
    want = [f for f in flags.split(',') if f not in ('optional', 'recursive')]
    if typ == 'read-write':
        return
    if typ == 'read-only':
        if not exists(target):
            return
        c = covering(target)
        if 'ro' not in c['flags']:
            problems.append(f"{target}: read-only planned, {c['point']} is {','.join(attrs(c['flags']))}")
        return
    m = top(target)
    if typ == 'node':
        # Made with mknod, a device node has the flags of the /dev tmpfs it lies in; where mknod
        # was refused it is the host's, bound: the lowest mount at the target, below what the
        # policy's entries put there.
        at = [x for x in mounts if x['point'] == target]
        over = sum(1 for e in plan['mounts']
                   if e['target'] == target and e['type'] not in ('read-only', 'read-write'))
        m = at[0] if len(at) > over else covering(os.path.dirname(target))
    if m is None:
        if not optional:
            problems.append(f"{target}: {typ} planned, no mount there")
        return
    # A mask over a file is /dev/null bound there, with the flags planned for a file.
    if file_flags and m['fstype'] != 'tmpfs':
        want = file_flags.split(',')
    got = attrs(m['flags'])
    if sorted(got) != sorted(want):
        problems.append(f"{target}: {typ} planned {','.join(want)}, mounted {','.join(got)}")
    check_options(target, options, m)
for e in plan['mounts']:
    check(e['target'], e['type'], e['flags'], e.get('options', ''), e['optional'],
          e.get('file_flags'))
    for s in e.get('submounts', []):
        check(s['target'], s['type'], s['flags'], s.get('options', ''), False)
print('\n'.join(problems) if problems else 'same')
