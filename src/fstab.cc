#include "fstab.h"

#include <sstream>
#include <vector>

#include "paths.h"

namespace jharden {

void parse_fstab(const std::string& file, const std::string& content, Policy& policy,
                 Diagnostics& diag) {
  std::istringstream in(content);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    Origin origin{file, number};
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.empty() || f[0][0] == '#') continue;
    if (f.size() < 3 || f.size() > 6) {
      diag.error(origin, "expected SOURCE TARGET TYPE [OPTIONS [DUMP [PASS]]]");
      continue;
    }
    const std::string &source = f[0], &target = f[1], &type = f[2];
    std::string options = f.size() > 3 ? f[3] : "defaults";
    if (std::string why = path_problem(target); !why.empty()) {
      diag.error(origin, "target: " + why + ": \"" + target + "\"");
      continue;
    }
    bool bind = false, ro = false, nofail = false;
    std::string rest;
    std::istringstream opts(options);
    for (std::string o; std::getline(opts, o, ',');) {
      if (o == "bind" || o == "rbind")
        bind = true;
      else if (o == "ro")
        ro = true;
      else if (o == "rw")
        ro = false;
      else if (o == "nofail")
        nofail = true;
      else if (o != "defaults")
        rest += (rest.empty() ? "" : ",") + o;
    }
    if (bind || type == "bind") {
      if (std::string why = path_problem(source); !why.empty()) {
        diag.error(origin, "source: " + why + ": \"" + source + "\"");
        continue;
      }
      if (!rest.empty()) {
        diag.error(origin, "bind accepts only ro, rw and nofail: \"" + rest + "\"");
        continue;
      }
      policy.bind.push_back(BindSpec{source, target, nofail, ro, origin});
    } else if (type == "tmpfs") {
      TmpfsSpec spec;
      spec.path = target;
      spec.origin = origin;
      spec.read_only = ro;
      std::vector<std::string> errors = parse_tmpfs_options(rest, spec);
      if (rest.empty()) errors.clear();
      for (auto& e : errors) diag.error(origin, "tmpfs: " + e);
      if (errors.empty()) policy.tmpfs.push_back(spec);
    } else if (type == "proc" || type == "sysfs") {
      // procfs options are the instance options of ProtectProc=/ProcSubset=; nothing else.
      std::istringstream ro_opts(rest);
      bool ok = true;
      for (std::string o; std::getline(ro_opts, o, ',');) {
        bool allowed = type == "proc" && (o == "hidepid=invisible" || o == "subset=pid");
        if (!allowed) {
          diag.error(origin, type + ": unsupported option \"" + o + "\"");
          ok = false;
        }
      }
      if (ok)
        policy.fstab_mounts.push_back(
            FstabMount{type, target, rest, ro || type == "sysfs", origin});
    } else {
      diag.error(origin, "unsupported type \"" + type + "\" (proc, sysfs, tmpfs or bind)");
    }
  }
}

}  // namespace jharden
