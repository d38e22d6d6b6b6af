#!/usr/bin/python3
"""Observations from inside a jharden sandbox, one per call, printed on stdout.

Used by the e2e scripts (tests/e2e/*.sh): they copy this file next to their
policies and run it inside the sandbox as
    /usr/bin/python3 /path/probe.py COMMAND ARGS...
Every command prints one word or one short line: "OK", an errno name such as
"EROFS", or the value asked for. Nothing here changes the host when the
sandbox holds: writes only go where the sandbox must refuse them.
"""

import ctypes
import errno
import fcntl
import os
import socket
import stat
import struct
import sys
import termios


def err_name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def attempt(fn):
    try:
        result = fn()
    except OSError as e:
        return err_name(e)
    return "OK" if result is None else str(result)


def open_write(path, create=True):
    """Opens PATH for writing (creating it), writes nothing, closes."""
    flags = os.O_WRONLY | (os.O_CREAT if create else 0)
    os.close(os.open(path, flags, 0o644))


def cmd_write(path):
    """Creates PATH (or opens it for writing): OK or the errno name."""
    return attempt(lambda: open_write(path))


def cmd_open_w(path):
    """Opens an existing PATH for writing, without creating or writing anything."""
    return attempt(lambda: open_write(path, create=False))


def cmd_mkdir(path):
    return attempt(lambda: os.mkdir(path))


def cmd_read_size(path):
    """Number of bytes read from PATH, or the errno name."""

    def read():
        with open(path, "rb") as f:
            return len(f.read())

    return attempt(read)


def cmd_read(path):
    """The content of PATH (first line, stripped), or 'ERR:' + errno name."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "ERR:" + err_name(e)
    return data.decode("utf-8", "replace").strip().replace("\n", "\\n")


def cmd_ls(path):
    """Sorted entries of PATH joined by ',' (empty: nothing), or 'ERR:' + errno."""
    try:
        return ",".join(sorted(os.listdir(path)))
    except OSError as e:
        return "ERR:" + err_name(e)


def cmd_ro(path):
    """'ro' or 'rw' from statvfs(PATH)."""
    try:
        flags = os.statvfs(path).f_flag
    except OSError as e:
        return "ERR:" + err_name(e)
    return "ro" if flags & os.ST_RDONLY else "rw"


def cmd_vfsflags(path):
    """The statvfs flags of PATH: ro/rw, nosuid, nodev, noexec."""
    try:
        flags = os.statvfs(path).f_flag
    except OSError as e:
        return "ERR:" + err_name(e)
    words = ["ro" if flags & os.ST_RDONLY else "rw"]
    for bit, name in ((os.ST_NOSUID, "nosuid"), (os.ST_NODEV, "nodev"), (os.ST_NOEXEC, "noexec")):
        if flags & bit:
            words.append(name)
    return ",".join(words)


def cmd_size_bytes(path):
    """Total size of the file system at PATH in bytes."""
    st = os.statvfs(path)
    return str(st.f_blocks * st.f_frsize)


def cmd_stat(path):
    """'MODE UID GID TYPE' of PATH (not following a final symlink)."""
    try:
        st = os.lstat(path)
    except OSError as e:
        return "ERR:" + err_name(e)
    kind = "dir" if stat.S_ISDIR(st.st_mode) else "chr" if stat.S_ISCHR(st.st_mode) else (
        "blk" if stat.S_ISBLK(st.st_mode) else "lnk" if stat.S_ISLNK(st.st_mode) else "reg")
    return "%o %d %d %s" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, kind)


def cmd_devices(path):
    """Every block and character device below PATH: 'b:NAME' or 'c:NAME:MAJ:MIN', sorted."""
    found = []
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(top, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            rel = os.path.relpath(full, path)
            if stat.S_ISBLK(st.st_mode):
                found.append("b:%s" % rel)
            elif stat.S_ISCHR(st.st_mode):
                found.append("c:%s:%d:%d" % (rel, os.major(st.st_rdev), os.minor(st.st_rdev)))
    return " ".join(sorted(found))


def mountinfo_line(path):
    """The fields of the topmost mountinfo entry whose mount point is PATH, or None."""
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                found = fields
    return found


def cmd_mountopts(path):
    """'FSTYPE PER-MOUNT-OPTIONS SUPER-OPTIONS' of the mount at PATH, or 'none'."""
    fields = mountinfo_line(path)
    if not fields:
        return "none"
    sep = fields.index("-")
    return "%s %s %s" % (fields[sep + 1], fields[5], fields[sep + 3])


def cmd_propagation(path):
    """The optional fields (shared:N, master:N) of the mount at PATH, or 'private'."""
    fields = mountinfo_line(path)
    if not fields:
        return "none"
    sep = fields.index("-")
    tags = [t.split(":")[0] for t in fields[6:sep]]
    return ",".join(sorted(tags)) if tags else "private"


def cmd_caps():
    """The five capability sets as 'CapInh=HEX CapPrm=HEX ...'."""
    out = []
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
                out.append("%s=%s" % (key, value.strip()))
    return " ".join(out)


def cmd_status(key):
    """One field of /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            k, _, value = line.partition(":")
            if k == key:
                return value.strip()
    return "absent"


