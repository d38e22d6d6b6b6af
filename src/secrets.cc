#include "secrets.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "paths.h"
#include "text.h"
#include "unique_fd.h"

namespace jharden {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Reads the secret's source, resolved as `r`, into `secret`: "", or why it cannot.
std::string read_secret_source(Resolved& r, Secret& secret) {
  // The file really read, for hide_sources: the path with trusted symlinks followed.
  secret.host_path = r.path;
  unique_fd fd = std::move(r.fd);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return errno_text(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (static_cast<size_t>(st.st_size) > kMaxSecretSize) return "larger than 1 MiB";
  if (!read_limited(fd.get(), kMaxSecretSize, secret.bytes.data())) return errno_text(errno);
  if (secret.bytes.data().size() > kMaxSecretSize) return "larger than 1 MiB";
  return "";
}

}  // namespace

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {
  other.wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.wipe();
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() {
  // explicit_bzero is not optimized away, unlike a memset before free.
  explicit_bzero(data_.data(), data_.capacity());
  data_.clear();
}

bool read_secrets(const Policy& policy, std::vector<Secret>& out, Diagnostics& diag) {
  out.clear();
  bool ok = true;
  const char* cred_dir = getenv("CREDENTIALS_DIRECTORY");
  for (const auto& spec : policy.secrets) {
    Secret secret;
    secret.name = spec.name;
    secret.origin = spec.origin;
    if (spec.credential) {
      secret.source_display = "credential:" + spec.source;
      if (!cred_dir || path_problem(cred_dir) != "") {
        if (spec.optional) continue;
        diag.error(spec.origin,
                   "secrets: " + spec.name + ": " + secret.source_display +
                       ": $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit?)",
                   kExitCredentials);
        ok = false;
        continue;
      }
      secret.host_path = std::string(cred_dir) + "/" + spec.source;
    } else {
      secret.source_display = spec.source;
      secret.host_path = spec.source;
    }
    // Resolved one component at a time: no symlink a user could have planted on the way
    // (swapped directories), none at all as the source itself; read through that descriptor.
    // O_NONBLOCK: opening a FIFO must not hang the service start.
    Resolved r = resolve_trusted(secret.host_path,
                                 {.flags = O_RDONLY | O_NOCTTY | O_NONBLOCK, .follow_last = false});
    auto fail = [&](const std::string& why) {
      diag.error(spec.origin, "secrets: cannot read " + secret.host_path + ": " + why,
                 kExitCredentials);
      ok = false;
    };
    // Optional: only a missing source is skipped; one that is there but refused is an error.
    if (!r && r.refusal.empty() && spec.optional && (r.error == ENOENT || r.error == ENOTDIR))
      continue;
    if (!r) {
      fail(!r.refusal.empty() ? r.refusal
           : r.error == ELOOP ? "is a symlink"
                              : errno_text(r.error));
      continue;
    }
    if (const std::string why = read_secret_source(r, secret); !why.empty()) {
      fail(why);
      continue;
    }
    out.push_back(std::move(secret));
  }
  return ok;
}

void write_secrets(int dir_fd, const std::string& path, std::vector<Secret>& secrets, uid_t uid,
                   gid_t gid, mode_t mode) {
  for (auto& s : secrets) {
    unique_fd f(
        openat(dir_fd, s.name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!f) fail_errno(kExitCredentials, "secrets", "create " + path + "/" + s.name);
    const std::string& data = s.bytes.data();
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(f.get(), data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail_errno(kExitCredentials, "secrets", "write " + path + "/" + s.name);
      off += static_cast<size_t>(n);
    }
    s.bytes.wipe();
    if (fchown(f.get(), uid, gid) != 0 || fchmod(f.get(), mode) != 0)
      fail_errno(kExitCredentials, "secrets", "set owner and mode of " + path + "/" + s.name);
  }
}

void wipe_secrets(std::vector<Secret>& secrets) {
  for (auto& s : secrets) s.bytes.wipe();
}

}  // namespace jharden
