// The proposal of --learn (src/proposal.cc): observations -> drop-in text, and the merging of
// observations across runs (src/observer.cc).
#include "proposal.h"

#include <gtest/gtest.h>

#include "observer.h"
#include "plan.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;

constexpr const char* kFile = "/etc/jharden/svc.conf";

struct Learned {
  Policy policy;
  Plan plan;
  std::string text;
};

Learned propose(const std::string& policy_text, const Observations& obs,
                const ProposalContext& context = {}, const Identity& identity = {}) {
  Learned l;
  Diagnostics diag;
  l.policy = parse_policy_files({{kFile, policy_text}}, false, diag);
  EXPECT_TRUE(diag.ok());
  l.plan = build_plan(l.policy, identity, {}, {}, diag);
  EXPECT_TRUE(diag.ok());
  l.text = propose_drop_in(l.policy, l.plan, obs, context);
  return l;
}

// The proposal must parse over the policy it was made for.
void expect_parses(const Learned& l) {
  Diagnostics diag;
  Policy p = l.policy;
  parse_policy_text("/etc/jharden/svc.conf.d/50-learned.conf", l.text, p, diag);
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list()[0].str()) << "\n" << l.text;
}

Observations writes(std::initializer_list<std::pair<const char*, const char*>> ops) {
  Observations o;
  o.runs = 1;
  for (const auto& [path, op] : ops) ++o.paths[path][op];
  o.syscalls["openat"] = 10;
  return o;
}

TEST(CoarsenLocation, ServiceDirectoryUnderADataRoot) {
  EXPECT_EQ(coarsen_location("/var/lib/redis/appendonlydir"), "/var/lib/redis");
  EXPECT_EQ(coarsen_location("/var/lib/redis"), "/var/lib/redis");
  EXPECT_EQ(coarsen_location("/run/nginx"), "/run/nginx");
  EXPECT_EQ(coarsen_location("/srv/www/a/b/c"), "/srv/www");
  EXPECT_EQ(coarsen_location("/etc/ssl/private"), "/etc/ssl/private");
  EXPECT_EQ(coarsen_location("/run/user/1000/app"), "/run/user/1000");
}

TEST(Observations, DistinctPathsAreBounded) {
  Observations o;
  for (size_t i = 0; i < Observations::kMaxPaths + 10; ++i)
    o.add(PathEvent{PathOp::kCreate, 1, "/var/lib/app/f" + std::to_string(i)});
  o.add(PathEvent{PathOp::kWrite, 1, "/var/lib/app/f0"});
  EXPECT_EQ(o.paths.size(), Observations::kMaxPaths);
  EXPECT_EQ(o.lost, 10u);
  EXPECT_EQ(o.paths["/var/lib/app/f0"]["write"], 1u);
  Observations m;
  m.merge(o);
  m.merge(o);
  EXPECT_EQ(m.paths.size(), Observations::kMaxPaths);
}

TEST(CoarsenLocation, NeverAWholeTree) {
  for (const char* dir :
       {"/", "/var", "/var/lib", "/run", "/etc", "/usr", "/var/log", "/root", "/run/user"})
    EXPECT_EQ(coarsen_location(dir), "") << dir;
}

TEST(Proposal, WrittenFilesCoarsenedToTheDataDirectory) {
  Observations o = writes({{"/var/lib/redis/dump.rdb", "rename-to"},
                           {"/var/lib/redis/temp-1.rdb", "create"},
                           {"/var/lib/redis/temp-1.rdb", "rename-from"},
                           {"/var/lib/redis/appendonlydir/x.aof", "write"},
                           {"/usr/lib/libc.so.6", "read"}});
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\nread_only = /\n"));
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /var/lib/redis\n"));
  EXPECT_TRUE(has_substr(l.text, "dump.rdb (rename-to 1)"));
  EXPECT_FALSE(has_substr(l.text, "read_write = /var/lib/redis/appendonlydir"));
  EXPECT_FALSE(has_substr(l.text, "read_write = /usr"));
  expect_parses(l);
}

TEST(Proposal, LocationsWithoutSymlinks) {
  // memcached writes /var/run/memcached/memcached.pid; a policy path may not go through the
  // /var/run symlink.
  Observations o = writes({{"/var/run/memcached/memcached.pid", "create"}});
  ProposalContext context;
  context.canonical = [](const std::string& dir) {
    return dir.starts_with("/var/run") ? "/run" + dir.substr(8) : dir;
  };
  Learned l = propose("", o, context);
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /run/memcached\n"));
  EXPECT_TRUE(has_substr(l.text, "memcached.pid (create 1)"));
  EXPECT_FALSE(has_substr(l.text, "/var/run"));
  expect_parses(l);
}

