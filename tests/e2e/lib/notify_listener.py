#!/usr/bin/python3
"""A stand-in for systemd's notification socket, for tests/e2e/notify.sh.

    notify_listener.py SOCKET LOG [DELAY]

Binds an AF_UNIX datagram socket at SOCKET (mode 0777), then records every
message it receives as one JSON line in LOG: {"pid": sender pid (SCM_CREDENTIALS),
"text": the message, "fds": number of fds passed}. Like systemd, it closes every
fd received at once: sd_notify_barrier(3) sends BARRIER=1 with the write end of a
pipe and waits for it to be closed. LOG is created once the socket is bound.
With DELAY (seconds), it waits that long before reading each message, like a busy
systemd: a sender that exits meanwhile is then no longer named by its pid (0).
Runs until killed.
"""

import array
import json
import os
import select
import signal
import socket
import struct
import sys
import time


def main(path, log_path, delay):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind(path)
    os.chmod(path, 0o777)
    ucred_size = struct.calcsize("3i")
    ancillary = socket.CMSG_SPACE(64 * array.array("i").itemsize) + socket.CMSG_SPACE(ucred_size)
    with open(log_path, "a", buffering=1) as log:
        while True:
            if delay:
                select.select([sock], [], [])
                time.sleep(delay)
            data, anc, _, _ = sock.recvmsg(65536, ancillary)
            pid, nfds = 0, 0
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds = array.array("i")
                    fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
                    for fd in fds:
                        os.close(fd)
                    nfds += len(fds)
                elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", payload[:ucred_size])[0]
            text = data.decode("utf-8", "replace")
            log.write(json.dumps({"pid": pid, "text": text, "fds": nfds}) + "\n")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) == 4 else 0)
