// filter_cost.cc - the seccomp filter of a policy, built and compiled to BPF as jharden does
// at every start, without the rest of the start (bench/run.sh counts its instructions with
// callgrind). Built by bench/run.sh against the build's libjharden_core.a.
//
// Usage: filter-cost --api           print libseccomp's API level on this kernel
//        filter-cost LEVEL POLICY    build POLICY's filter and export it (to /dev/null)
//
// valgrind does not implement seccomp(2), so under it libseccomp finds API level 1 and
// refuses the attributes jharden sets (SSB): LEVEL, read outside valgrind with --api, makes it
// answer as on this kernel. Nothing is loaded.
#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "loader.h"
#include "plan.h"
#include "seccomp_filter.h"

int main(int argc, char** argv) {
  using namespace jharden;
  if (argc == 2 && std::strcmp(argv[1], "--api") == 0) {
    std::printf("%u\n", seccomp_api_get());
    return 0;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: filter-cost --api | filter-cost LEVEL POLICY\n");
    return 2;
  }
  if (seccomp_api_set(static_cast<unsigned>(std::atoi(argv[1]))) != 0) return 1;
  LoadRequest request;
  request.policy = argv[2];
  request.need_command = false;
  Loaded loaded;
  Diagnostics diag;
  if (!load_policy(request, loaded, diag)) {
    diag.print();
    return 1;
  }
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets,
                         plan_context_from_environment(), diag);
  if (!diag.ok()) {
    diag.print();
    return 1;
  }
  try {
    SeccompFilter filter = build_seccomp_filter(plan.seccomp);
    if (!filter) return 0;
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    return seccomp_export_bpf(filter.get(), fd) == 0 ? 0 : 1;
  } catch (const StepError& e) {
    std::fprintf(stderr, "filter-cost: %s\n", e.message.c_str());
    return 1;
  }
}
