// Secrets, in one place: read from their sources at load time (before anything privileged
// happens), written into the sandbox's read-only tmpfs during the mounts, and wiped from
// jharden's memory as soon as they are written and in every process jharden forks that does
// not write them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "error.h"
#include "policy.h"

namespace jharden {

// Secret bytes: wiped when destroyed, never copied implicitly.
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();
  std::string& data() { return data_; }
  const std::string& data() const { return data_; }
  void wipe();

 private:
  std::string data_;
};

struct Secret {
  std::string name;
  std::string source_display;  // "/etc/ssl/key.pem" or "credential:tls"
  std::string host_path;       // the path read (credential: inside $CREDENTIALS_DIRECTORY)
  SecretBytes bytes;
  Origin origin;
};

inline constexpr size_t kMaxSecretSize = 1 << 20;

// Read every secret source of `policy` (243 on failure).
bool read_secrets(const Policy& policy, std::vector<Secret>& out, Diagnostics& diag);

// Writes every secret into the directory `dir_fd` (the detached secrets tmpfs; `path` names it
// in messages), owned by uid:gid with `mode`, and wipes each one's bytes once written (243).
void write_secrets(int dir_fd, const std::string& path, std::vector<Secret>& secrets, uid_t uid,
                   gid_t gid, mode_t mode);

// Wipes every secret's bytes: in each forked process that will not write them.
void wipe_secrets(std::vector<Secret>& secrets);

}  // namespace jharden
