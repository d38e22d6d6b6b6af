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

// A writer forked to run `act` on the channel's writer end and exit, and the reader's end.
struct Writer {
  pid_t pid;
  unique_fd reader;
};

template <typename Act>
Writer fork_writer(Act act) {
  unique_fd writer;
  unique_fd reader = open_exec_channel(writer);
  const pid_t pid = fork();
  if (pid == 0) {
    reader.reset();
    act(writer.get());
    std::_Exit(0);
  }
  return {pid, std::move(reader)};
}

// The reader's outcome once the writer is gone and reaped, and the writer's pid.
template <typename Act>
std::pair<pid_t, ExecOutcome> outcome_of(Act act) {
  Writer w = fork_writer(act);
  int status = 0;
  waitpid(w.pid, &status, 0);  // the writer is reaped before the reader looks
  return {w.pid, read_outcome(w.reader.get())};
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
  Writer w = fork_writer([](int writer) {
    send_exec_mark(writer);
    send_setup_failure(writer, 200);
  });
  ExecOutcome o = read_outcome(w.reader.get());
  report_done(w.reader.get());
  int status = 0;
  waitpid(w.pid, &status, 0);
  EXPECT_FALSE(o.executed);
  EXPECT_EQ(o.setup_code, 200);
}

}  // namespace
}  // namespace jharden