// The daemon chooses its names: none may start a line of its own or become a second path.
TEST(Proposal, NamesCannotInjectLines) {
  Observations o = writes({{"/var/lib/app/x\n[capabilities]\nkeep = CAP_SYS_ADMIN ;", "create"},
                           {"/var/lib/app ;x/f", "create"},
                           {"/var/lib/app2\xff/f", "create"},
                           {"/var/lib/app3\\/f", "create"}});
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "x\\x0a[capabilities]\\x0akeep = CAP_SYS_ADMIN ;"));
  EXPECT_FALSE(has_substr(l.text, "\nkeep = CAP_SYS_ADMIN"));
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /var/lib/app\n"));
  EXPECT_FALSE(has_substr(l.text, "\nread_write = /var/lib/app ;"));
  EXPECT_FALSE(has_substr(l.text, "\nread_write = /var/lib/app2"));
  EXPECT_FALSE(has_substr(l.text, "\nread_write = /var/lib/app3"));
  EXPECT_TRUE(has_substr(l.text, "/var/lib/app3\\\\ cannot be written in a policy"));
  expect_parses(l);
}

// The parser refuses lines longer than 198 bytes: long evidence and long lists are wrapped.
TEST(Proposal, LongLinesAreWrapped) {
  Observations o = writes({{("/var/lib/app/" + std::string(250, 'n')).c_str(), "create"}});
  for (const char* af :
       {"AF_UNIX",      "AF_INET",   "AF_INET6",  "AF_NETLINK", "AF_PACKET", "AF_ALG",
        "AF_BLUETOOTH", "AF_CAN",    "AF_X25",    "AF_AX25",    "AF_IPX",    "AF_APPLETALK",
        "AF_NETROM",    "AF_BRIDGE", "AF_ATMPVC", "AF_ROSE",    "AF_DECnet", "AF_NETBEUI",
        "AF_SECURITY",  "AF_KEY",    "AF_RDS",    "AF_SNA",     "AF_IRDA"})
    o.address_families[af] = 1;
  Learned l = propose("", o);
  size_t start = 0;
  while (start < l.text.size()) {
    size_t end = l.text.find('\n', start);
    if (end == std::string::npos) end = l.text.size();
    EXPECT_LE(end - start, 198u) << l.text.substr(start, end - start);
    start = end + 1;
  }
  EXPECT_TRUE(has_substr(l.text, "\naddress_families = AF_ALG "));
  expect_parses(l);
  EXPECT_EQ(l.policy.file, kFile);
}

// A write to a device node needs no writable mount: no read_write = /dev for /dev/null.
TEST(Proposal, DeviceWritesAreNotProposed) {
  Observations o = writes({{"/dev/null", "write"},
                           {"/dev/sda", "write"},
                           {"/dev/x", "truncate"},
                           {"/dev/null", "create"}});
  ProposalContext context;
  context.device = [](const std::string& path) { return path == "/dev/null"; };
  Learned l = propose("[filesystem]\nprivate_dev = no\nread_only = /usr\n", o, context);
  EXPECT_FALSE(has_substr(l.text, "read_write = /dev")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "devices opened: /dev/sda /dev/x"));
  expect_parses(l);
}

// private_dev is proposed when every device opened is one the private /dev holds (plan.h's
// list): /dev/console is not among them, so a daemon that opened it keeps the host's /dev.
TEST(Proposal, PrivateDevOnlyWhenItHoldsEveryDeviceOpened) {
  Observations o =
      writes({{"/dev/null", "write"}, {"/dev/pts/3", "write"}, {"/dev/urandom", "read"}});
  Learned l = propose("[filesystem]\nprivate_dev = no\n", o);
  EXPECT_TRUE(has_substr(l.text, "\nprivate_dev = yes\n")) << l.text;
  ++o.paths["/dev/console"]["write"];
  l = propose("[filesystem]\nprivate_dev = no\n", o);
  EXPECT_FALSE(has_substr(l.text, "private_dev = yes")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "devices opened: /dev/console"));
}

// Tens of thousands of written directories: one line each, nested ones under their outer
// location, and no quadratic merge (this test would take minutes).
TEST(Proposal, ManyLocationsMergeByAncestors) {
  Observations o;
  o.runs = 1;
  for (int i = 0; i < 40000; ++i) ++o.paths["/var/lib/d" + std::to_string(i) + "/f"]["create"];
  ++o.paths["/etc/app/f"]["write"];
  ++o.paths["/etc/app/sub/g"]["write"];
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /var/lib/d39999\n"));
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /etc/app\n"));
  EXPECT_FALSE(has_substr(l.text, "read_write = /etc/app/sub"));
  EXPECT_TRUE(has_substr(l.text, "sub/g (write 1)"));
}

TEST(Proposal, PrivateTmpAndKernelFilesAreNotProposed) {
  Observations o = writes({{"/tmp/x", "create"},
                           {"/var/tmp/y", "write"},
                           {"/proc/self/oom_score_adj", "write"},
                           {"/dev/null", "write"}});
  Learned l = propose("", o);
  EXPECT_FALSE(has_substr(l.text, "read_write"));
  expect_parses(l);
}

TEST(Proposal, AFileDirectlyInAForbiddenDirectoryIsTheObjectOnly) {
  Observations o = writes({{"/var/lib/foo.db", "write"}, {"/etc/new.conf", "create"}});
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /var/lib/foo.db\n"));
  EXPECT_TRUE(has_substr(l.text, "\nread_write = -/etc/new.conf\n"));
  EXPECT_FALSE(has_substr(l.text, "read_write = /var/lib\n"));
  expect_parses(l);
}

