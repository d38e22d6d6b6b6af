#include "namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cap_names.h"
#include "error.h"
#include "sys_ops.h"
#include "topology.h"

namespace jharden {
namespace {

void bring_loopback_up() {
  unique_fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!s || ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "lo");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) fail_errno(kExitNamespace, "net", "bring lo up");
}

}  // namespace

void unshare_namespaces(const Plan& p) {
  int flags = CLONE_NEWNS | (p.ns_net ? CLONE_NEWNET : 0) | (p.ns_ipc ? CLONE_NEWIPC : 0) |
              (p.ns_uts ? CLONE_NEWUTS : 0) | (p.ns_cgroup ? CLONE_NEWCGROUP : 0);
  // The cgroup namespace's root is the cgroup jharden runs in now: the service's.
  if (sys().unshare(flags) != 0) fail_errno(kExitNamespace, "namespaces", "unshare");
  if (p.hostname && sys().sethostname(p.hostname->data(), p.hostname->size()) != 0)
    fail_errno(kExitNamespace, "uts", "sethostname " + *p.hostname);
  if (p.ns_net) bring_loopback_up();
}

unique_fd open_host_proc_self(const Plan& p) {
  unique_fd proc_self;
  if (!p.ns_user) return proc_self;
  // A detached copy of the procfs mount: the read-only round (read_only = /) and the masks
  // change the mounts of the tree, never this one.
  unique_fd proc(sys().open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (proc) proc_self.reset(openat(proc.get(), "self", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_self) fail_errno(kExitNamespace, "user", "open /proc/self");
  return proc_self;
}

// user = yes (PrivateUsers=), once the mounts are done, as systemd does for a privileged
// manager: the mount, network, IPC, UTS and cgroup namespaces were made by root of the host's
// user namespace and stay owned by it, so no capability held in the new one counts on them (no
// mount of the sandbox can be undone, no interface configured). On files and processes,
// capabilities inside count only where owner and group are mapped: root and the service's ids.
// Only a process of the parent namespace may write the maps: a helper forked before the
// unshare writes them once the namespace exists, through the host's procfs (`proc_self`,
// opened before the mounts: the sandbox may have no /proc, or a masked one). setgroups is
// denied for good, so root inside cannot shed a group that a file's mode denies access to; the
// service's groups are set before.
void enter_user_namespace(const Identity& id, int proc_self) {
  set_supplementary_groups(id);
  // The new namespace starts with every capability, the bounding set full: no more than
  // jharden holds now is taken over (a container may have withheld some), so that the drop
  // that follows, and --verify, start from the same sets as without a user namespace.
  std::unique_ptr<struct _cap_struct, decltype(&cap_free)> held(cap_get_proc(), &cap_free);
  if (!held) fail_errno(kExitCapabilities, "capabilities", "cap_get_proc");
  std::vector<int> unbounded;
  for (int cap = 0; cap <= last_capability(); ++cap)
    if (cap_get_bound(static_cast<cap_value_t>(cap)) != 1) unbounded.push_back(cap);
  const uid_t own_uid = geteuid();
  const gid_t own_gid = getegid();
  const std::string uid_map = user_namespace_map(own_uid, id.change ? id.uid : own_uid);
  const std::string gid_map = user_namespace_map(own_gid, id.change ? id.gid : own_gid);
  const std::pair<const char*, const std::string*> files[] = {
      {"setgroups", nullptr}, {"gid_map", &gid_map}, {"uid_map", &uid_map}};
  int go[2], result[2];
  if (pipe2(go, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "user", "pipe2");
  unique_fd go_read(go[0]), go_write(go[1]);
  if (pipe2(result, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "user", "pipe2");
  unique_fd result_read(result[0]), result_write(result[1]);
  pid_t helper = fork_here();
  if (helper < 0) fail_errno(kExitNamespace, "user", "fork the id map writer");
  if (helper == 0) {
    go_write.reset();
    char byte;
    ssize_t n;
    while ((n = read(go_read.get(), &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) std::_Exit(kExitSuccess);  // the unshare failed: nothing to map
    for (int step = 0; step < 3; ++step) {
      std::string text = files[step].second ? *files[step].second : "deny\n";
      unique_fd f(openat(proc_self, files[step].first, O_WRONLY | O_CLOEXEC));
      if (!f || write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        int report[2] = {step, errno};
        (void)!write(result_write.get(), report, sizeof report);
        std::_Exit(kExitFailure);
      }
    }
    std::_Exit(kExitSuccess);
  }
  go_read.reset();
  result_write.reset();
  const int unshare_errno = sys().unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
  if (unshare_errno == 0 && write(go_write.get(), "u", 1) != 1)
    fail_errno(kExitNamespace, "user", "start the id map writer");
  go_write.reset();
  int report[2] = {-1, 0};
  ssize_t got;
  while ((got = read(result_read.get(), report, sizeof report)) < 0 && errno == EINTR) {
  }
  int status = 0;
  while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (unshare_errno != 0) {
    errno = unshare_errno;
    fail_errno(kExitNamespace, "user", "unshare a user namespace");
  }
  if (got == sizeof report && report[0] >= 0 && report[0] < 3) {
    errno = report[1];
    fail_errno(kExitNamespace, "user",
               std::string("write ") + files[report[0]].first + " of the new user namespace");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(kExitNamespace, "user", "the id map writer failed");
  for (int cap : unbounded)
    if (sys().cap_drop_bound(static_cast<cap_value_t>(cap)) != 0)
      fail_errno(kExitCapabilities, "capabilities",
                 "drop " + capability_name(cap) + " from the user namespace's bounding set");
  if (sys().cap_set_proc(held.get()) != 0)
    fail_errno(kExitCapabilities, "capabilities", "cap_set_proc in the user namespace");
}

}  // namespace jharden
