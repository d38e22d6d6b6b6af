// The exec channel between the process that becomes the daemon and the one that reports it:
// the outcome, and the daemon's pid taken from its exec mark (SCM_CREDENTIALS), which stays
// known after the daemon is dead and reaped. No root.
#include "exec_channel.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "unique_fd.h"

namespace jharden {
namespace {

// Forks a writer that runs `act` on the channel's writer end and exits; returns its pid and
// the reader's outcome once the writer is gone and reaped.
template <typename Act>
std::pair<pid_t, ExecOutcome> outcome_of(Act act) {
  unique_fd writer;
  unique_fd reader = open_exec_channel(writer);
  const pid_t pid = fork();
  if (pid == 0) {
    reader.reset();
    act(writer.get());
    std::_Exit(0);
  }
  writer.reset();
  int status = 0;
  waitpid(pid, &status, 0);  // the writer is reaped before the reader looks
  return {pid, read_outcome(reader.get())};
}

TEST(ExecChannel, TheExecMarkNamesItsWriterAfterItIsReaped) {
  auto [pid, o] = outcome_of([](int w) { (void)send_exec_mark(w); });  // checked by the reader
  EXPECT_TRUE(o.executed);
  EXPECT_EQ(o.daemon_pid, pid);
}

TEST(ExecChannel, NoMarkNoExecAndNoPid) {
  auto [pid, o] = outcome_of([](int) {});
  (void)pid;
  EXPECT_FALSE(o.executed);
  EXPECT_EQ(o.daemon_pid, 0);
}

TEST(ExecChannel, AFailureRecordIsTheOutcome) {
  // After a failure record the writer waits for the reader's report_done() before it exits.
  unique_fd writer;
  unique_fd reader = open_exec_channel(writer);
  const pid_t pid = fork();
  if (pid == 0) {
    reader.reset();
    send_exec_mark(writer.get());
    send_setup_failure(writer.get(), 200);
    std::_Exit(0);
  }
  writer.reset();
  ExecOutcome o = read_outcome(reader.get());
  report_done(reader.get());
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_FALSE(o.executed);
  EXPECT_EQ(o.setup_code, 200);
}

}  // namespace
}  // namespace jharden