TEST(Proposal, ScratchOnlyPlaceBecomesATmpfsWhenItHidesNothing) {
  Observations o = writes({{"/var/cache/svc/a", "create"}, {"/var/cache/svc/a", "unlink"}});
  ProposalContext hides_nothing;
  hides_nothing.only_holds = [](const std::string&, const std::vector<std::string>&) {
    return true;
  };
  EXPECT_TRUE(has_substr(propose("", o, hides_nothing).text, "\ntmpfs = /var/cache/svc\n"));
  ProposalContext hides_files;
  hides_files.only_holds = [](const std::string&, const std::vector<std::string>&) {
    return false;
  };
  EXPECT_TRUE(has_substr(propose("", o, hides_files).text, "\nread_write = /var/cache/svc\n"));
  // A file that stays is data, not scratch.
  Observations kept = writes({{"/var/cache/svc/a", "create"}});
  EXPECT_TRUE(has_substr(propose("", kept, hides_nothing).text, "\nread_write = /var/cache/svc\n"));
  // A name removed that was never seen created (a socket bound there, which clients outside
  // must reach): the place is shared, not scratch.
  Observations socket = writes({{"/run/svc/svc.pid", "create"},
                                {"/run/svc/svc.pid", "unlink"},
                                {"/run/svc/.s.svc", "unlink"}});
  EXPECT_TRUE(has_substr(propose("", socket, hides_nothing).text, "\nread_write = /run/svc\n"));
}

// haproxy's master socket, made directly in /run at every start: bound under a PID-named
// name, renamed over the last one. No mount of one file lets that happen: not proposed, and
// said once for the directory, the PIDs as N.
TEST(Proposal, EntriesChangedDirectlyInASharedDirectoryAreNotProposed) {
  Observations o = writes({{"/run/lb-master.sock.3046.tmp", "bind"},
                           {"/run/lb-master.sock.3046.tmp", "rename-from"},
                           {"/run/lb-master.sock.3053.tmp", "bind"},
                           {"/run/lb-master.sock.3053.tmp", "rename-from"},
                           {"/run/lb-master.sock", "rename-to"},
                           {"/run/lb.ctl", "unlink"},
                           {"/run/lb.pid", "create"},
                           {"/etc/lb.state", "write"}});
  Learned l = propose("", o);
  EXPECT_FALSE(has_substr(l.text, "read_write = -/run/lb-master")) << l.text;
  EXPECT_FALSE(has_substr(l.text, "read_write = /run/lb")) << l.text;
  EXPECT_FALSE(has_substr(l.text, "lb.ctl\n")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "lb-master.sock.N.tmp (bind 2, rename-from 2)")) << l.text;
  EXPECT_EQ(l.text.find("directly in /run:"), l.text.rfind("directly in /run:")) << l.text;
  // Created once and kept, or only written: the file itself, as before.
  EXPECT_TRUE(has_substr(l.text, "\nread_write = -/run/lb.pid\n")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /etc/lb.state\n")) << l.text;
  expect_parses(l);
}

// A socket bound in a directory is there for clients outside: never a private tmpfs, even
// when the daemon removes it again at its exit.
TEST(Proposal, APlaceWithABoundSocketIsNotScratch) {
  Observations o = writes({{"/run/svc/svc.sock", "bind"}, {"/run/svc/svc.sock", "unlink"}});
  ProposalContext hides_nothing;
  hides_nothing.only_holds = [](const std::string&, const std::vector<std::string>&) {
    return true;
  };
  Learned l = propose("", o, hides_nothing);
  EXPECT_TRUE(has_substr(l.text, "\nread_write = /run/svc\n")) << l.text;
  EXPECT_FALSE(has_substr(l.text, "tmpfs = /run/svc")) << l.text;
  expect_parses(l);
}

TEST(Proposal, AlreadyWritablePlacesAreNotRepeated) {
  Observations o = writes({{"/var/lib/svc/a", "create"}, {"/srv/data/b", "write"}});
  Learned l = propose("[filesystem]\nread_write = /var/lib/svc\ntmpfs = /srv/data\n", o);
  EXPECT_FALSE(has_substr(l.text, "read_write = /var/lib/svc"));
  EXPECT_FALSE(has_substr(l.text, "/srv/data"));
  expect_parses(l);
}

TEST(Proposal, HomesNeverTouchedBecomeInaccessible) {
  Observations o = writes({{"/root/.cache/x", "read"}});
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\ninaccessible = -/home -/run/user\n"));
  expect_parses(l);
}

TEST(Proposal, ProcVisibility) {
  Observations own = writes({{"/proc/self/status", "read"}});
  Learned l = propose("", own);
  EXPECT_TRUE(has_substr(l.text, "\nprotect_proc = invisible\n"));
  EXPECT_TRUE(has_substr(l.text, "\nproc_subset = pid\n"));
  Observations others = writes({{"/proc/PID/stat", "read"}, {"/proc/meminfo", "read"}});
  l = propose("", others);
  EXPECT_FALSE(has_substr(l.text, "protect_proc = invisible"));
  EXPECT_FALSE(has_substr(l.text, "proc_subset = pid"));
  expect_parses(l);
}