def cmd_bind(port, host="127.0.0.1"):
    """Binds a TCP socket to HOST:PORT: OK or the errno name."""

    def bind():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            s.listen(1)

    return attempt(bind)


def cmd_bind_unix(path):
    """Binds an AF_UNIX socket to the name PATH in the filesystem: OK or the errno name."""

    def bind():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(path)

    return attempt(bind)


def cmd_flock(path):
    """flock(2) on PATH: OK or the errno name (a call the seccomp tests deny)."""

    def lock():
        with open(path, "rb") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_SH)

    return attempt(lock)


def libc():
    return ctypes.CDLL(None, use_errno=True)


def cmd_mount(source, target, fstype, flags="0"):
    """mount(2) through libc, bypassing mount(8): OK or the errno name."""
    lib = libc()
    rc = lib.mount(source.encode(), target.encode(), fstype.encode(), ctypes.c_ulong(int(flags, 0)),
                   None)
    return "OK" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def cmd_umount(target):
    lib = libc()
    rc = lib.umount2(target.encode(), 0)
    return "OK" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def cmd_mincore():
    """mincore(2) on a page of our own: OK or the errno name (absent from @system-service)."""
    import mmap

    lib = libc()
    page = mmap.mmap(-1, mmap.PAGESIZE)
    buf = (ctypes.c_char * mmap.PAGESIZE).from_buffer(page)
    vec = ctypes.create_string_buffer(1)
    rc = lib.mincore(ctypes.c_void_p(ctypes.addressof(buf)), ctypes.c_size_t(mmap.PAGESIZE), vec)
    err = ctypes.get_errno()
    del buf
    page.close()
    return "OK" if rc == 0 else errno.errorcode.get(err, "?")


def cmd_umount2_detach(target):
    """umount2(TARGET, MNT_DETACH): OK or the errno name."""
    lib = libc()
    rc = lib.umount2(target.encode(), 2)
    return "OK" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def cmd_chroot(path):
    return attempt(lambda: os.chroot(path))


def cmd_mknod(path, kind, major, minor):
    mode = (stat.S_IFBLK if kind == "b" else stat.S_IFCHR) | 0o600
    return attempt(lambda: os.mknod(path, mode, os.makedev(int(major), int(minor))))


def cmd_setns(path):
    """setns(2) into the namespace file PATH: OK or the errno name."""

    def enter():
        fd = os.open(path, os.O_RDONLY)
        try:
            if libc().setns(fd, 0) != 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e))
        finally:
            os.close(fd)

    return attempt(enter)


def cmd_fds(pid):
    """The open fds of process PID (e.g. the probing shell), sorted numerically."""
    try:
        return ",".join(sorted(os.listdir("/proc/%s/fd" % pid), key=int))
    except OSError as e:
        return "ERR:" + err_name(e)


def cmd_tiocsti(text):
    """Pushes TEXT and a newline into the input of the terminal on fd 0 and of /dev/tty
    with TIOCSTI, as a line the reading shell would take as typed."""
    results = []

    def push(fd):
        for ch in (text + "\n").encode():
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))

    results.append("fd0=" + attempt(lambda: push(0)))

    def via_tty():
        fd = os.open("/dev/tty", os.O_RDWR)
        try:
            push(fd)
        finally:
            os.close(fd)

    results.append("tty=" + attempt(via_tty))
    return " ".join(results)


