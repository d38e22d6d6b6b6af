// Readiness: jharden's messages to systemd over $NOTIFY_SOCKET, sent on behalf of the unit's
// main process and each followed by a barrier, so that systemd has processed them before the
// sender goes on (otherwise a Type=notify unit fails with result 'protocol', or systemd finds
// the main process gone when it reads the message).
#pragma once

#include <sys/types.h>

#include <string>

namespace jharden {

// Loads libsystemd (by absolute path) when $NOTIFY_SOCKET is set; before any process that may
// send is forked, so that no library is looked up once the daemon runs. Returns false (after
// saying why) when it cannot be loaded.
bool preload_libsystemd();

// READY=1 and MAINPID=<main_pid> (the process systemd started, which the daemon now is, or
// jharden in front of a PID namespace), credited to main_pid. Returns false when the message
// could not be sent.
bool notify_ready(pid_t main_pid);

// STATUS=<text>, ERRNO=<errno> (0: omitted), credited to main_pid, which must still live.
bool notify_failure(pid_t main_pid, const std::string& status, int err);

}  // namespace jharden
