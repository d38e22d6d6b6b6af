// Landlock: a second layer under the mounts. After the last mount, a ruleset lets the daemon
// write, create, remove and rename only beneath the locations the mount plan leaves writable,
// so that a way around a mount (a file handle, a mount the host adds later below a read-only
// tree) still finds the write refused. Being in a Landlock domain of its own also scopes ptrace:
// the daemon cannot open /proc/PID/root, cwd, fd or mem of any process outside its sandbox,
// even under the same uid. Raw system calls: Debian 12 has no liblandlock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"
#include "landlock_abi.h"
#include "policy.h"

namespace jharden {

struct MountEntry;

inline constexpr int kLandlockDeviceIoctlAbi = JHARDEN_LANDLOCK_DEVICE_IOCTL_ABI;
inline constexpr int kLandlockSignalScopeAbi = JHARDEN_LANDLOCK_SIGNAL_SCOPE_ABI;

struct LandlockRule {
  enum class Kind {
    kBeneath,    // every handled right beneath the path (the path itself included)
    kEntries,    // every handled right beneath each entry of the directory except `except`
    kWriteOnly,  // opening files for writing only: device nodes on a read-only mount
    kDevices,    // ioctl on the device node, or the nodes beneath the directory
  };
  Kind kind = Kind::kBeneath;
  std::string path;                 // in the final view (inside the new root)
  std::vector<std::string> except;  // kEntries: names of read-only entries, or expanded further
  bool optional = false;            // a missing path is skipped
  // kEntries: the read-only trees below that made it so. Where none of them exists (all
  // optional and missing), the directory is granted whole after all.
  std::vector<std::string> excluded;
};

struct LandlockPlan {
  LandlockMode mode = LandlockMode::kAuto;
  int abi = 0;           // the kernel's Landlock ABI when planned; 0: no Landlock
  uint64_t handled = 0;  // the access rights handled at that ABI
  std::vector<LandlockRule> rules;
  // Signals, SIGIO of a file's owner among them, only to processes of the domain: with a PID
  // namespace, where no process outside is in sight anyway, but a terminal's foreground
  // process group would be (its SIGIO owner, set by FIOASYNC or O_ASYNC).
  bool scope_signals = false;
  Origin origin;  // the `landlock` line, for messages naming it
  bool active() const { return mode != LandlockMode::kNo && abi > 0; }
  // Device ioctls are refused but where a kDevices rule grants them.
  bool keeps_device_ioctls() const { return active() && abi >= kLandlockDeviceIoctlAbi; }
};

// Whether the ruleset refuses ioctls through /dev/tty: device ioctls handled, and no rule
// grants them there (with new_session, on the private /dev).
bool landlock_refuses_tty_ioctls(const LandlockPlan& plan);

const char* landlock_mode_name(LandlockMode mode);
const char* landlock_rule_kind_name(LandlockRule::Kind kind);

// Names of the rights in `access` ("write_file remove_dir ..."), for --print.
std::vector<std::string> landlock_access_names(uint64_t access);

// Pure: the rules that mirror the writable locations of a mount plan (parents first, merged,
// as order_mounts() returns it), and, where `handled` has device ioctls, the devices that keep
// them: those of the private /dev (its /dev/tty only with `tty_ioctls`), what the plan puts
// under /dev, and devices bound elsewhere; the host's /dev, beneath it, where it is seen.
std::vector<LandlockRule> landlock_rules(const std::vector<MountEntry>& mounts, uint64_t handled,
                                         bool tty_ioctls);

// The kernel's Landlock ABI, 0 when it has none (or it is disabled at boot).
int landlock_kernel_abi();

// Creates the ruleset and restricts the calling process (and its future children). Runs after
// the last mount, before capabilities are dropped. Throws StepError (226) naming the path.
void apply_landlock(const LandlockPlan& plan);

}  // namespace jharden
