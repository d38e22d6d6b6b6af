// filter_cost.cc - the seccomp filter of a policy, made as jharden makes it at every start,
// without the rest of the start (bench/run.sh counts its instructions with callgrind): the
// program compiled at build time for its plan (seccomp_programs.h), or, for a policy that has
// none, its description built and compiled to BPF by libseccomp. Built by
// bench/run.sh against the build's libjharden_core.a and libjharden_seccomp_programs.a.
//
// Usage: filter-cost --api                       print libseccomp's API level on this kernel
//        filter-cost [--compile] LEVEL POLICY [OUT]
//                                                make POLICY's filter and export it to OUT
//                                                (/dev/null); --compile: always with libseccomp,
//                                                as every start did before the table
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
#include <vector>

#include "loader.h"
#include "plan.h"
#include "seccomp_filter.h"

int main(int argc, char** argv) {
  using namespace jharden;
  if (argc == 2 && std::strcmp(argv[1], "--api") == 0) {
    std::printf("%u\n", seccomp_api_get());
    return 0;
  }
  const bool compile = argc > 1 && std::strcmp(argv[1], "--compile") == 0;
  if (argc != 3 + compile && argc != 4 + compile) {
    std::fprintf(stderr, "usage: filter-cost --api | filter-cost [--compile] LEVEL POLICY [OUT]\n");
    return 2;
  }
  if (seccomp_api_set(static_cast<unsigned>(std::atoi(argv[1 + compile]))) != 0) return 1;
  LoadRequest request;
  request.policy = argv[2 + compile];
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
    SeccompFilter filter =
        compile ? compile_seccomp_filter(plan.seccomp) : build_seccomp_filter(plan.seccomp);
    const char* out = argc == 4 + compile ? argv[3 + compile] : nullptr;
    if (!filter) return out ? 1 : 0;  // no filter: nothing to write, nothing to count
    std::fprintf(stderr, "filter-cost: %s\n",
                 filter.get() ? "compiled by libseccomp" : "program compiled at build time");
    // What the load compiles (or copies) before the system call.
    std::vector<sock_filter> program = export_seccomp_bpf(filter);
    int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const auto bytes = static_cast<ssize_t>(program.size() * sizeof(sock_filter));
    return write(fd, program.data(), static_cast<size_t>(bytes)) == bytes ? 0 : 1;
  } catch (const StepError& e) {
    std::fprintf(stderr, "filter-cost: %s\n", e.message.c_str());
    return 1;
  }
}
