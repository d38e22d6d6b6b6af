// The empty table of seccomp_programs.h: every filter is compiled at start (the table's
// generator, the fuzzer, a build with -DJHARDEN_SECCOMP_PROGRAMS=OFF).
#include "seccomp_programs.h"

namespace jharden {

std::span<const PrebuiltSeccompProgram> prebuilt_seccomp_programs() { return {}; }

}  // namespace jharden
