#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
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

// What the command line asks for.
struct CommandLine {
  LoadRequest request;
  Action action = Action::kRun;
  bool json = false;
  bool complain = false;
  std::string unit_arg;
  std::string learn_file;
};

// Which step ends the command line early: its exit code (--help, --version, a usage error),
// or nullopt to go on.
using Outcome = std::optional<int>;

// "--NAME VALUE" or "--NAME=VALUE" at argv[i] (which moves past VALUE): true and `value`
// set, false when `arg` is another option. A missing or empty VALUE is a usage error.
bool option_value(std::string_view arg, std::string_view name, int argc, char** argv, int& i,
                  const char* what, std::string& value, Outcome& outcome) {
  if (arg == name) {
    if (i + 1 >= argc) {
      outcome = usage_error(std::string(name) + " needs " + what);
      return true;
    }
    value = argv[++i];
  } else if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
    value = std::string(arg.substr(name.size() + 1));
  } else {
    return false;
  }
  if (value.empty()) outcome = usage_error(std::string(name) + " needs " + what);
  return true;
}

// The options before POLICY; `i` ends at POLICY. Options end there: everything after it
// belongs to the daemon (firejail CVE-2020-17367: arguments after "--" must never be parsed
// as options).
Outcome parse_options(int argc, char** argv, int& i, CommandLine& cl) {
  auto set_action = [&](Action a) {
    if (cl.action != Action::kRun && cl.action != a) return false;
    cl.action = a;
    return true;
  };
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
    Outcome outcome;
    std::string dir;
    if (option_value(arg, "--policy-dir", argc, argv, i, "a directory", dir, outcome)) {
      if (outcome) return outcome;
      cl.request.policy_dirs.push_back(dir);
      continue;
    }
    if (option_value(arg, "--unit", argc, argv, i, "a unit", cl.unit_arg, outcome)) {
      if (outcome) return outcome;
      continue;
    }
    if (option_value(arg, "--learn", argc, argv, i, "a file", cl.learn_file, outcome)) {
      if (outcome) return outcome;
      // The observer writes it long after jharden changed directory: made absolute now.
      if (cl.learn_file[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
          return usage_error("--learn: cannot resolve " + cl.learn_file);
        cl.learn_file = std::string(cwd) + "/" + cl.learn_file;
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
      cl.json = true;
    else if (arg == "--complain")
      cl.complain = true;
    else if (arg == "--")
      return usage_error("missing POLICY before \"--\"");
    else if (arg.size() > 1 && arg[0] == '-')
      return usage_error("unknown option " + std::string(arg));
    else
      break;
    if (!ok) return usage_error("--check, --print, --analyze and --verify exclude each other");
  }
  return std::nullopt;
}

// POLICY and "-- COMMAND [ARG...]" from argv[i] on.
Outcome parse_policy_and_command(int argc, char** argv, int i, CommandLine& cl) {
  if (i >= argc && cl.unit_arg.empty()) return usage_error("missing POLICY");
  if (i < argc) cl.request.policy = argv[i++];
  if (i >= argc) return std::nullopt;
  if (std::strcmp(argv[i], "--") != 0)
    return usage_error("unexpected argument \"" + std::string(argv[i]) +
                       "\" after POLICY (a command goes after \"--\")");
  ++i;
  if (i >= argc) return usage_error("missing COMMAND after \"--\"");
  cl.request.command_given = true;
  for (; i < argc; ++i) cl.request.command.emplace_back(argv[i]);
  if (cl.request.command[0].empty() || cl.request.command[0][0] != '/')
    return usage_error("COMMAND must be an absolute path: \"" + cl.request.command[0] + "\"");
  return std::nullopt;
}

// The command line as a whole: options that go together.
Outcome parse_command_line(int argc, char** argv, CommandLine& cl) {
  int i = 1;
  if (Outcome o = parse_options(argc, argv, i, cl)) return o;
  if (!cl.unit_arg.empty() && cl.action != Action::kAnalyze)
    return usage_error("--unit goes with --analyze");
  if (!cl.learn_file.empty() && cl.action != Action::kRun)
    return usage_error("--learn runs the daemon: not with --check, --print, --analyze or --verify");
  if (Outcome o = parse_policy_and_command(argc, argv, i, cl)) return o;
  if (cl.json && cl.action != Action::kPrint && cl.action != Action::kAnalyze)
    return usage_error("--json goes with --print or --analyze");
  if (cl.complain && !cl.learn_file.empty())
    return usage_error("--complain and --learn exclude each other");
  if (cl.complain && cl.action != Action::kRun)
    return usage_error(
        "--complain runs the daemon: it goes with no --check, --print, --analyze "
        "or --verify");
  return std::nullopt;
}

// --unit: the unit's settings, and the jharden command line it runs (its last ExecStart=
// naming jharden, as systemd runs the last of a non-oneshot service), which gives POLICY
// when the command line does not.
bool load_unit_request(const std::string& unit_arg, LoadRequest& request, UnitSettings& unit,
                       const ExecCommand*& unit_command, Diagnostics& diag) {
  std::string name;
  std::vector<std::string> files;
  if (!find_unit_files(unit_arg, standard_unit_dirs(), name, files, diag) ||
      !load_unit(name, files, unit, diag))
    return false;
  for (const auto& c : unit.exec_start)
    if (runs_jharden(c)) unit_command = &c;
  if (!request.policy.empty()) return true;
  if (!unit_command) {
    diag.error(name + ": no ExecStart= runs jharden; give POLICY", kExitConfig);
    return false;
  }
  request_from_exec_start(*unit_command, request, diag);
  return diag.ok();
}

// --check stops after load, which includes compiling the seccomp filter (jharden(8)): a plan
// libseccomp cannot turn into a filter is refused here, not at the first start. (The planner
// has already refused a filter that takes away what jharden itself still needs after loading
// it: write and execve.)
int check_only(const Loaded& loaded, const Plan& plan) {
  try {
    (void)build_seccomp_filter(plan.seccomp);
  } catch (const StepError& e) {
    std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
    return kExitConfig;
  }
  // Valid, but a known daemon's PID-file or lock interlock does not hold in a PID namespace
  // (jharden.conf(5), [namespaces] pid): said, not refused.
  if (plan.ns_pid)
    for (const auto& why : pid_namespace_hazards(plan.argv))
      std::fprintf(stderr, "jharden: %s: warning: pid = yes: %s\n",
                   loaded.policy.ns_pid.origin.str().c_str(), why.c_str());
  return kExitSuccess;
}

int print_plan(const Loaded& loaded, const Plan& plan, bool json) {
  if (json)
    std::printf("%s\n", json_text(plan_to_json(loaded, plan)).c_str());
  else
    std::fputs(plan_to_text(loaded, plan).c_str(), stdout);
  return kExitSuccess;
}

int analyze(const Loaded& loaded, const Plan& plan, const CommandLine& cl, const UnitSettings& unit,
            const ExecCommand* unit_command) {
  Assessment a = cl.unit_arg.empty() ? assess(loaded.policy, plan)
                                     : assess(loaded.policy, plan, unit, unit_command);
  if (cl.json)
    std::printf("%s\n", json_text(assessment_to_json(a)).c_str());
  else
    std::fputs(assessment_to_text(a).c_str(), stdout);
  return kExitSuccess;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // First of all, before jharden opens a descriptor of its own.
  const InheritedFds inherited = take_inherited_fds();
  CommandLine cl;
  if (Outcome o = parse_command_line(argc, argv, cl)) return *o;
  cl.request.need_command = cl.action == Action::kRun;
  Diagnostics diag;
  UnitSettings unit;
  const ExecCommand* unit_command = nullptr;
  Loaded loaded;
  if ((!cl.unit_arg.empty() &&
       !load_unit_request(cl.unit_arg, cl.request, unit, unit_command, diag)) ||
      !load_policy(cl.request, loaded, diag)) {
    diag.print();
    return diag.exit_code();
  }
  PlanContext context = plan_context_from_environment();
  context.terminal = terminal_within_reach(inherited.listen_fds);
  Plan plan = build_plan(loaded.policy, loaded.identity, loaded.secrets, context, diag);
  if (!diag.ok()) {
    diag.print();
    return diag.exit_code();
  }
  switch (cl.action) {
    case Action::kCheck:
      return check_only(loaded, plan);
    case Action::kPrint:
      return print_plan(loaded, plan, cl.json);
    case Action::kAnalyze:
      return analyze(loaded, plan, cl, unit, unit_command);
    case Action::kVerify:
      return run_sandbox(loaded, plan,
                         RunOptions{.verify = true, .inherited = inherited, .learn_file = {}});
    case Action::kRun:
      return run_sandbox(
          loaded, plan,
          RunOptions{.complain = cl.complain, .inherited = inherited, .learn_file = cl.learn_file});
  }
  return kExitFailure;
}

}  // namespace jharden
