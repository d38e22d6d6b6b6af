// Readiness: jharden's messages to systemd (sd_notify), always followed by a barrier so that
// systemd has processed them before jharden exits (otherwise a Type=notify unit fails with
// result 'protocol').
#pragma once

#include <sys/types.h>

#include <string>

namespace jharden {

// Loads libsystemd now (when $NOTIFY_SOCKET is set), before the daemon can run: the
// messages are sent later from a process the daemon never controls, but that process must not
// load anything the daemon could have put in its place meanwhile.
void notify_load();

// READY=1 and MAINPID=<main_pid> (the process systemd started, which the daemon now is, or
// jharden in front of a PID namespace). Returns false when the message could not be sent.
bool notify_ready(pid_t main_pid);

// STATUS=<text>, ERRNO=<errno> (0: omitted).
void notify_failure(const std::string& status, int err);

}  // namespace jharden
