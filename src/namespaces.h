// The namespaces of the set-up: the ones made by root of the host's user namespace before the
// mounts, and the user namespace entered after them.
#pragma once

#include "identity.h"
#include "plan.h"
#include "unique_fd.h"

namespace jharden {

// unshare of the mount namespace and the plan's network, IPC, UTS and cgroup namespaces; the
// host name; the loopback interface of a new network namespace up (226).
void unshare_namespaces(const Plan& plan);

// user = yes: /proc/self of the host's procfs, for the id map writer of
// enter_user_namespace(), opened before the mounts (the sandbox may have no /proc, or a masked
// one). An empty descriptor without a user namespace.
unique_fd open_host_proc_self(const Plan& plan);

// user = yes (PrivateUsers=), once the mounts are done: a new user namespace mapping root and
// the service's ids to themselves, setgroups denied (226; 216 for the groups set before).
void enter_user_namespace(const Identity& id, int proc_self);

}  // namespace jharden