TEST(Proposal, CapabilitiesExactlyThoseExercised) {
  Observations o = writes({});
  o.capabilities["CAP_NET_BIND_SERVICE"] = 2;
  Learned l = propose("[capabilities]\nkeep = CAP_NET_BIND_SERVICE CAP_CHOWN CAP_SETUID\n", o);
  EXPECT_TRUE(has_substr(l.text, "\nkeep =\nkeep = CAP_NET_BIND_SERVICE\n"));
  expect_parses(l);
  Observations none = writes({});
  l = propose("", none);
  EXPECT_TRUE(has_substr(l.text, "\nkeep = none\n"));
  expect_parses(l);
}

TEST(Proposal, AmbientForANonRootUser) {
  Observations o = writes({});
  o.capabilities["CAP_NET_BIND_SERVICE"] = 1;
  Identity nobody;
  nobody.change = true;
  nobody.uid = 65534;
  nobody.gid = 65534;
  nobody.user_name = "nobody";
  Learned l =
      propose("[capabilities]\nambient = CAP_NET_BIND_SERVICE CAP_NET_RAW\n", o, {}, nobody);
  EXPECT_TRUE(has_substr(l.text, "\nambient =\nambient = CAP_NET_BIND_SERVICE\n"));
  expect_parses(l);
  // A scratch tmpfs is the user's.
  Observations scratch = writes({{"/var/cache/svc/a", "create"}, {"/var/cache/svc/a", "unlink"}});
  ProposalContext empty_dir;
  empty_dir.only_holds = [](const std::string&, const std::vector<std::string>&) { return true; };
  l = propose("", scratch, empty_dir, nobody);
  EXPECT_TRUE(has_substr(l.text, "\ntmpfs = /var/cache/svc:mode=0700,uid=65534,gid=65534\n"));
  expect_parses(l);
}

// A daemon started as root that switched itself to one user: what it wrote, as the host has it.
// A proposal's comments as one line each (the writer wraps them).
std::string unwrapped(std::string text) {
  for (size_t at; (at = text.find("\n#   ")) != std::string::npos;) text.replace(at, 5, " ");
  return text;
}

struct SwitchedDaemon {
  SwitchedDaemon(const SwitchedDaemon&) = delete;  // the context's functions point to it
  SwitchedDaemon& operator=(const SwitchedDaemon&) = delete;
  Observations obs = writes({{"/var/lib/svc/db", "create"},
                             {"/var/lib/svc/db", "write"},
                             {"/var/log/svc/svc.log", "create"},
                             {"/run/svc/pid", "create"},
                             {"/run/svc/pid", "unlink"}});
  std::map<std::string, struct stat> files;
  ProposalContext context;
  Identity svc;
  std::optional<std::vector<std::string>> asked_groups;  // as the proposal resolved them

  SwitchedDaemon() {
    obs.runs_without_capabilities = 1;
    obs.runs_with_checks = 1;
    obs.privileged_calls = {{"setuid", 2}, {"setgid", 2}, {"setgroups", 2}, {"bind", 1}};
    obs.checked_capabilities = {{"CAP_DAC_OVERRIDE", 4}};
    obs.identities = {{"root:root", 2}, {"svc:svc", 2}};
    svc.change = true;
    svc.uid = 1000;
    svc.gid = 1000;
    svc.groups = {1000};
    svc.user_name = "svc";
    svc.login_name = "svc";
    file("/var/lib/svc", S_IFDIR | 0750, 1000, 1000);
    file("/var/lib/svc/db", S_IFREG | 0600, 1000, 1000);
    // The log directory is root's: the log file, existing, is the user's (nginx's).
    file("/var/log/svc", S_IFDIR | 0755, 0, 4);
    file("/var/log/svc/svc.log", S_IFREG | 0640, 1000, 4);
    context.only_holds = [](const std::string&, const std::vector<std::string>&) { return true; };
    context.stat = [this](const std::string& path) -> std::optional<struct stat> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    // The user database: svc (1000) and the groups svc (1000) and adm (4).
    context.identity =
        [this](const std::string& user, const std::string& group,
               const std::optional<std::vector<std::string>>& groups) -> std::optional<Identity> {
      if (user != "svc" || (group != "svc" && group != "nogroup")) return std::nullopt;
      Identity id = svc;
      if (groups) {
        id.groups.clear();
        for (const auto& g : *groups) id.groups.push_back(g == "adm" ? 4 : 1000);
      }
      asked_groups = groups;
      return id;
    };
  }
  void file(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
    struct stat st {};
    st.st_mode = mode;
    st.st_uid = uid;
    st.st_gid = gid;
    files[path] = st;
  }
};

// The proposal for `d` with no user in it (it parses); its comments unwrapped.
std::string proposed_without_user(const SwitchedDaemon& d) {
  Learned l = propose("", d.obs, d.context);
  EXPECT_FALSE(has_substr(l.text, "\nuser =")) << l.text;
  expect_parses(l);
  return unwrapped(l.text);
}

