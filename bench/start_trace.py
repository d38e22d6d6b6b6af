# bench/start_trace.py - gdb script of bench/start_order.sh: lists, in the order they first
# run, the functions of a program that one run of it calls (each under all its names). Every
# function of the program gets a temporary breakpoint (hit once, then gone), so each costs
# one stop.
#
#   TRACE_OUT=FILE TRACE_FOLLOW=parent|child \
#       gdb -q -batch -x start_trace.py --args /bin/sh -c '"$@" &' sh PROGRAM ARG...
#
# The program is started as a background job of a non-interactive shell, as a service
# manager's or bench/maxrss.py's child is: not the leader of its process group (a program
# that gdb starts itself is, and jharden then takes its path for a shell's job). gdb follows
# the shell's fork, then the program; TRACE_FOLLOW says which side of the program's own
# fork() to keep following (the other runs untraced).
import os
import subprocess

import gdb

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set startup-with-shell off")
# With gdb's default the program runs with ADDR_NO_RANDOMIZE, a personality that jharden's
# seccomp filter description records: the start would then miss its precompiled filter and
# trace libseccomp's compiler instead.
gdb.execute("set disable-randomization off")
gdb.execute("set follow-fork-mode child")
gdb.execute("set detach-on-fork on")
gdb.execute("catch exec", to_string=True)
gdb.execute("run", to_string=True)  # stops where the shell's child executes the program
gdb.execute("delete", to_string=True)
gdb.execute("set follow-fork-mode " + os.environ.get("TRACE_FOLLOW", "parent"))
program = os.path.realpath(gdb.current_progspace().filename)
base = None
for line in gdb.execute("info proc mappings", to_string=True).splitlines():
    f = line.split()
    if len(f) >= 5 and f[-1] == program:
        base = int(f[0], 16) - int(f[3], 16)
        break
if base is None:
    raise gdb.GdbError("start_trace.py: " + program + " is not mapped")
functions = {}
nm = subprocess.run(["nm", "--defined-only", program], capture_output=True, text=True, check=True)
for line in nm.stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in "tTwW":
        # All the names of an address: a section is named after one of them (C1 and C2
        # constructors share their code, in libstdc++ under the C2 name).
        functions.setdefault(int(f[0], 16), []).append(f[2])
for address in functions:
    gdb.execute("tbreak *0x%x" % (base + address), to_string=True)
ran = []
while True:
    try:
        gdb.execute("continue", to_string=True)
        pc = int(gdb.parse_and_eval("$pc")) - base
    except gdb.error:
        break  # the program exited or executed another
    if pc not in functions:
        break  # stopped elsewhere (a signal)
    ran.extend(functions[pc])
with open(os.environ["TRACE_OUT"], "w", encoding="utf-8") as out:
    out.write("".join(name + "\n" for name in ran))
