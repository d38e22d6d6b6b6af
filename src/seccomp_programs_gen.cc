// seccomp_programs_gen.cc - compiles the seccomp filters of the shipped policies with
// libseccomp at build time and writes them, with their keys, as the table of
// seccomp_programs.h (a C++ source file the jharden program links).
//
// Usage: seccomp-programs-gen OUTPUT POLICY...
//
// Each filter is compiled at every API level libseccomp knows (seccomp_api_set(), which makes
// it answer as on a kernel of that level without asking this one): the table does not depend
// on the kernel of the build machine, and a start finds a program only for a level at which
// libseccomp compiled exactly it. A level at which libseccomp refuses the filter (below 4 it
// cannot set the SSB attribute) gets no entry: such a start compiles and fails as before.
#include <seccomp.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "seccomp_compact.h"
#include "seccomp_filter.h"
#include "seccomp_programs.h"

namespace {

using jharden::ShippedSeccompSpec;

std::string c_bytes(const std::string& bytes) {
  std::string out;
  char buf[8];
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 32 == 0) out += i ? "\"\n    \"" : "    \"";
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(bytes[i]));
    out += buf;
  }
  return out + "\"";
}

std::string c_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace jharden;
  if (argc < 2) {
    std::fprintf(stderr, "usage: seccomp-programs-gen OUTPUT POLICY...\n");
    return 2;
  }
  const std::string output = argv[1];
  Diagnostics diag;
  std::vector<ShippedSeccompSpec> specs =
      shipped_seccomp_specs(std::vector<std::string>(argv + 2, argv + argc), diag);
  if (!diag.ok()) {
    diag.print("seccomp-programs-gen: ");
    return 1;
  }
  struct Entry {
    size_t spec;
    size_t program;
    uint32_t levels;
  };
  // Each description's programs (one per set of levels that compiled alike).
  std::vector<std::vector<std::vector<sock_filter>>> programs(specs.size());
  size_t program_count = 0;
  std::vector<Entry> entries;
  for (size_t s = 0; s < specs.size(); ++s) {
    // A start loads a program with SPEC_ALLOW alone: a description libseccomp would load with
    // another flag, or with PR_SET_NO_NEW_PRIVS, gets no entry and is compiled at start.
    if (!loads_with_spec_allow_only(specs[s].spec)) continue;
    for (unsigned level = 1; level < 32; ++level) {
      if (seccomp_api_set(level) != 0) continue;  // a level this libseccomp does not know
      std::vector<sock_filter> program;
      try {
        program = compact_syscall_dispatch(
            export_seccomp_bpf(SeccompFilter(compile_seccomp_spec(specs[s].spec))));
      } catch (const StepError&) {
        continue;
      }
      std::vector<std::vector<sock_filter>>& own = programs[s];
      size_t p = 0;
      while (p < own.size() && !same_program(own[p], program)) ++p;
      if (p == own.size()) {
        own.push_back(std::move(program));
        ++program_count;
      }
      bool merged = false;
      for (auto& e : entries) {
        if (e.spec == s && e.program == p) {
          e.levels |= uint32_t{1} << level;
          merged = true;
        }
      }
      if (!merged) entries.push_back({s, p, uint32_t{1} << level});
    }
  }

  std::string text =
      "// Generated at build time by seccomp-programs-gen (src/seccomp_programs_gen.cc) from the\n"
      "// shipped policies, with libseccomp " +
      std::to_string(seccomp_version()->major) + "." + std::to_string(seccomp_version()->minor) +
      "." + std::to_string(seccomp_version()->micro) +
      ": do not edit.\n#include \"seccomp_programs.h\"\n\nnamespace jharden {\nnamespace {\n\n";
  // A description's key and its programs in one object, so that a start, which compares one
  // key and loads that description's program, reads them from the same pages; aligned to its
  // size rounded up to a power of two, so that no object smaller than 64 KiB lies across two
  // of the 64 KiB windows the kernel maps a program's pages by (docs/performance.md): since
  // Linux 5.10 the kernel aligns a PIE's load address to its segments' largest alignment.
  for (size_t s = 0; s < specs.size(); ++s) {
    if (programs[s].empty()) continue;
    size_t size =
        (specs[s].key.size() + 1 + alignof(sock_filter) - 1) & ~(alignof(sock_filter) - 1);
    for (const auto& program : programs[s]) size += program.size() * sizeof(sock_filter);
    const size_t align = std::clamp<size_t>(std::bit_ceil(size), 16, 65536);
    std::string members = "    char key[" + std::to_string(specs[s].key.size() + 1) + "];\n";
    std::string values = c_bytes(specs[s].key) + ",\n";
    for (size_t p = 0; p < programs[s].size(); ++p) {
      members += "    sock_filter program" + std::to_string(p) + "[" +
                 std::to_string(programs[s][p].size()) + "];\n";
      values += "    {\n";
      char buf[80];
      for (const sock_filter& f : programs[s][p]) {
        std::snprintf(buf, sizeof buf, "        {0x%04x, %u, %u, 0x%08x},\n", f.code, f.jt, f.jf,
                      f.k);
        values += buf;
      }
      values += "    },\n";
    }
    text += "constexpr struct alignas(" + std::to_string(align) + ") {\n" + members + "} kSpec" +
            std::to_string(s) + " = {\n" + values + "};\n\n";
  }
  std::string table;
  for (const auto& e : entries) {
    const std::string spec = "kSpec" + std::to_string(e.spec),
                      program = spec + ".program" + std::to_string(e.program);
    char hash[40], levels[16];
    std::snprintf(hash, sizeof hash, "0x%016llx",
                  static_cast<unsigned long long>(seccomp_key_hash(specs[e.spec].key)));
    std::snprintf(levels, sizeof levels, "0x%x", e.levels);
    table += "    {" + std::string(hash) + "ull, " + spec + ".key, sizeof " + spec + ".key - 1, " +
             levels + ", " + program + ", sizeof " + program + " / sizeof " + program + "[0], \"" +
             c_escape(specs[e.spec].source) + "\"},\n";
  }
  if (!entries.empty())
    text += "constexpr PrebuiltSeccompProgram kTable[] = {\n" + table + "};\n\n";
  text +=
      "}  // namespace\n\nstd::span<const PrebuiltSeccompProgram> prebuilt_seccomp_programs() {\n";
  text += entries.empty() ? "  return {};\n" : "  return kTable;\n";
  text += "}\n\n}  // namespace jharden\n";

  const std::string tmp = output + ".tmp";
  std::ofstream out(tmp, std::ios::trunc);
  out << text;
  out.close();
  if (!out || std::rename(tmp.c_str(), output.c_str()) != 0) {
    std::perror(("seccomp-programs-gen: " + output).c_str());
    return 1;
  }
  std::printf("seccomp-programs-gen: %zu programs for %zu filter descriptions, %zu entries\n",
              program_count, specs.size(), entries.size());
  return 0;
}