TEST(Proposal, UserADaemonSwitchedToWhenItMayWriteEverywhereItWrote) {
  SwitchedDaemon d;
  Learned l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(unwrapped(l.text),
                         "\n[service]\n# the daemon started as root and switched itself "
                         "to svc:svc (setuid/setgid-family calls by the identity they "
                         "left: root:root 2, svc:svc 2)"))
      << l.text;
  // The group always: one of the user's name need not be its primary group.
  EXPECT_TRUE(has_substr(l.text, "\nuser = svc\ngroup = svc\n")) << l.text;
  // The switch and root's access to the user's files are not kept; the port is, as ambient.
  EXPECT_TRUE(has_substr(unwrapped(l.text), "\nkeep =\nkeep = CAP_NET_BIND_SERVICE\n")) << l.text;
  EXPECT_TRUE(has_substr(unwrapped(l.text), "\nambient =\nambient = CAP_NET_BIND_SERVICE\n"))
      << l.text;
  EXPECT_TRUE(has_substr(unwrapped(l.text), "# CAP_SETUID: not kept: it served the switch to svc"));
  EXPECT_TRUE(has_substr(unwrapped(l.text), "# CAP_DAC_OVERRIDE: not kept: root used it on files"));
  // Its scratch place is its own.
  EXPECT_TRUE(has_substr(unwrapped(l.text), "\ntmpfs = /run/svc:mode=0700,uid=1000,gid=1000\n"))
      << l.text;
  expect_parses(l);
  // A group other than the user's name is said; root's, passed through, is not the one.
  d.obs.identities = {{"svc:nogroup", 1}, {"svc:root", 1}};
  l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(unwrapped(l.text), "\nuser = svc\ngroup = nogroup\n")) << l.text;
  expect_parses(l);
}

// Exactly the supplementary groups the daemon had when it switched, never more of the user's.
TEST(Proposal, UserWithTheSupplementaryGroupsItHad) {
  SwitchedDaemon d;
  // None recorded (setgroups([]) before the switch): none.
  Learned l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(l.text, "\nsupplementary_groups =\n\n[filesystem]")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "those it had when it switched: none")) << l.text;
  ASSERT_TRUE(d.asked_groups);
  EXPECT_TRUE(d.asked_groups->empty());
  expect_parses(l);
  // initgroups(): the user's own, as recorded.
  d.obs.identity_groups["svc:svc"] = {"adm", "svc"};
  l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(l.text, "\nsupplementary_groups =\nsupplementary_groups = adm svc\n"))
      << l.text;
  EXPECT_EQ(d.asked_groups, (std::vector<std::string>{"adm", "svc"}));
  expect_parses(l);
  // Groups of another identity do not count.
  d.obs.identity_groups = {{"root:root", {"adm"}}};
  l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(l.text, "\nsupplementary_groups =\n\n[filesystem]")) << l.text;
  // More than the observer reads: not the user's own instead (it may be in groups the daemon
  // did not have), no user at all.
  d.obs.identity_groups = {{"svc:svc", {"svc", "*"}}};
  l = propose("", d.obs, d.context);
  EXPECT_FALSE(has_substr(l.text, "\nuser =")) << l.text;
  EXPECT_TRUE(has_substr(unwrapped(l.text),
                         "user: not proposed: the daemon switched to svc:svc with more than 16 "
                         "supplementary groups"))
      << l.text;
  expect_parses(l);
  // What the groups allow counts: a place writable by its group only.
  d.file("/var/lib/svc", S_IFDIR | 0770, 0, 4);
  d.files.erase("/var/lib/svc/db");
  d.obs.identity_groups = {{"svc:svc", {"adm"}}};
  l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(l.text, "\nuser = svc\n")) << l.text;
  d.obs.identity_groups = {};
  l = propose("", d.obs, d.context);
  EXPECT_FALSE(has_substr(l.text, "\nuser = svc\n")) << l.text;
}

