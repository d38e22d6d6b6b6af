// Helpers shared by the unit tests: parsing a policy from a string, temporary directories,
// and running the built jharden binary with its output captured. Header-only so that every
// test file stays a plain GoogleTest source picked up by the tests/unit/*.cc glob.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"
#include "loader.h"
#include "policy.h"
#include "unique_dir.h"

namespace jharden::test {

using Strings = std::vector<std::string>;

// Predicates for EXPECT_TRUE/EXPECT_FALSE with a readable message either way: the unit test
// target links GoogleTest only, not GoogleMock and its matchers.
inline ::testing::AssertionResult has_substr(std::string_view text, std::string_view part) {
  bool found = text.find(part) != std::string_view::npos;
  return (found ? ::testing::AssertionSuccess() : ::testing::AssertionFailure())
         << ::testing::PrintToString(std::string(text)) << (found ? " contains " : " lacks ")
         << ::testing::PrintToString(std::string(part));
}

inline ::testing::AssertionResult starts_with(std::string_view text, std::string_view prefix) {
  bool yes = text.substr(0, prefix.size()) == prefix;
  return (yes ? ::testing::AssertionSuccess() : ::testing::AssertionFailure())
         << ::testing::PrintToString(std::string(text))
         << (yes ? " starts with " : " does not start with ")
         << ::testing::PrintToString(std::string(prefix));
}

template <typename Container, typename Value>
::testing::AssertionResult contains(const Container& c, const Value& v) {
  bool found = std::find(c.begin(), c.end(), v) != c.end();
  return (found ? ::testing::AssertionSuccess() : ::testing::AssertionFailure())
         << ::testing::PrintToString(c) << (found ? " contains " : " lacks ")
         << ::testing::PrintToString(v);
}

template <typename Container>
::testing::AssertionResult is_empty(const Container& c) {
  if (c.empty()) return ::testing::AssertionSuccess() << "is empty";
  return ::testing::AssertionFailure()
         << "has " << c.size() << " elements: " << ::testing::PrintToString(c);
}

template <typename Container>
::testing::AssertionResult has_size(const Container& c, size_t n) {
  if (c.size() == n) return ::testing::AssertionSuccess() << "has " << n << " elements";
  return ::testing::AssertionFailure()
         << "has " << c.size() << " elements, not " << n << ": " << ::testing::PrintToString(c);
}

template <typename Container>
Container sorted(Container c) {
  std::sort(c.begin(), c.end());
  return c;
}

// The name parsed policies get; diagnostics start with it.
inline const std::string kFile = "/etc/jharden/t.conf";

// "FILE:LINE: error: MESSAGE" for kFile, as Diagnostic::str() prints it.
inline std::string err(int line, const std::string& message) {
  return kFile + ":" + std::to_string(line) + ": error: " + message;
}

struct Parsed {
  Policy policy;
  Diagnostics diag;
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& d : diag.list()) out.push_back(d.str());
    return out;
  }
};

// Parses `text` as the only policy file, kFile, without requiring `exec`.
inline Parsed parse(std::string_view text) {
  Parsed p;
  p.policy = parse_policy_files({{kFile, std::string(text)}}, false, p.diag);
  return p;
}

// The diagnostics of parsing `text`; also checks that any policy error exits with 78.
inline std::vector<std::string> errors_of(std::string_view text) {
  Parsed p = parse(text);
  EXPECT_EQ(p.diag.exit_code(), p.diag.ok() ? kExitSuccess : kExitConfig) << text;
  return p.errors();
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string source_path(const std::string& relative) {
  return std::string(JHARDEN_SOURCE_DIR) + "/" + relative;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/jharden-unit-XXXXXX";
    dir_ = unique_dir::make_temporary(tmpl);
    if (!dir_) ADD_FAILURE() << "mkdtemp " << tmpl << ": " << strerror(errno);
    chmod(dir_.path().c_str(), 0755);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // What the test put inside; `dir_` removes the directory itself.
  ~TempDir() {
    std::error_code ec;
    if (!dir_) return;
    std::vector<std::filesystem::path> inside;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path(), ec))
      inside.push_back(entry.path());
    for (const auto& p : inside) std::filesystem::remove_all(p, ec);
  }

  const std::string& path() const { return dir_.path(); }
  std::string operator/(const std::string& relative) const { return dir_.path() + "/" + relative; }

  // Writes `relative` (creating its parent directories) with exactly `mode`; returns its path.
  std::string write(const std::string& relative, std::string_view content,
                    mode_t mode = 0644) const {
    std::string full = *this / relative;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
    chmod(full.c_str(), mode);
    return full;
  }

  std::string mkdir(const std::string& relative) const {
    std::string full = *this / relative;
    std::filesystem::create_directories(full);
    return full;
  }

 private:
  unique_dir dir_;
};

// Sets an environment variable for the lifetime of the object (unset: nullptr).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    had_old_ = getenv(name) != nullptr;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (had_old_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::string old_;
  bool had_old_ = false;
};

struct RunResult {
  int status = -1;  // exit status, 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs the built jharden with `args` and a minimal, fixed environment (no $NOTIFY_SOCKET, no
// $CREDENTIALS_DIRECTORY), so that its output does not depend on how the tests were started.
// Killed after `timeout`: a policy error must never leave a daemon running.
inline RunResult run_jharden(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  RunResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << strerror(errno);
    return result;
  }
  std::vector<std::string> words = {JHARDEN_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char env_lang[] = "LC_ALL=C";
  char* envp[] = {env_path, env_lang, nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    setsid();  // no controlling terminal, whoever started the tests (it is part of the plan)
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(argv[0], argv.data(), envp);
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "jharden did not finish in time; killed";
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace jharden::test
