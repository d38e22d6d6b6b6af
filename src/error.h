// Diagnostics and exit codes. Every error jharden prints names either the policy file and
// line, or the set-up step and the path involved, and maps to systemd's exit code for
// that step so that `systemctl status` names what failed.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

namespace jharden {

// systemd's exit codes (systemd.exec(5), "Process Exit Codes").
enum ExitCode : int {
  kExitSuccess = 0,
  kExitFailure = 1,
  kExitConfig = 78,
  kExitChdir = 200,
  kExitMemory = 204,
  kExitFds = 202,
  kExitExec = 203,
  kExitGroup = 216,
  kExitUser = 217,
  kExitCapabilities = 218,
  kExitSetsid = 220,
  kExitNamespace = 226,
  kExitNoNewPrivileges = 227,
  kExitSeccomp = 228,
  kExitCredentials = 243,
};

// systemd's name for an exit code ("CONFIG", "NAMESPACE", ...), empty when it has none.
const char* exit_code_name(int code);

// Where a value came from: the policy file and its line (line 0: a built-in default or the
// command line).
struct Origin {
  std::string file;
  int line = 0;
  bool is_default() const { return line == 0; }
  std::string str() const;
};

struct Diagnostic {
  Origin origin;  // empty file: not tied to a policy file
  std::string message;
  int code = kExitConfig;
  std::string str() const;  // "FILE:LINE: error: MESSAGE" or "MESSAGE"
};

// Collects every error of a load, not just the first.
class Diagnostics {
 public:
  void error(const Origin& origin, std::string message, int code = kExitConfig);
  void error(std::string message, int code) { error(Origin{}, std::move(message), code); }
  bool ok() const { return list_.empty(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  // 78 when any error is a policy error; otherwise the code of the first error (216, 217
  // or 243 when only identities or secret sources failed).
  int exit_code() const;
  void print(const char* prefix = "jharden: ") const;

 private:
  std::vector<Diagnostic> list_;
};

// A failed set-up step: thrown inside the sandbox set-up, caught once at the top, printed as
// "jharden: STEP: MESSAGE" and turned into the exit code.
struct StepError {
  int code;
  std::string message;
  int err = 0;  // the errno behind it, when a system call failed
};

// The exit code for the exception being handled (call only inside a catch block), its message
// printed first: 204 (MEMORY) for std::bad_alloc, 1 for anything else. The last resort of
// main() and of every forked child, so that no failure ends as "terminate called ..." (134)
// or unwinds from a child into its parent's code.
int exit_code_of_current_exception(const char* prefix = "jharden: ") noexcept;

// Runs `body` in a forked child and exits with its result, never returning: an exception
// becomes its exit code and message (exit_code_of_current_exception).
template <typename F>
[[noreturn]] void run_child(F&& body) noexcept {
  int code;
  try {
    code = body();
  } catch (...) {
    code = exit_code_of_current_exception();
  }
  std::_Exit(code);
}

// Throws StepError(code, step + ": " + what + " " + path + ": " + strerror(errno), errno).
[[noreturn]] void fail_errno(int code, const std::string& step, const std::string& what);
[[noreturn]] void fail(int code, const std::string& step, const std::string& what);

}  // namespace jharden