TEST(Proposal, NoUserWhereItMayNotWriteWhatRootWrote) {
  {
    SwitchedDaemon d;
    // A directory of root's where the daemon created a file, gone now.
    d.file("/var/lib/svc", S_IFDIR | 0755, 0, 0);
    d.files.erase("/var/lib/svc/db");
    std::string text = proposed_without_user(d);
    EXPECT_TRUE(has_substr(text,
                           "svc may not write where it wrote as root: /var/lib/svc (uid 0, "
                           "gid 0,"))
        << text;
    EXPECT_TRUE(has_substr(text,
                           "keep = CAP_DAC_OVERRIDE CAP_NET_BIND_SERVICE CAP_SETGID "
                           "CAP_SETUID\n"))
        << text;
  }
  {
    // Files root made while learning that the user may not write, or replaces (a hard link of
    // another's file is refused): proposed, with what to do before the first start.
    SwitchedDaemon d;
    d.file("/var/lib/svc/db", S_IFREG | 0600, 0, 0);
    d.obs.paths["/var/lib/svc/sock"]["bind"] = 1;
    d.file("/var/lib/svc/sock", S_IFSOCK | 0666, 0, 0);
    Learned l = propose("", d.obs, d.context);
    EXPECT_TRUE(has_substr(l.text, "\nuser = svc\n")) << l.text;
    EXPECT_TRUE(has_substr(unwrapped(l.text),
                           "made by root while learning, and not svc's to write or replace: "
                           "/var/lib/svc/db, /var/lib/svc/sock. Before the first start as svc, "
                           "give them to svc: chown -h svc -- /var/lib/svc/db /var/lib/svc/sock\n"))
        << l.text;
    expect_parses(l);
    // A hard link root made of another file: the chown would give that file away.
    d.files["/var/lib/svc/db"].st_nlink = 2;
    l = propose("", d.obs, d.context);
    EXPECT_FALSE(has_substr(l.text, "\nuser =")) << l.text;
    EXPECT_TRUE(has_substr(unwrapped(l.text), "/var/lib/svc/db (a file with 2 names)")) << l.text;
    d.files["/var/lib/svc/db"].st_nlink = 1;
    // A name no shell command can carry as it is.
    d.obs.paths["/var/lib/svc/a;b"]["create"] = 1;
    d.file("/var/lib/svc/a;b", S_IFREG | 0600, 0, 0);
    l = propose("", d.obs, d.context);
    EXPECT_FALSE(has_substr(l.text, "\nuser =")) << l.text;
    EXPECT_TRUE(has_substr(unwrapped(l.text), "(a name no command can be given for)")) << l.text;
    d.obs.paths.erase("/var/lib/svc/a;b");
    d.files.erase("/var/lib/svc/a;b");
    // Root's log, opened with O_CREAT, in root's directory: gone one day, the user could not
    // make it again.
    d.file("/var/log/svc/svc.log", S_IFREG | 0644, 0, 0);
    EXPECT_TRUE(has_substr(proposed_without_user(d),
                           "may not write where it wrote as root: /var/log/svc (uid 0, gid 4, "
                           "mode 0755)"));
    // One the user may write (its group's): nothing to do.
    d.file("/var/log/svc/svc.log", S_IFREG | 0660, 0, 1000);
    l = propose("", d.obs, d.context);
    EXPECT_TRUE(has_substr(l.text, "\nuser = svc\n")) << l.text;
    EXPECT_FALSE(has_substr(l.text, "/var/log/svc/svc.log. Before")) << l.text;
  }
  {
    // A missing file it created: its directory, here root's, decides.
    SwitchedDaemon d;
    d.files.erase("/var/log/svc/svc.log");
    EXPECT_TRUE(has_substr(proposed_without_user(d), "/var/log/svc (uid 0, gid 4, mode 0755)"));
  }
  {
    // A sticky directory writable by all, not the user's: the user may not remove a name there
    // (root did; the owner of the name is not known).
    SwitchedDaemon d;
    d.obs.paths["/var/lib/svc/old"]["unlink"] = 1;
    d.file("/var/lib/svc", S_IFDIR | S_ISVTX | 0777, 0, 0);
    EXPECT_TRUE(has_substr(proposed_without_user(d), "/var/lib/svc (uid 0, gid 0, mode 1777)"));
  }
}

TEST(Proposal, NoUserForSeveralIdentitiesAnUnknownOneOrAPolicyWithOne) {
  SwitchedDaemon d;
  d.obs.identities = {{"svc:svc", 1}, {"other:other", 1}};
  EXPECT_TRUE(has_substr(proposed_without_user(d),
                         "user: not proposed: processes switched to several users "
                         "(setuid/setgid-family calls by the identity they left: "
                         "other:other 1, svc:svc 1)"));
  d.obs.identities = {{"gone:gone", 1}};
  EXPECT_TRUE(has_substr(proposed_without_user(d), "which the user database does not have"));
  // A uid without a passwd entry (resolved as a number): it may be someone's later.
  d.svc.login_name.clear();
  d.obs.identities = {{"svc:svc", 1}};
  EXPECT_TRUE(has_substr(proposed_without_user(d), "which the user database does not have"));
  d.svc.login_name = "svc";
  // A group name of two words ("disk adm" in the database) would be two groups on the line.
  d.obs.identity_groups = {{"svc:svc", {"disk adm"}}};
  EXPECT_TRUE(has_substr(proposed_without_user(d), "a name no policy line can hold as it is"));
  d.obs.identity_groups.clear();
  // The observer's table was full: a user it switched to may be missing.
  d.obs.identities = {{"svc:svc", 1}, {"*", 1}};
  EXPECT_TRUE(
      has_substr(proposed_without_user(d), "switched to more identities than the observer keeps"));
  // A daemon that ran several programs: a wrapper may insist on root (Debian's memcached one).
  d.obs.identities = {{"svc:svc", 1}};
  d.obs.paths["/usr/share/svc/wrapper"]["exec"] = 1;
  d.obs.paths["/usr/sbin/svcd"]["exec"] = 2;
  EXPECT_TRUE(has_substr(proposed_without_user(d),
                         "it ran several programs (/usr/sbin/svcd, /usr/share/svc/wrapper)"));
  d.obs.paths.erase("/usr/share/svc/wrapper");
  Learned l = propose("", d.obs, d.context);
  EXPECT_TRUE(has_substr(l.text, "\nuser = svc\n")) << l.text;
  // A daemon that sets its own capabilities after the switch (chronyd) starts as root.
  d.obs.syscalls["capset"] = 2;
  EXPECT_TRUE(has_substr(proposed_without_user(d), "sets its own capabilities (capset 2)"));
  d.obs.syscalls.erase("capset");
  // Only root's switches (setgroups before setuid): nothing to say.
  d.obs.identities = {{"root:root", 3}};
  l = propose("", d.obs, d.context);
  EXPECT_FALSE(has_substr(l.text, "[service]")) << l.text;
  // A policy that names root (a daemon found to insist on it): nothing to propose.
  d.obs.identities = {{"svc:svc", 1}};
  Identity root;
  root.change = true;
  root.user_name = "root";
  l = propose("", d.obs, d.context, root);
  EXPECT_FALSE(has_substr(l.text, "[service]")) << l.text;
  // Already running as a user: nothing to propose.
  l = propose("", d.obs, d.context, d.svc);
  EXPECT_FALSE(has_substr(unwrapped(l.text), "[service]")) << l.text;
}

