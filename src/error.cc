#include "error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

namespace jharden {

const char* exit_code_name(int code) {
  switch (code) {
    case kExitConfig:
      return "CONFIG";
    case kExitChdir:
      return "CHDIR";
    case kExitMemory:
      return "MEMORY";
    case kExitFds:
      return "FDS";
    case kExitExec:
      return "EXEC";
    case kExitGroup:
      return "GROUP";
    case kExitUser:
      return "USER";
    case kExitCapabilities:
      return "CAPABILITIES";
    case kExitSetsid:
      return "SETSID";
    case kExitNamespace:
      return "NAMESPACE";
    case kExitNoNewPrivileges:
      return "NO_NEW_PRIVILEGES";
    case kExitSeccomp:
      return "SECCOMP";
    case kExitCredentials:
      return "CREDENTIALS";
    default:
      return "";
  }
}

int exit_code_of_current_exception(const char* prefix) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    // No allocation here: the message is a constant.
    std::fputs("out of memory\n", stderr);
    return kExitMemory;
  } catch (const StepError& e) {
    std::fprintf(stderr, "%s%s\n", prefix, e.message.c_str());
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%sinternal error: %s\n", prefix, e.what());
  } catch (...) {
    std::fprintf(stderr, "%sinternal error: unknown exception\n", prefix);
  }
  return kExitFailure;
}

std::string Origin::str() const {
  if (file.empty()) return "";
  if (line == 0) return file;
  return file + ":" + std::to_string(line);
}

std::string Diagnostic::str() const {
  if (origin.file.empty()) return message;
  return origin.str() + ": error: " + message;
}

void Diagnostics::error(const Origin& origin, std::string message, int code) {
  list_.push_back(Diagnostic{origin, std::move(message), code});
}

int Diagnostics::exit_code() const {
  if (list_.empty()) return kExitSuccess;
  for (const auto& d : list_)
    if (d.code == kExitConfig) return kExitConfig;
  return list_.front().code;
}

void Diagnostics::print(const char* prefix) const {
  for (const auto& d : list_) std::fprintf(stderr, "%s%s\n", prefix, d.str().c_str());
}

void fail_errno(int code, const std::string& step, const std::string& what) {
  int err = errno;
  throw StepError{code, step + ": " + what + ": " + std::strerror(err), err};
}

void fail(int code, const std::string& step, const std::string& what) {
  throw StepError{code, step + ": " + what};
}

}  // namespace jharden
