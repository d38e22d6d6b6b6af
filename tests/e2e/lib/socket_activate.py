#!/usr/bin/python3
"""Socket activation as systemd does it, for tests/e2e/notify.sh and escapes.sh.

    socket_activate.py [--pid-offset N] PORTFILE COMMAND ARG...

Listens on 127.0.0.1 (a free port, written to PORTFILE), puts the socket on fd 3,
sets LISTEN_FDS=1, LISTEN_FDNAMES=web and LISTEN_PID to this process's pid (plus N:
a LISTEN_PID that names another process), and executes COMMAND in place, so that
COMMAND's pid is the one LISTEN_PID names.
"""

import os
import socket
import sys


def main(argv):
    offset = 0
    if argv[:1] == ["--pid-offset"]:
        offset = int(argv[1])
        argv = argv[2:]
    port_file, command = argv[0], argv[1:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    with open(port_file, "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    if sock.fileno() != 3:
        os.dup2(sock.fileno(), 3, inheritable=True)
    else:
        os.set_inheritable(3, True)
    env = dict(os.environ)
    env.update(LISTEN_FDS="1", LISTEN_FDNAMES="web", LISTEN_PID=str(os.getpid() + offset))
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main(sys.argv[1:])
