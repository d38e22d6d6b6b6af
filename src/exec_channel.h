// The launcher's handshake with the process that becomes the daemon: whoever reports to
// systemd (jharden in front, or the readiness helper of the in-place topology) learns from it
// whether execve succeeded or which set-up step failed. One record per mark on a
// SOCK_SEQPACKET socket pair; the writer's end is close-on-exec, so the end of file right
// after kMarkExec means execve succeeded. After a failure record the writer waits for
// kMarkReported before it exits: the reader's message to systemd names the writer's pid, which
// must still be alive (see notify.cc).
#pragma once

#include <sys/types.h>

#include <string>

#include "unique_fd.h"

namespace jharden {

// Opens the channel: the writer's end goes to `writer` (close-on-exec, with the receive
// timeout of send_failure()); the reader's end is returned. 226 on failure.
unique_fd open_exec_channel(unique_fd& writer);

// Right before execve. False when the mark could not be written (only a filter refusing
// write(2) can make that happen: the reader holds the other end until we exit). No channel
// (`writer` < 0): nothing to do.
bool send_exec_mark(int writer);

// A failure record (execve's errno, or a set-up step's exit code), then a wait, bounded by
// the socket's receive timeout, until the reader has reported it or is gone.
void send_exec_failure(int writer, int exec_errno);
void send_setup_failure(int writer, int exit_code);

struct ExecOutcome {
  bool executed = false;  // kMarkExec, then end of file
  int exec_errno = 0;     // execve failed
  int setup_code = 0;     // a set-up step failed
  pid_t daemon_pid = 0;   // the exec mark's writer, as the reader's PID namespace sees it
};

// Reads the channel until the outcome is known: the end of file (every writer has exec'd or
// exited) or a failure record, whose writer then waits for report_done().
ExecOutcome read_outcome(int reader);

// Lets a failed writer exit: its failure has been reported (or could not be).
void report_done(int reader);

// notify = exec: READY=1 once execve has succeeded, otherwise a STATUS= saying what failed.
void tell_systemd(const ExecOutcome& outcome, pid_t main_pid, const std::string& program);

}  // namespace jharden
