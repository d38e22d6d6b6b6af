#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "analyze.h"
#include "error.h"
#include "loader.h"
#include "plan.h"
#include "policy.h"
#include "print.h"
#include "sandbox.h"
#include "seccomp_filter.h"
#include "startup.h"
#include "supervise.h"
#include "unit_file.h"

#ifndef JHARDEN_VERSION
#define JHARDEN_VERSION "0.0.0"
#endif

namespace jharden {
namespace {

constexpr int kExitUsage = 2;  // systemd's EXIT_INVALIDARGUMENT

constexpr const char* kUsage =
    "Usage: jharden [OPTIONS] POLICY [-- COMMAND [ARG...]]\n"
    "\n"
    "Harden a service from the per-service policy POLICY and execute it.\n"
    "POLICY is a path when it contains \"/\", otherwise a name looked up in\n"
    "/etc/jharden, /run/jharden and /usr/share/jharden (first match wins).\n"
    "\n"
    "Options:\n"
    "  --policy-dir DIR  look up POLICY and its drop-ins in DIR (repeatable;\n"
    "                    replaces the standard list)\n"
    "  --check           validate the policy; print nothing when valid\n"
    "  --print           print the plan that would be applied\n"
    "  --analyze         print an exposure assessment (0.0 safe .. 10.0 exposed)\n"
    "  --unit UNIT       with --analyze: score the service unit UNIT (a name or a\n"
    "                    file, drop-ins included) and the policy together; POLICY\n"
    "                    defaults to the one its ExecStart= runs\n"
    "  --json            with --print or --analyze: one JSON object\n"
    "  --verify          build the sandbox, probe it from inside, report PASS/FAIL\n"
    "  --complain        run the daemon, but log what the policy refuses (with the\n"
    "                    policy line responsible) instead of refusing its calls\n"
    "  --learn FILE      run the daemon and observe it; write to FILE a drop-in that\n"
    "                    tightens the policy to what it used (merged across runs)\n"
    "  --help            show this help\n"
    "  --version         show the version\n"
    "\n"
    "See jharden(8) and jharden.conf(5).\n";

enum class Action { kRun, kCheck, kPrint, kAnalyze, kVerify };

int usage_error(const std::string& message) {
  std::fprintf(stderr, "jharden: %s\nTry 'jharden --help'.\n", message.c_str());
  return kExitUsage;
}

// The POLICY, --policy-dir and COMMAND of a jharden command line in a unit's ExecStart=.
bool request_from_exec_start(const ExecCommand& c, LoadRequest& request, Diagnostics& diag) {
  size_t k = 1;
  for (; k < c.argv.size(); ++k) {
    std::string_view arg = c.argv[k];
    if (arg == "--policy-dir" && k + 1 < c.argv.size()) {
      request.policy_dirs.push_back(c.argv[++k]);
    } else if (arg.starts_with("--policy-dir=")) {
      request.policy_dirs.emplace_back(arg.substr(13));
    } else if (arg == "--learn") {
      ++k;
    } else if (arg == "--complain") {
      continue;
    } else if (arg == "--" || !arg.starts_with("-")) {
      break;
    }
  }
  if (k >= c.argv.size() || c.argv[k] == "--") {
    diag.error(c.origin, "ExecStart= runs jharden without a POLICY");
    return false;
  }
  request.policy = c.argv[k++];
  if (k + 1 < c.argv.size() && c.argv[k] == "--") {
    request.command_given = true;
    request.command.assign(c.argv.begin() + static_cast<long>(k) + 1, c.argv.end());
  }
  return true;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // First of all, before jharden opens a descriptor of its own.
  const InheritedFds inherited = take_inherited_fds();
  LoadRequest request;
  Action action = Action::kRun;
  bool json = false;
  bool complain = false;
  std::string unit_arg;
  std::string learn_file;
  int i = 1;
  auto set_action = [&](Action a) {
    if (action != Action::kRun && action != a) return false;
    action = a;
    return true;
  };
  // Options end at POLICY: everything after it belongs to the daemon (firejail
  // CVE-2020-17367: arguments after "--" must never be parsed as options).
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::printf("\nPolicy keys (jharden.conf(5)):\n%s", policy_key_list().c_str());
      return kExitSuccess;
    }
    if (arg == "--version") {
      std::printf("jharden %s\n", JHARDEN_VERSION);
      return kExitSuccess;
    }
    if (arg == "--policy-dir" || arg.rfind("--policy-dir=", 0) == 0) {
      std::string dir;
      if (arg == "--policy-dir") {
        if (i + 1 >= argc) return usage_error("--policy-dir needs a directory");
        dir = argv[++i];
      } else {
        dir = std::string(arg.substr(13));
      }
      if (dir.empty()) return usage_error("--policy-dir needs a directory");
      request.policy_dirs.push_back(dir);
      continue;
    }
    if (arg == "--unit" || arg.rfind("--unit=", 0) == 0) {
      if (arg == "--unit") {
        if (i + 1 >= argc) return usage_error("--unit needs a unit");
        unit_arg = argv[++i];
      } else {
        unit_arg = std::string(arg.substr(7));
      }
      if (unit_arg.empty()) return usage_error("--unit needs a unit");
      continue;
    }
    if (arg == "--learn" || arg.rfind("--learn=", 0) == 0) {
      if (arg == "--learn") {
        if (i + 1 >= argc) return usage_error("--learn needs a file");
        learn_file = argv[++i];
      } else {
        learn_file = std::string(arg.substr(8));
      }
      if (learn_file.empty()) return usage_error("--learn needs a file");
      // The observer writes it long after jharden changed directory: made absolute now.
      if (learn_file[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return usage_error("--learn: cannot resolve " + learn_file);
        learn_file = std::string(cwd) + "/" + learn_file;
      }
      continue;
    }
    bool ok = true;
    if (arg == "--check")
      ok = set_action(Action::kCheck);
    else if (arg == "--print")
      ok = set_action(Action::kPrint);
    else if (arg == "--analyze")
      ok = set_action(Action::kAnalyze);
    else if (arg == "--verify")
      ok = set_action(Action::kVerify);
    else if (arg == "--json")
      json = true;
    else if (arg == "--complain")
      complain = true;
    else if (arg == "--")
      return usage_error("missing POLICY before \"--\"");
    else if (arg.size() > 1 && arg[0] == '-')
      return usage_error("unknown option " + std::string(arg));
    else
      break;
    if (!ok) return usage_error("--check, --print, --analyze and --verify exclude each other");
  }
  if (!unit_arg.empty() && action != Action::kAnalyze)
    return usage_error("--unit goes with --analyze");
  if (!learn_file.empty() && action != Action::kRun)
    return usage_error("--learn runs the daemon: not with --check, --print, --analyze or --verify");
  if (i >= argc && unit_arg.empty()) return usage_error("missing POLICY");
  if (i < argc) request.policy = argv[i++];
  if (i < argc) {
    if (std::strcmp(argv[i], "--") != 0)
      return usage_error("unexpected argument \"" + std::string(argv[i]) +
                         "\" after POLICY (a command goes after \"--\")");
    ++i;
    if (i >= argc) return usage_error("missing COMMAND after \"--\"");
    request.command_given = true;
    for (; i < argc; ++i) request.command.emplace_back(argv[i]);
    if (request.command[0].empty() || request.command[0][0] != '/')
      return usage_error("COMMAND must be an absolute path: \"" + request.command[0] + "\"");
  }
  if (json && action != Action::kPrint && action != Action::kAnalyze)
    return usage_error("--json goes with --print or --analyze");
  if (complain && !learn_file.empty())
    return usage_error("--complain and --learn exclude each other");
  if (complain && action != Action::kRun)
    return usage_error(
        "--complain runs the daemon: it goes with no --check, --print, --analyze "
        "or --verify");

