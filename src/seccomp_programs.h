// The seccomp programs of the shipped policies, compiled by libseccomp when jharden is built
// (src/seccomp_programs_gen.cc writes the table; it is never written by hand). A start whose
// filter description has the key of an entry loads that entry's program instead of having
// libseccomp build and compile the same filter again: some 12 million instructions, most of
// jharden's work. The key is everything of the plan the filter's description is made from,
// with the libseccomp it is handed to (seccomp_plan_key), so a policy, a jharden or a
// libseccomp that differs in anything finds no entry and compiles as before. libseccomp is
// told apart by its version: linked in (JHARDEN_STATIC_LIBS, the default) it is the build's,
// the one the table was compiled with; linked as a shared library, a build of the same version
// whose syscall table a distribution patched would still take the table's programs.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"
#include "seccomp_filter.h"

namespace jharden {

struct PrebuiltSeccompProgram {
  uint64_t key_hash;  // seccomp_key_hash(key): most entries are passed over on it
  const char* key;
  size_t key_size;
  // Bit N: libseccomp at API level N (seccomp_api_get(), what it found the kernel to support)
  // compiled the key to this program. Its load, with jharden's attributes, is then
  // seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW).
  uint32_t api_levels;
  const sock_filter* instructions;
  size_t length;
  const char* source;  // the policy it was compiled for (the first one, when several share it)

  std::string_view key_view() const { return {key, key_size}; }
  std::span<const sock_filter> program() const { return {instructions, length}; }
};

// The table linked into the program: the generated one, or none (the generator itself, the
// fuzzer, a build with -DJHARDEN_SECCOMP_PROGRAMS=OFF).
std::span<const PrebuiltSeccompProgram> prebuilt_seccomp_programs();

// FNV-1a, 64 bits.
uint64_t seccomp_key_hash(std::string_view key);

// Whether two classic BPF programs are the same instructions.
bool same_program(std::span<const sock_filter> a, std::span<const sock_filter> b);

// The entry for `key` at the API level libseccomp finds here; nullptr when there is none.
const PrebuiltSeccompProgram* find_prebuilt_seccomp_program(std::string_view key);

// What the table is made of: the filter descriptions of the built-in defaults and of each
// policy file, with their plan keys, on kernels with and without PR_SET_MDWE
// (memory_deny_write_execute takes seccomp rules without it), without --complain; duplicates once.
// Only the [seccomp]-related keys count: no user, group or secret is looked up. A policy that does
// not parse goes to `diag`.
struct ShippedSeccompSpec {
  std::string source;
  FilterSpec spec;
  std::string key;
};
std::vector<ShippedSeccompSpec> shipped_seccomp_specs(const std::vector<std::string>& files,
                                                      Diagnostics& diag);

}  // namespace jharden