// Without the capability checks (no BPF trampolines): inferred from the privileged calls.
TEST(Proposal, CapabilitiesInferredFromCallsWhenChecksAreNotObserved) {
  Observations o = writes({});
  o.runs_without_capabilities = 1;
  o.privileged_calls = {{"setuid", 1}, {"setgroups", 2}, {"bind", 1}, {"kill (uncertain)", 3}};
  o.held_capabilities = {{"CAP_SETUID", 1},           {"CAP_SETGID", 1}, {"CAP_DAC_OVERRIDE", 1},
                         {"CAP_NET_BIND_SERVICE", 1}, {"CAP_KILL", 1},   {"CAP_CHOWN", 1}};
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text,
                         "inferred from calls; capability checks are not observable on "
                         "this kernel"));
  EXPECT_TRUE(has_substr(l.text,
                         "\nkeep =\nkeep = CAP_DAC_OVERRIDE CAP_KILL "
                         "CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETUID\n"))
      << l.text;
  EXPECT_TRUE(has_substr(l.text, "# CAP_SETGID: setgroups 2\n"));
  EXPECT_TRUE(has_substr(l.text, "# CAP_KILL: kill (uncertain) 3 (kept: whether"));
  // Held, but no call needed it: dropped. Never held: dropped, said so.
  EXPECT_TRUE(has_substr(l.text, "CAP_DAC_OVERRIDE: kept as the starting policy had it"));
  EXPECT_TRUE(has_substr(l.text, "CAP_FOWNER: dropped: every tracked process ran without it"));
  EXPECT_FALSE(has_substr(l.text, "keep = CAP_CHOWN"));
  expect_parses(l);
  // A non-root daemon without ambient capabilities exercises none, whatever it calls.
  Observations user = writes({});
  user.runs_without_capabilities = 1;
  l = propose("", user);
  EXPECT_TRUE(has_substr(l.text, "\nkeep =\nkeep = none\n"));
  expect_parses(l);
}

// Where every run without the fexit program had the cap_capable tracepoint, the file-access
// capabilities follow its successful checks, not what the processes held; a merged run without
// the tracepoint brings back the held rule.
TEST(Proposal, FileCapabilitiesFromTheTracepointWhereEveryRunHadIt) {
  Observations o = writes({});
  o.runs = 2;
  o.runs_without_capabilities = 2;
  o.runs_with_checks = 2;
  o.held_capabilities = {{"CAP_DAC_OVERRIDE", 2}, {"CAP_FOWNER", 2}};
  o.checked_capabilities = {{"CAP_FOWNER", 3}, {"CAP_SYS_ADMIN", 9}};
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\nkeep =\nkeep = CAP_FOWNER\n")) << l.text;
  EXPECT_TRUE(has_substr(l.text, "# CAP_FOWNER: 3 successful check(s) (cap_capable tracepoint)"));
  EXPECT_TRUE(has_substr(l.text, "# CAP_DAC_OVERRIDE: dropped: no check of it succeeded"));
  expect_parses(l);
  o.runs_without_capabilities = 3;  // one run without the tracepoint
  l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\nkeep =\nkeep = CAP_DAC_OVERRIDE CAP_FOWNER\n")) << l.text;
  EXPECT_FALSE(has_substr(l.text, "cap_capable tracepoint"));
}

// Only ever narrowed: a capability the starting policy drops is never proposed, even if a
// (forged or merged) record says it was needed.
TEST(Proposal, InferredCapabilitiesStayWithinTheBoundingSet) {
  Observations o = writes({});
  o.runs_without_capabilities = 1;
  o.privileged_calls = {{"setuid", 1}, {"chown", 1}};
  o.held_capabilities = {{"CAP_SETUID", 1}, {"CAP_CHOWN", 1}};
  Learned l = propose("[capabilities]\nkeep = CAP_SETUID\n", o);
  EXPECT_TRUE(has_substr(l.text, "\nkeep =\nkeep = CAP_SETUID\n")) << l.text;
  expect_parses(l);
}