  request.need_command = action == Action::kRun;
  Diagnostics diag;
  // --unit: the unit's settings, and the jharden command line it runs (its last ExecStart=
  // naming jharden, as systemd runs the last of a non-oneshot service).
  UnitSettings unit;
  const ExecCommand* unit_command = nullptr;
  if (!unit_arg.empty()) {
    std::string name;
    std::vector<std::string> files;
    if (!find_unit_files(unit_arg, standard_unit_dirs(), name, files, diag) ||
        !load_unit(name, files, unit, diag)) {
      diag.print();
      return diag.exit_code();
    }
    for (const auto& c : unit.exec_start)
      if (runs_jharden(c)) unit_command = &c;
    if (request.policy.empty()) {
      if (!unit_command) {
        diag.error(name + ": no ExecStart= runs jharden; give POLICY", kExitConfig);
      } else {
        request_from_exec_start(*unit_command, request, diag);
      }
      if (!diag.ok()) {
        diag.print();
        return diag.exit_code();
      }
    }
  }
  Loaded loaded;
  if (!load_policy(request, loaded, diag)) {
    diag.print();
    return diag.exit_code();
  }
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets,
                         plan_context_from_environment(), diag);
  if (!diag.ok()) {
    diag.print();
    return diag.exit_code();
  }
  switch (action) {
    case Action::kCheck:
      // --check stops after load, which includes compiling the seccomp filter (jharden(8)): a
      // plan libseccomp cannot turn into a filter is refused here, not at the first start.
      // (The planner has already refused a filter that takes away what jharden itself still
      // needs after loading it: write and execve.)
      try {
        (void)build_seccomp_filter(plan.seccomp);
      } catch (const StepError& e) {
        std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
        return kExitConfig;
      }
      // Valid, but a known daemon's PID-file or lock interlock does not hold in a PID
      // namespace (jharden.conf(5), [namespaces] pid): said, not refused.
      if (plan.ns_pid)
        for (const auto& why : pid_namespace_hazards(plan.argv))
          std::fprintf(stderr, "jharden: %s: warning: pid = yes: %s\n",
                       loaded.policy.ns_pid.origin.str().c_str(), why.c_str());
      return kExitSuccess;
    case Action::kPrint:
      if (json)
        std::printf("%s\n", json_text(plan_to_json(loaded, plan)).c_str());
      else
        std::fputs(plan_to_text(loaded, plan).c_str(), stdout);
      return kExitSuccess;
    case Action::kAnalyze: {
      Assessment a = unit_arg.empty() ? assess(loaded.policy, plan)
                                      : assess(loaded.policy, plan, unit, unit_command);
      if (json)
        std::printf("%s\n", json_text(assessment_to_json(a)).c_str());
      else
        std::fputs(assessment_to_text(a).c_str(), stdout);
      return kExitSuccess;
    }
    case Action::kVerify:
      return run_sandbox(loaded, plan,
                         RunOptions{.verify = true, .inherited = inherited, .learn_file = {}});
    case Action::kRun:
      return run_sandbox(
          loaded, plan,
          RunOptions{.complain = complain, .inherited = inherited, .learn_file = learn_file});
  }
  return kExitFailure;
}

}  // namespace jharden
