// Readiness: jharden's messages to systemd (sd_notify), always followed by a barrier so that
// systemd has processed them before jharden exits (otherwise a Type=notify unit fails with
// result 'protocol').
#pragma once

#include <sys/types.h>

#include <string>

namespace jharden {

// MAINPID=<pid>, and READY=1 when `ready`. Returns false when a message could not be sent.
bool notify_main_pid(pid_t pid, bool ready);

// STATUS=<text>, ERRNO=<errno> (0: omitted).
void notify_failure(const std::string& status, int err);

}  // namespace jharden