def cmd_sd_notify(message):
    """Sends MESSAGE to $NOTIFY_SOCKET as sd_notify(3) does: OK or the errno name."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return "NO_SOCKET"
    if path.startswith("@"):
        path = "\0" + path[1:]

    def send():
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(message.encode(), path)

    return attempt(send)


def cmd_listen_fd(fd="3"):
    """What fd FD is: 'listening ADDRESS:PORT', 'socket', 'closed' or its target."""
    fd = int(fd)
    try:
        os.fstat(fd)
    except OSError:
        return "closed"
    try:
        s = socket.socket(fileno=os.dup(fd))
    except OSError:
        return "not-a-socket:" + os.readlink("/proc/self/fd/%d" % fd)
    with s:
        accepting = s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        name = s.getsockname()
        where = "%s:%s" % name[:2] if isinstance(name, tuple) else str(name)
        return ("listening " if accepting else "socket ") + where


def cmd_netifs():
    """Network interfaces: 'NAME:up' or 'NAME:down', sorted."""
    out = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            req = struct.pack("16sh", name.encode(), 0)
            flags = struct.unpack("16sh", fcntl.ioctl(s.fileno(), 0x8913, req)[:18])[1]
            out.append("%s:%s" % (name, "up" if flags & 1 else "down"))
    return " ".join(sorted(out))


def cmd_exec(path, *args):
    """Executes PATH: the program's own output, or 'ERR:' + errno name when execve fails."""
    try:
        os.execv(path, [path] + list(args))
    except OSError as e:
        return "ERR:" + err_name(e)


def cmd_open_r(path):
    """Opens PATH for reading (e.g. /proc/PID/mem): OK or the errno name."""
    return attempt(lambda: os.close(os.open(path, os.O_RDONLY)))


def cmd_kill(pid, sig="0"):
    """kill(PID, SIG): OK or the errno name (signal 0 only checks the permission)."""
    return attempt(lambda: os.kill(int(pid), int(sig)))


def cmd_chown(path, uid, gid):
    """chown(2) of PATH to UID:GID: OK or the errno name."""
    return attempt(lambda: os.chown(path, int(uid), int(gid)))


def cmd_chmod(path, mode):
    """chmod(2) of PATH to the octal MODE: OK or the errno name."""
    return attempt(lambda: os.chmod(path, int(mode, 8)))


def cmd_setgroups(*gids):
    """setgroups(2) to GIDS: OK or the errno name."""
    return attempt(lambda: os.setgroups([int(g) for g in gids]))


def cmd_as(uid, gid, command, *args):
    """Runs COMMAND ARGS after switching every uid to UID and every gid to GID (no
    supplementary groups), as root inside a sandbox can with CAP_SETUID and CAP_SETGID."""
    try:
        os.setgroups([])
        os.setresgid(int(gid), int(gid), int(gid))
        os.setresuid(int(uid), int(uid), int(uid))
    except OSError as e:
        return "SETID:" + err_name(e)
    return COMMANDS[command](*args)


COMMANDS = {
    "as": cmd_as,
    "open-r": cmd_open_r,
    "write": cmd_write,
    "open-w": cmd_open_w,
    "mkdir": cmd_mkdir,
    "read-size": cmd_read_size,
    "read": cmd_read,
    "ls": cmd_ls,
    "ro": cmd_ro,
    "vfsflags": cmd_vfsflags,
    "size-bytes": cmd_size_bytes,
    "stat": cmd_stat,
    "devices": cmd_devices,
    "mountopts": cmd_mountopts,
    "propagation": cmd_propagation,
    "caps": cmd_caps,
    "status": cmd_status,
    "bind": cmd_bind,
    "bind-unix": cmd_bind_unix,
    "flock": cmd_flock,
    "mount": cmd_mount,
    "umount": cmd_umount,
    "umount2-detach": cmd_umount2_detach,
    "mincore": cmd_mincore,
    "chroot": cmd_chroot,
    "mknod": cmd_mknod,
    "setns": cmd_setns,
    "fds": cmd_fds,
    "tiocsti": cmd_tiocsti,
    "sd-notify": cmd_sd_notify,
    "listen-fd": cmd_listen_fd,
    "netifs": cmd_netifs,
    "exec": cmd_exec,
    "kill": cmd_kill,
    "chown": cmd_chown,
    "chmod": cmd_chmod,
    "setgroups": cmd_setgroups,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print("usage: probe.py {%s} ARGS..." % "|".join(sorted(COMMANDS)), file=sys.stderr)
        return 2
    print(COMMANDS[argv[1]](*argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