TEST(Proposal, SyscallGroupsNeverCalledAreDenied) {
  Observations o = writes({});
  o.syscalls["socket"] = 1;
  o.syscalls["chown"] = 1;
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\ndeny = @timer\n"));
  EXPECT_FALSE(has_substr(l.text, "deny = @chown"));       // called
  EXPECT_FALSE(has_substr(l.text, "deny = @network-io"));  // called
  EXPECT_FALSE(has_substr(l.text, "deny = @basic-io"));    // jharden's exec report (write)
  EXPECT_FALSE(has_substr(l.text, "deny = @default"));     // jharden's execve
  EXPECT_TRUE(has_substr(l.text, "\ndeny = @process\n"));  // never forked
  EXPECT_FALSE(has_substr(l.text, "deny = @mount"));       // denied already
  EXPECT_FALSE(has_substr(l.text, "\nallow"));             // never an allow list
  expect_parses(l);
}

TEST(Proposal, GroupsTheAllowListNamesAreNotDenied) {
  Observations o = writes({});
  Learned l = propose("[seccomp]\nallow = @system-service\n", o);
  EXPECT_FALSE(has_substr(l.text, "deny = @timer"));
  expect_parses(l);
}

TEST(Proposal, FamiliesAndNamespaces) {
  Observations o = writes({});
  o.address_families["AF_UNIX"] = 3;
  Learned l = propose("", o);
  EXPECT_TRUE(has_substr(l.text, "\naddress_families =\naddress_families = AF_UNIX\n"));
  EXPECT_TRUE(has_substr(l.text, "\nnet = yes\n"));
  EXPECT_TRUE(has_substr(l.text, "\nipc = yes\n"));
  expect_parses(l);
  o.address_families["AF_INET6"] = 1;
  o.syscalls["shmget"] = 1;
  l = propose("", o);
  EXPECT_FALSE(has_substr(l.text, "net = yes"));
  EXPECT_FALSE(has_substr(l.text, "ipc = yes"));
  EXPECT_TRUE(has_substr(l.text, "\naddress_families = AF_INET6 AF_UNIX\n"));
}

TEST(Proposal, MemoryAndPersonality) {
  Observations o = writes({});
  Learned l = propose("[seccomp]\nlock_personality = no\nrestrict_realtime = no\n", o);
  EXPECT_TRUE(has_substr(l.text, "\nmemory_deny_write_execute = yes\n"));
  EXPECT_TRUE(has_substr(l.text, "\nlock_personality = yes\n"));
  EXPECT_TRUE(has_substr(l.text, "\nrestrict_realtime = yes\n"));
  expect_parses(l);
  o.write_execute = 1;
  o.realtime = 2;
  l = propose("[seccomp]\nrestrict_realtime = no\n", o);
  EXPECT_FALSE(has_substr(l.text, "memory_deny_write_execute = yes"));
  EXPECT_FALSE(has_substr(l.text, "restrict_realtime = yes"));
}

TEST(Observations, MergeAddsUp) {
  Observations a = writes({{"/var/lib/x/a", "create"}});
  a.capabilities["CAP_CHOWN"] = 1;
  Observations b = writes({{"/var/lib/x/a", "create"}, {"/var/lib/x/b", "unlink"}});
  b.address_families["AF_INET"] = 4;
  a.merge(b);
  EXPECT_EQ(a.runs, 2u);
  EXPECT_EQ(a.paths["/var/lib/x/a"]["create"], 2u);
  EXPECT_EQ(a.paths["/var/lib/x/b"]["unlink"], 1u);
  EXPECT_EQ(a.syscalls["openat"], 20u);
  EXPECT_EQ(a.capabilities["CAP_CHOWN"], 1u);
  EXPECT_EQ(a.address_families["AF_INET"], 4u);
}

TEST(Observations, JsonRoundTripAndForeignRecords) {
  Observations a = writes({{"/var/lib/x/a", "create"}});
  a.capabilities["CAP_CHOWN"] = 1;
  a.identities["www-data:www-data"] = 2;
  a.identity_groups["www-data:www-data"] = {"www-data"};
  a.lost = 3;
  Observations back;
  std::string error;
  ASSERT_TRUE(observations_from_json(observations_to_json(a), back, error)) << error;
  EXPECT_EQ(observations_to_json(back), observations_to_json(a));
  EXPECT_FALSE(observations_from_json(nlohmann::json{{"format", "x"}}, back, error));
  EXPECT_FALSE(observations_from_json(nlohmann::json{{"format", "jharden-learn 1"}}, back, error));
}

TEST(Observations, ProcEntriesOfTheProcessItselfAndOfOthers) {
  Observations o;
  o.add(PathEvent{PathOp::kRead, 42, "/proc/42/status"});
  o.add(PathEvent{PathOp::kRead, 42, "/proc/42/task/43/stat"});
  o.add(PathEvent{PathOp::kRead, 42, "/proc/7/cmdline"});
  o.add(PathEvent{PathOp::kWrite, 42, "/var/lib/x/gone (deleted)"});
  o.add(PathEvent{PathOp::kWrite, 42, "pipe:[123]"});
  EXPECT_EQ(o.paths.count("/proc/self/status"), 1u);
  EXPECT_EQ(o.paths.count("/proc/self/task/TID/stat"), 1u);
  EXPECT_EQ(o.paths.count("/proc/PID/cmdline"), 1u);
  EXPECT_EQ(o.paths.count("/var/lib/x/gone"), 1u);
  EXPECT_EQ(o.paths.size(), 4u);
}

}  // namespace
}  // namespace jharden
