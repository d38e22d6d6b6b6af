// The plan (plan.h, contract §4 and §5, jharden.conf(5) "Order and conflicts"): pure data, so
// every rule of mount ordering, merging and conflicts, and the capability, seccomp and notify
// decisions, is checked here without privilege.
#include "plan.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cap_names.h"
#include "mountinfo.h"
#include "paths.h"
#include "seccomp_groups.h"
#include "test_support.h"
#include "text.h"

namespace jharden {
namespace {

using test::contains;
using test::has_size;
using test::has_substr;
using test::is_empty;
using test::kFile;
using test::sorted;
using test::starts_with;
using test::Strings;

MountEntry entry(MountKind kind, const std::string& target, int line = 1) {
  MountEntry e;
  e.kind = kind;
  e.target = target;
  e.origin = Origin{kFile, line};
  e.read_only = kind == MountKind::kMask || kind == MountKind::kInaccessible;
  return e;
}

MountEntry bind(const std::string& source, const std::string& target, int line = 1) {
  MountEntry e = entry(MountKind::kBind, target, line);
  e.source = source;
  return e;
}

std::vector<std::string> targets(const std::vector<MountEntry>& mounts) {
  std::vector<std::string> out;
  for (const auto& m : mounts) out.push_back(m.target);
  return out;
}

const MountEntry* find(const std::vector<MountEntry>& mounts, const std::string& target) {
  auto it = std::find_if(mounts.begin(), mounts.end(),
                         [&](const MountEntry& m) { return m.target == target; });
  return it == mounts.end() ? nullptr : &*it;
}

std::vector<std::string> hole_targets(const std::vector<MountEntry>& mounts,
                                      const std::string& target) {
  std::vector<std::string> out;
  if (const MountEntry* e = find(mounts, target))
    for (size_t h : e->holes) out.push_back(mounts[h].target);
  return out;
}

std::vector<std::string> cap_names(const std::vector<int>& caps) {
  std::vector<std::string> out;
  for (int c : caps) out.push_back(capability_name(c));
  return out;
}

// The plan of a policy text, with no identity or secrets.
struct Planned {
  Plan plan;
  Diagnostics diag;
};

Planned plan_of(const std::string& text, PlanContext context = {},
                const std::vector<Secret>& secrets = {}) {
  Planned p;
  Policy policy = parse_policy_files({{kFile, text}}, false, p.diag);
  EXPECT_TRUE(p.diag.ok()) << p.diag.list()[0].str();
  p.plan = build_plan(policy, Identity{}, secrets, context, p.diag);
  return p;
}

// --- order_mounts --------------------------------------------------------------------------

TEST(OrderMounts, ParentsComeBeforeChildren) {
  Diagnostics diag;
  auto out = order_mounts(
      {entry(MountKind::kReadOnly, "/usr/lib"), entry(MountKind::kReadOnly, "/usr-local"),
       entry(MountKind::kReadOnly, "/usr"), entry(MountKind::kReadOnly, "/")},
      diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_EQ(targets(out), (Strings{"/", "/usr", "/usr/lib", "/usr-local"}));
}

TEST(OrderMounts, DeeperTreeStaysAfterItsParentWhateverTheInputOrder) {
  Diagnostics diag;
  auto out = order_mounts({entry(MountKind::kTmpfs, "/a/b/c"), entry(MountKind::kTmpfs, "/b"),
                           entry(MountKind::kTmpfs, "/a/b"), entry(MountKind::kTmpfs, "/a")},
                          diag);
  EXPECT_EQ(targets(out), (Strings{"/a", "/a/b", "/a/b/c", "/b"}));
}

struct MergeCase {
  const char* name;
  MountKind first;
  MountKind second;
  MountKind winner;
};

class MergeTest : public ::testing::TestWithParam<MergeCase> {};

TEST_P(MergeTest, MostRestrictiveWinsInEitherOrder) {
  const MergeCase& c = GetParam();
  for (bool swap : {false, true}) {
    Diagnostics diag;
    std::vector<MountEntry> in = {entry(c.first, "/srv", 1), entry(c.second, "/srv", 2)};
    if (swap) std::swap(in[0], in[1]);
    auto out = order_mounts(in, diag);
    EXPECT_TRUE(diag.ok());
    ASSERT_TRUE(has_size(out, 1));
    EXPECT_EQ(out[0].kind, c.winner) << "swapped: " << swap;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ranks, MergeTest,
    ::testing::Values(
        MergeCase{"inaccessible_over_mask", MountKind::kInaccessible, MountKind::kMask,
                  MountKind::kInaccessible},
        MergeCase{"inaccessible_over_read_only", MountKind::kInaccessible, MountKind::kReadOnly,
                  MountKind::kInaccessible},
        MergeCase{"inaccessible_over_read_write", MountKind::kInaccessible, MountKind::kReadWrite,
                  MountKind::kInaccessible},
        MergeCase{"mask_over_read_only", MountKind::kMask, MountKind::kReadOnly, MountKind::kMask},
        MergeCase{"mask_over_read_write", MountKind::kMask, MountKind::kReadWrite,
                  MountKind::kMask},
        MergeCase{"read_only_over_read_write", MountKind::kReadOnly, MountKind::kReadWrite,
                  MountKind::kReadOnly},
        MergeCase{"mask_over_tmpfs", MountKind::kMask, MountKind::kTmpfs, MountKind::kMask},
        MergeCase{"inaccessible_over_bind", MountKind::kInaccessible, MountKind::kBind,
                  MountKind::kInaccessible}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(OrderMounts, SameKindTwiceIsMergedIntoOne) {
  Diagnostics diag;
  auto out = order_mounts(
      {entry(MountKind::kReadOnly, "/srv", 1), entry(MountKind::kReadOnly, "/srv", 2)}, diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_TRUE(has_size(out, 1));
}

TEST(OrderMounts, MergedEntryIsOptionalOnlyWhenAllAre) {
  Diagnostics diag;
  MountEntry optional = entry(MountKind::kReadOnly, "/srv");
  optional.optional = true;
  auto out = order_mounts({optional, entry(MountKind::kReadOnly, "/srv")}, diag);
  ASSERT_TRUE(has_size(out, 1));
  EXPECT_FALSE(out[0].optional);
}

TEST(OrderMounts, ReadOnlyOnABindMakesTheBindReadOnly) {
  Diagnostics diag;
  auto out = order_mounts({bind("/data", "/srv"), entry(MountKind::kReadOnly, "/srv")}, diag);
  EXPECT_TRUE(diag.ok());
  ASSERT_TRUE(has_size(out, 1));
  EXPECT_EQ(out[0].kind, MountKind::kBind);
  EXPECT_TRUE(out[0].read_only);
}

TEST(OrderMounts, ReadWriteOnATmpfsKeepsItWritable) {
  Diagnostics diag;
  auto out =
      order_mounts({entry(MountKind::kTmpfs, "/srv"), entry(MountKind::kReadWrite, "/srv")}, diag);
  ASSERT_TRUE(has_size(out, 1));
  EXPECT_EQ(out[0].kind, MountKind::kTmpfs);
  EXPECT_FALSE(out[0].read_only);
}

TEST(OrderMounts, ChildrenOfAMaskedPathAreDropped) {
  Diagnostics diag;
  auto out =
      order_mounts({entry(MountKind::kMask, "/srv"), bind("/data", "/srv/data"),
                    entry(MountKind::kReadOnly, "/srv/a/b"), entry(MountKind::kReadOnly, "/srv2")},
                   diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_EQ(targets(out), (Strings{"/srv", "/srv2"}));
}

TEST(OrderMounts, ChildrenOfAnInaccessiblePathAreDropped) {
  Diagnostics diag;
  auto out = order_mounts(
      {entry(MountKind::kTmpfs, "/home/u/tmp"), entry(MountKind::kInaccessible, "/home"),
       entry(MountKind::kReadWrite, "/home/u")},
      diag);
  EXPECT_EQ(targets(out), (Strings{"/home"}));
}

TEST(OrderMounts, ChildrenOfAReadOnlyPathAreKept) {
  Diagnostics diag;
  auto out = order_mounts(
      {entry(MountKind::kReadOnly, "/srv"), entry(MountKind::kReadWrite, "/srv/data")}, diag);
  EXPECT_EQ(targets(out), (Strings{"/srv", "/srv/data"}));
}

TEST(OrderMounts, BindAndTmpfsAtTheSameTargetConflict) {
  Diagnostics diag;
  auto out = order_mounts({bind("/data", "/srv", 4), entry(MountKind::kTmpfs, "/srv", 7)}, diag);
  ASSERT_TRUE(has_size(diag.list(), 1));
  EXPECT_EQ(diag.list()[0].origin.line, 7);
  EXPECT_TRUE(has_substr(diag.list()[0].str(), kFile + ":7: error: "));
  EXPECT_TRUE(has_substr(diag.list()[0].str(), kFile + ":4"));
  EXPECT_TRUE(has_substr(diag.list()[0].str(), "/srv"));
  EXPECT_EQ(diag.exit_code(), kExitConfig);
}

TEST(OrderMounts, TwoBindsWithDifferentSourcesConflict) {
  Diagnostics diag;
  order_mounts({bind("/a", "/srv", 2), bind("/b", "/srv", 3)}, diag);
  ASSERT_TRUE(has_size(diag.list(), 1));
  EXPECT_TRUE(has_substr(diag.list()[0].str(), kFile + ":3: error: "));
  EXPECT_TRUE(has_substr(diag.list()[0].str(), kFile + ":2"));
}

TEST(OrderMounts, TwoIdenticalBindsAreMerged) {
  Diagnostics diag;
  auto out = order_mounts({bind("/a", "/srv", 2), bind("/a", "/srv", 3)}, diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_TRUE(has_size(out, 1));
}

TEST(OrderMounts, ExplicitEntryReplacesAnImplicitOne) {
  Diagnostics diag;
  MountEntry implicit_tmp = entry(MountKind::kTmpfs, "/tmp");
  implicit_tmp.implicit = true;
  implicit_tmp.options = "mode=1777";
  MountEntry explicit_tmp = entry(MountKind::kTmpfs, "/tmp", 9);
  explicit_tmp.options = "mode=0755,size=1024";
  auto out = order_mounts({implicit_tmp, explicit_tmp}, diag);
  EXPECT_TRUE(diag.ok());
  ASSERT_TRUE(has_size(out, 1));
  EXPECT_EQ(out[0].options, "mode=0755,size=1024");
  EXPECT_FALSE(out[0].implicit);
}

TEST(OrderMounts, WritableEntriesBelowAReadOnlyTreeAreItsHoles) {
  Diagnostics diag;
  MountEntry ro_tmpfs = entry(MountKind::kTmpfs, "/srv/ro");
  ro_tmpfs.read_only = true;
  MountEntry ro_bind = bind("/data", "/opt");
  ro_bind.read_only = true;
  auto out = order_mounts(
      {entry(MountKind::kReadOnly, "/"), entry(MountKind::kReadWrite, "/var"),
       entry(MountKind::kTmpfs, "/var/tmp"), entry(MountKind::kTmpfs, "/srv"), ro_tmpfs, ro_bind,
       bind("/data", "/mnt"), entry(MountKind::kMask, "/proc/loadavg")},
      diag);
  EXPECT_TRUE(diag.ok());
  // /var/tmp lies in the /var hole already; read-only mounts and masks are no holes.
  EXPECT_EQ(sorted(hole_targets(out, "/")), sorted(Strings{"/mnt", "/srv", "/var"}));
}

TEST(OrderMounts, NestedReadOnlyTreeHasItsOwnHoles) {
  Diagnostics diag;
  auto out =
      order_mounts({entry(MountKind::kReadOnly, "/var"), entry(MountKind::kReadOnly, "/var/lib"),
                    entry(MountKind::kReadWrite, "/var/lib/app")},
                   diag);
  EXPECT_EQ(hole_targets(out, "/var/lib"), (Strings{"/var/lib/app"}));
}

// --- build_plan: mounts --------------------------------------------------------------------

TEST(BuildPlan, ExplicitTmpfsOnTmpReplacesPrivateTmp) {
  auto p = plan_of("[filesystem]\ntmpfs = /tmp:size=64m\n");
  EXPECT_TRUE(p.diag.ok());
  auto tmps = std::count_if(p.plan.mounts.begin(), p.plan.mounts.end(),
                            [](const MountEntry& m) { return m.target == "/tmp"; });
  EXPECT_EQ(tmps, 1);
  const MountEntry* tmp = find(p.plan.mounts, "/tmp");
  ASSERT_NE(tmp, nullptr);
  EXPECT_FALSE(tmp->implicit);
  EXPECT_TRUE(has_substr(tmp->options, "size=67108864"));
  EXPECT_EQ(tmp->origin.line, 2);
  // /var/tmp keeps private_tmp's tmpfs.
  ASSERT_NE(find(p.plan.mounts, "/var/tmp"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/var/tmp")->options, "mode=1777");
}

// --- build_plan: each mount's attributes and options, decided once -------------------------

TEST(MountAttributes, EveryEstablishedMountIsNosuidAndNamesItsFlags) {
  auto p = plan_of(
      "[filesystem]\ntmpfs = /srv:noexec,size=1m /opt:ro\nbind = /data:/mnt:ro\n"
      "mask = /etc/motd\ninaccessible = /home\nprotect_proc = invisible\n");
  ASSERT_TRUE(p.diag.ok());
  auto flags = [&](const std::string& target) {
    const MountEntry* e = find(p.plan.mounts, target);
    return e ? mount_flags_text(*e) : std::string("<none>");
  };
  EXPECT_EQ(flags("/srv"), "rw,nosuid,nodev,noexec");
  EXPECT_EQ(flags("/opt"), "ro,nosuid,nodev");
  EXPECT_EQ(flags("/mnt"), "ro,nosuid,nodev");
  // A mask is sealed like every other mount of the sandbox's own (its empty tmpfs over a
  // directory); /dev/null over a file must stay readable: no nodev there.
  EXPECT_EQ(flags("/etc/motd"), "ro,nosuid,nodev,noexec");
  EXPECT_EQ(attrs_over_file(*find(p.plan.mounts, "/etc/motd")).str(), "ro,nosuid,noexec");
  EXPECT_EQ(attrs_over_file(*find(p.plan.mounts, "/home")), find(p.plan.mounts, "/home")->attrs);
  EXPECT_EQ(flags("/home"), "ro,nosuid,nodev,noexec");
  EXPECT_EQ(flags("/proc"), "rw,nosuid,nodev,noexec");
  EXPECT_EQ(find(p.plan.mounts, "/proc")->options, "hidepid=invisible");
  // The private /dev is read-only once its mount points exist; its own mounts are listed.
  const MountEntry* dev = find(p.plan.mounts, "/dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(mount_flags_text(*dev), "ro,nosuid,noexec");
  EXPECT_EQ(dev->options, "mode=0755,size=4m");
  Strings subs;
  for (const auto& s : dev->submounts)
    subs.push_back(s.name + " " + s.fs_type + " " + s.attrs.str());
  EXPECT_EQ(subs, (Strings{"null node ro,nosuid,noexec", "zero node ro,nosuid,noexec",
                           "full node ro,nosuid,noexec", "random node ro,nosuid,noexec",
                           "urandom node ro,nosuid,noexec", "tty node ro,nosuid,noexec",
                           "pts devpts rw,nosuid,noexec", "shm tmpfs rw,nosuid,nodev"}));
  EXPECT_EQ(flags("/usr"), "ro,recursive");
}

TEST(MountAttributes, ReadOnlyDevMakesItsPtsAndShmReadOnly) {
  auto p = plan_of("[filesystem]\nread_only = /dev\n");
  const MountEntry* dev = find(p.plan.mounts, "/dev");
  ASSERT_NE(dev, nullptr);
  for (const auto& s : dev->submounts) EXPECT_TRUE(s.attrs.read_only) << s.name;
}

// ... but for one that a read_write entry keeps writable, as below any read-only tree.
TEST(MountAttributes, ReadWriteKeepsTheDevsShmWritableUnderReadOnlyDev) {
  auto p = plan_of("[filesystem]\nread_only = /dev\nread_write = /dev/shm\n");
  const MountEntry* dev = find(p.plan.mounts, "/dev");
  ASSERT_NE(dev, nullptr);
  for (const auto& s : dev->submounts) EXPECT_EQ(s.attrs.read_only, s.name != "shm") << s.name;
}

TEST(MountAttributes, DeviceBindIsNotNodev) {
  std::vector<MountEntry> m(1);
  m[0].kind = MountKind::kBind;
  m[0].device = true;
  decide_mount_attributes(m, 0, 0, 0, 0);
  EXPECT_EQ(m[0].attrs.str(), "rw,nosuid");
}

TEST(MountAttributes, SecretsTmpfsOptionsFollowOwnerAndSize) {
  std::vector<MountEntry> m(1);
  m[0].kind = MountKind::kSecrets;
  decide_mount_attributes(m, 33, 34, 2, 100);
  EXPECT_EQ(m[0].attrs.str(), "ro,nosuid,nodev,noexec");
  EXPECT_EQ(m[0].options, "mode=0500,uid=33,gid=34,size=73828,nr_inodes=18");
}

TEST(Mountinfo, LinesParseWithoutThrowing) {
  auto m = parse_mountinfo_line(
      "36 35 98:0 / /mnt/a\\040b rw,nosuid,noexec,relatime shared:1 - tmpfs none rw,mode=755");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->point, "/mnt/a b");
  EXPECT_FALSE(m->read_only);
  EXPECT_TRUE(m->nosuid);
  EXPECT_FALSE(m->nodev);
  EXPECT_TRUE(m->noexec);
  EXPECT_EQ(m->fs_type, "tmpfs");
  EXPECT_EQ(m->super_options, (std::vector<std::string>{"rw", "mode=755"}));
  // A bad escape is kept as written, a short line is no line: never std::stoi's exception.
  auto bad = parse_mountinfo_line("1 2 3:4 / /x\\9zz ro - tmpfs none ro");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->point, "/x\\9zz");
  EXPECT_TRUE(bad->read_only);
  EXPECT_FALSE(parse_mountinfo_line("1 2").has_value());
}

TEST(BuildPlan, ConflictingExplicitMountsNameBothLines) {
  auto p = plan_of("[filesystem]\nbind = /data:/srv\n\ntmpfs = /srv\n");
  ASSERT_TRUE(has_size(p.diag.list(), 1));
  EXPECT_TRUE(starts_with(p.diag.list()[0].str(), kFile + ":"));
  EXPECT_TRUE(has_substr(p.diag.list()[0].str(), kFile + ":2"));
  EXPECT_TRUE(has_substr(p.diag.list()[0].str(), kFile + ":4"));
  EXPECT_EQ(p.diag.exit_code(), kExitConfig);
}

TEST(BuildPlan, ReadOnlyRootKeepsReadWriteAndTmpfsWritable) {
  auto p = plan_of("[filesystem]\nread_only = /\nread_write = /var\ntmpfs = /srv\n");
  EXPECT_TRUE(p.diag.ok());
  auto holes = hole_targets(p.plan.mounts, "/");
  EXPECT_TRUE(contains(holes, "/var"));
  EXPECT_TRUE(contains(holes, "/srv"));
  EXPECT_TRUE(contains(holes, "/tmp"));
  EXPECT_FALSE(contains(holes, "/var/tmp"));  // inside the /var hole
  EXPECT_FALSE(contains(holes, "/usr"));
}

TEST(BuildPlan, ReadOnlyRootLeavesSysReadOnly) {
  auto p = plan_of("[filesystem]\nread_only = /\n");
  const MountEntry* sys = find(p.plan.mounts, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->kind, MountKind::kReadOnly);
  EXPECT_FALSE(contains(hole_targets(p.plan.mounts, "/"), "/sys"));
}

TEST(BuildPlan, MountsAreParentsFirst) {
  auto p = plan_of("[filesystem]\nread_only = / /var\nread_write = /var/lib\ntmpfs = /run\n");
  for (size_t i = 0; i < p.plan.mounts.size(); ++i)
    for (size_t j = i + 1; j < p.plan.mounts.size(); ++j)
      EXPECT_FALSE(path_is_under(p.plan.mounts[i].target, p.plan.mounts[j].target) &&
                   p.plan.mounts[i].target != p.plan.mounts[j].target)
          << p.plan.mounts[i].target << " comes before its parent " << p.plan.mounts[j].target;
}

TEST(BuildPlan, TmpfsOptionsReachTheMount) {
  auto p = plan_of("[filesystem]\ntmpfs = /run:mode=0700,size=1k,uid=1,gid=2,noexec,ro\n");
  const MountEntry* run = find(p.plan.mounts, "/run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->kind, MountKind::kTmpfs);
  EXPECT_EQ(run->options, "mode=0700,size=1024,uid=1,gid=2");
  EXPECT_TRUE(run->noexec);
  EXPECT_TRUE(run->read_only);
}

TEST(BuildPlan, BindKeepsSourceAndFlags) {
  auto p = plan_of("[filesystem]\nbind = -/data:/srv:ro\n");
  const MountEntry* srv = find(p.plan.mounts, "/srv");
  ASSERT_NE(srv, nullptr);
  EXPECT_EQ(srv->kind, MountKind::kBind);
  EXPECT_EQ(srv->source, "/data");
  EXPECT_TRUE(srv->read_only);
  EXPECT_TRUE(srv->optional);
}

TEST(BuildPlan, ProtectProcInvisibleMountsAFreshProc) {
  auto p = plan_of("[filesystem]\nprotect_proc = invisible\nproc_subset = pid\n");
  const MountEntry* proc = find(p.plan.mounts, "/proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->kind, MountKind::kProc);
  EXPECT_EQ(proc->options, "hidepid=invisible,subset=pid");
}

TEST(BuildPlan, PidNamespaceMountsAFreshProc) {
  auto p = plan_of("[namespaces]\npid = yes\n");
  EXPECT_TRUE(p.plan.ns_pid);
  ASSERT_NE(find(p.plan.mounts, "/proc"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/proc")->kind, MountKind::kProc);
}

TEST(BuildPlan, NewRootAddsProcDevAndSys) {
  auto p = plan_of("[filesystem]\nroot = /srv/jail\n");
  EXPECT_EQ(p.plan.root, "/srv/jail");
  ASSERT_NE(find(p.plan.mounts, "/proc"), nullptr);
  ASSERT_NE(find(p.plan.mounts, "/dev"), nullptr);
  const MountEntry* sys = find(p.plan.mounts, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_TRUE(sys->read_only || sys->kind == MountKind::kReadOnly);
}

TEST(BuildPlan, PrivateTmpNoLeavesTmpAlone) {
  auto p = plan_of("[filesystem]\nprivate_tmp = no\n");
  EXPECT_EQ(find(p.plan.mounts, "/tmp"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/var/tmp"), nullptr);
}

TEST(BuildPlan, PrivateDevNoLeavesDevAlone) {
  auto p = plan_of("[filesystem]\nprivate_dev = no\n");
  const MountEntry* dev = find(p.plan.mounts, "/dev");
  EXPECT_TRUE(dev == nullptr || dev->kind != MountKind::kPrivateDev);
}

TEST(BuildPlan, ProtectKernelMakesProcSysAndSysReadOnly) {
  auto p = plan_of("");
  for (const char* path : {"/proc/sys", "/sys"}) {
    const MountEntry* e = find(p.plan.mounts, path);
    ASSERT_NE(e, nullptr) << path;
    EXPECT_EQ(e->kind, MountKind::kReadOnly) << path;
  }
}

TEST(BuildPlan, ProtectKernelNoLeavesProcSysAlone) {
  auto p = plan_of("[filesystem]\nprotect_kernel = no\n");
  EXPECT_EQ(find(p.plan.mounts, "/proc/sys"), nullptr);
}

TEST(BuildPlan, SecretsGetTheirTmpfsAndHideTheirSources) {
  std::vector<Secret> secrets(1);
  secrets[0].name = "tls";
  secrets[0].host_path = "/etc/ssl/private/key.pem";
  auto p = plan_of("", {}, secrets);
  const MountEntry* dir = find(p.plan.mounts, "/run/secrets");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->kind, MountKind::kSecrets);
  EXPECT_TRUE(dir->read_only);
  const MountEntry* source = find(p.plan.mounts, "/etc/ssl/private/key.pem");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->kind, MountKind::kInaccessible);
  EXPECT_EQ(p.plan.secrets_mode, 0400u);
}

TEST(BuildPlan, HideSourcesNoLeavesSourcesVisible) {
  std::vector<Secret> secrets(1);
  secrets[0].name = "tls";
  secrets[0].host_path = "/etc/ssl/private/key.pem";
  auto p = plan_of("[secrets]\nhide_sources = no\ndirectory = /run/keys\n", {}, secrets);
  EXPECT_NE(find(p.plan.mounts, "/run/keys"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/etc/ssl/private/key.pem"), nullptr);
}

TEST(BuildPlan, NoSecretsNoSecretsMount) {
  auto p = plan_of("");
  EXPECT_EQ(find(p.plan.mounts, "/run/secrets"), nullptr);
}

// --- build_plan: hiding through binds (threats.md, order-dependent hiding) -----------------

std::vector<Secret> secret_at(const std::string& host_path) {
  std::vector<Secret> v(1);
  v[0].name = "s";
  v[0].source_display = host_path;
  v[0].host_path = host_path;
  v[0].origin = Origin{kFile, 9};
  return v;
}

TEST(BuildPlanHiding, SecretSourceIsHiddenBelowEveryBindOfItsParentsWhateverTheOrder) {
  auto p =
      plan_of("[filesystem]\nbind = /m/sec:/a-before /m/sec:/z-after /m/sec/dir:/m/0 /m:/whole\n",
              {}, secret_at("/m/sec/dir/key"));
  EXPECT_TRUE(p.diag.ok());
  for (const char* place : {"/m/sec/dir/key", "/a-before/dir/key", "/z-after/dir/key", "/m/0/key",
                            "/whole/sec/dir/key"}) {
    const MountEntry* e = find(p.plan.mounts, place);
    ASSERT_NE(e, nullptr) << place;
    EXPECT_EQ(e->kind, MountKind::kInaccessible) << place;
    EXPECT_TRUE(e->optional) << place;
  }
}

TEST(BuildPlanHiding, InaccessiblePathIsHiddenBelowBindsAndABindOfItIsInaccessible) {
  auto p = plan_of(
      "[filesystem]\ninaccessible = /srv/priv\nbind = /srv:/a /srv/priv/sub:/b /srv/privacy:/c\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_NE(find(p.plan.mounts, "/a/priv"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/a/priv")->kind, MountKind::kInaccessible);
  EXPECT_EQ(find(p.plan.mounts, "/a/priv")->origin.line, 2);
  // A bind of something inside the inaccessible path would expose it: it is made inaccessible.
  ASSERT_NE(find(p.plan.mounts, "/b"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/b")->kind, MountKind::kInaccessible);
  // A sibling whose name merely starts the same is left alone.
  ASSERT_NE(find(p.plan.mounts, "/c"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/c")->kind, MountKind::kBind);
}

// A bind of the hidden source itself, or of a path inside a default's inaccessible directory:
// the bind would bring in what is hidden, so its target is hidden the same way, whatever the
// order of the two (a bind sorted before the hiding mount copies the path unhidden). The bind
// is the administrator's and the hiding a default's, but it is the bind that exposes it.
TEST(BuildPlanHiding, ABindOfAHiddenPathIsHiddenThoughTheHidingIsADefault) {
  auto p = plan_of(
      "[filesystem]\nbind = /m/key:/a-copy /m/key:/z-copy "
      "/sys/kernel/debug/tracing:/trace\n",
      {}, secret_at("/m/key"));
  EXPECT_TRUE(p.diag.ok());
  for (const char* place : {"/a-copy", "/z-copy", "/trace"}) {
    const MountEntry* e = find(p.plan.mounts, place);
    ASSERT_NE(e, nullptr) << place;
    EXPECT_EQ(e->kind, MountKind::kInaccessible) << place;
  }
  // Where a bind of the administrator's goes over a hidden path, it replaces the hiding: the
  // hidden file is covered, by what the policy asks for.
  auto q = plan_of("[filesystem]\nbind = /srv/dummy:/m/key\n", {}, secret_at("/m/key"));
  EXPECT_TRUE(q.diag.ok());
  ASSERT_NE(find(q.plan.mounts, "/m/key"), nullptr);
  EXPECT_EQ(find(q.plan.mounts, "/m/key")->kind, MountKind::kBind);
}

TEST(BuildPlanHiding, SecretsInANewRootAreHiddenOnlyWhereABindBringsThemIn) {
  auto p = plan_of("[filesystem]\nroot = /srv/r\nbind = /etc/ssl:/ssl\n", {},
                   secret_at("/etc/ssl/private/k.pem"));
  EXPECT_EQ(find(p.plan.mounts, "/etc/ssl/private/k.pem"), nullptr);
  ASSERT_NE(find(p.plan.mounts, "/ssl/private/k.pem"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/ssl/private/k.pem")->kind, MountKind::kInaccessible);
}

TEST(BuildPlanHiding, BindSourcesAreComparedAsResolved) {
  PlanContext context;
  context.look_up = [](const std::string& path) -> std::optional<HostPath> {
    if (path == "/var/run/app") return HostPath{"/run/app", false};
    return HostPath{path, false};
  };
  auto p = plan_of("[filesystem]\nbind = /var/run/app:/x\n", context, secret_at("/run/app/key"));
  ASSERT_NE(find(p.plan.mounts, "/x"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/x")->source, "/run/app");
  ASSERT_NE(find(p.plan.mounts, "/x/key"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/x/key")->kind, MountKind::kInaccessible);
}

// --- build_plan: kernel views elsewhere (threats.md) ---------------------------------------

TEST(BuildPlanKernel, BindsOfProcAndSysGetTheSameProtection) {
  auto p = plan_of("[filesystem]\nbind = /proc:/z /proc/sys:/x /sys:/y /sys/kernel:/k\n");
  EXPECT_TRUE(p.diag.ok());
  ASSERT_NE(find(p.plan.mounts, "/z/sys"), nullptr);
  EXPECT_EQ(find(p.plan.mounts, "/z/sys")->kind, MountKind::kReadOnly);
  EXPECT_EQ(find(p.plan.mounts, "/z/sysrq-trigger")->kind, MountKind::kReadOnly);
  EXPECT_EQ(find(p.plan.mounts, "/z/kcore")->kind, MountKind::kMask);
  EXPECT_EQ(find(p.plan.mounts, "/z/kallsyms")->kind, MountKind::kMask);
  for (const char* ro : {"/x", "/y", "/k"}) {
    ASSERT_NE(find(p.plan.mounts, ro), nullptr) << ro;
    EXPECT_EQ(find(p.plan.mounts, ro)->kind, MountKind::kBind) << ro;
    EXPECT_TRUE(find(p.plan.mounts, ro)->read_only) << ro;
  }
  EXPECT_EQ(find(p.plan.mounts, "/y/kernel/debug")->kind, MountKind::kInaccessible);
  EXPECT_EQ(find(p.plan.mounts, "/k/debug")->kind, MountKind::kInaccessible);
}

TEST(BuildPlanKernel, FstabProcAndSysfsElsewhereAreProtected) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{kFile, ""}}, false, diag);
  policy.fstab_mounts.push_back(FstabMount{"proc", "/p", "", false, Origin{"/f", 1}});
  policy.fstab_mounts.push_back(FstabMount{"sysfs", "/s", "", true, Origin{"/f", 2}});
  Plan plan = build_plan(policy, Identity{}, {}, {}, diag);
  EXPECT_TRUE(diag.ok());
  EXPECT_EQ(find(plan.mounts, "/p/sys")->kind, MountKind::kReadOnly);
  EXPECT_EQ(find(plan.mounts, "/p/kcore")->kind, MountKind::kMask);
  EXPECT_EQ(find(plan.mounts, "/s")->read_only, true);
  EXPECT_EQ(find(plan.mounts, "/s/kernel/debug")->kind, MountKind::kInaccessible);
}

TEST(BuildPlanKernel, NothingAddedWithoutProtectKernel) {
  auto p = plan_of("[filesystem]\nprotect_kernel = no\nbind = /proc:/z\n");
  EXPECT_EQ(find(p.plan.mounts, "/z/sys"), nullptr);
  EXPECT_FALSE(find(p.plan.mounts, "/z")->read_only);
}

// --- build_plan: what cannot be built is refused by --check (78 with file:line) ------------

std::vector<std::string> errors(const Planned& p) {
  std::vector<std::string> out;
  for (const auto& d : p.diag.list()) out.push_back(d.str());
  return out;
}

struct RefusalCase {
  const char* name;
  const char* policy;
  int line;
  const char* message;
};

class RefusalTest : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(RefusalTest, RefusedWithFileAndLine) {
  const RefusalCase& c = GetParam();
  auto p = plan_of(c.policy, {}, secret_at("/etc/k"));
  ASSERT_TRUE(has_size(errors(p), 1)) << c.policy;
  EXPECT_TRUE(starts_with(errors(p)[0], kFile + ":" + std::to_string(c.line) + ": error: "));
  EXPECT_TRUE(has_substr(errors(p)[0], c.message));
  EXPECT_EQ(p.diag.exit_code(), kExitConfig);
}

INSTANTIATE_TEST_SUITE_P(
    Unbuildable, RefusalTest,
    ::testing::Values(
        RefusalCase{"TmpfsOnRoot", "[filesystem]\ntmpfs = /\n", 2, "cannot mount over \"/\""},
        RefusalCase{"MaskOnRoot", "[filesystem]\nmask = /\n", 2, "cannot mount over \"/\""},
        RefusalCase{"InaccessibleRoot", "[filesystem]\ninaccessible = /\n", 2,
                    "cannot mount over \"/\""},
        RefusalCase{"BindOnRoot", "[filesystem]\nbind = /srv:/\n", 2, "cannot mount over \"/\""},
        RefusalCase{"BindOverProc", "[filesystem]\nbind = /srv:/proc\n", 2,
                    "cannot mount over /proc or below it"},
        RefusalCase{"BindBelowProc", "[filesystem]\nbind = /dev/null:/proc/cpuinfo\n", 2,
                    "cannot mount over /proc or below it"},
        RefusalCase{"TmpfsBelowProc", "[filesystem]\ntmpfs = /proc/sys/fs/binfmt_misc\n", 2,
                    "cannot mount over /proc or below it"},
        RefusalCase{"SecretsDirectoryOverProc", "[secrets]\ndirectory = /proc/s\nk = /etc/k\n", 2,
                    "cannot mount over /proc or below it"},
        RefusalCase{"BindOverPrivateDev", "[filesystem]\nbind = /dev:/dev\n", 2,
                    "would replace the private /dev"},
        RefusalCase{"TmpfsOverPrivateDev", "[filesystem]\ntmpfs = /dev\n", 2,
                    "would replace the private /dev"},
        RefusalCase{"MountPointInsideSecrets",
                    "[secrets]\ndirectory = /run/s\nk = /etc/k\n[filesystem]\ntmpfs = /run/s/t\n",
                    5, "no mount point can be created inside the secrets on /run/s"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(BuildPlanRefuses, BindOverDevIsFineWithoutPrivateDev) {
  auto p = plan_of("[filesystem]\nprivate_dev = no\nbind = /dev:/dev\n");
  EXPECT_TRUE(p.diag.ok());
}

TEST(BuildPlanRefuses, MountPointInsideAFstabProcfs) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{kFile, "[filesystem]\ntmpfs = /p/x\n"}}, false, diag);
  policy.fstab_mounts.push_back(FstabMount{"proc", "/p", "", false, Origin{"/f", 3}});
  build_plan(policy, Identity{}, {}, {}, diag);
  ASSERT_TRUE(has_size(diag.list(), 1));
  EXPECT_TRUE(has_substr(diag.list()[0].str(), kFile +
                                                   ":2: error: tmpfs on /p/x: no mount point "
                                                   "can be created inside the proc on /p (/f:3)"));
}

TEST(BuildPlanRefuses, MountPointMissingFromAReadOnlyBindsSource) {
  PlanContext context;
  context.look_up = [](const std::string& path) -> std::optional<HostPath> {
    if (path == "/srv/data/missing" || path == "/srv/data/optional" ||
        path == "/srv/data/skipped" || path == "/srv/none")
      return std::nullopt;
    return HostPath{path, false};
  };
  // The "-" of a bind makes its source optional, not its mount point (BindPaths=-): one whose
  // source is there needs its mount point; one whose source is missing is skipped.
  auto p = plan_of(
      "[filesystem]\nbind = /srv/data:/data:ro\ntmpfs = /data/cache\ntmpfs = /data/missing\n"
      "bind = -/srv/x:/data/optional\nbind = -/srv/none:/data/skipped\n",
      context);
  ASSERT_TRUE(has_size(errors(p), 2));
  EXPECT_TRUE(has_substr(errors(p)[0], kFile + ":4: error: tmpfs on /data/missing: the mount "
                                               "point would have to be created as "
                                               "/srv/data/missing, inside the read-only bind"));
  EXPECT_TRUE(has_substr(errors(p)[1], kFile + ":5: error: bind on /data/optional: the mount "
                                               "point would have to be created as "
                                               "/srv/data/optional, inside the read-only bind"));
}

TEST(BuildPlanRefuses, MountPointsBelowPrivateDevAndReadOnlyTmpfsAreFine) {
  auto p = plan_of("[filesystem]\nbind = /dev/kmsg:/dev/kmsg\ntmpfs = /r:ro\ntmpfs = /r/sub\n");
  EXPECT_TRUE(p.diag.ok());
}

// --- build_plan: a hostile policy size (threats.md): the plan's result on a big policy -----

TEST(BuildPlanSize, TwentyThousandEntriesKeepTheirHolesAndCovers) {
  std::string text = "[filesystem]\nread_only = /srv\n";
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    std::string d = "/srv/d" + std::to_string(i);
    text += "read_write = " + d + "/w\n";
    text += "tmpfs = " + d + "/w/t\n";  // nested in the hole: not a hole of /srv itself
    text += "inaccessible = " + d + "/x\n";
    text += "bind = /h/" + std::to_string(i) + ":" + d + "/x/b\n";  // covered: dropped
  }
  auto p = plan_of(text);
  ASSERT_TRUE(p.diag.ok()) << errors(p)[0];
  auto holes = hole_targets(p.plan.mounts, "/srv");
  EXPECT_TRUE(has_size(holes, n));
  EXPECT_TRUE(contains(holes, "/srv/d4999/w"));
  EXPECT_FALSE(contains(holes, "/srv/d0/w/t"));
  EXPECT_EQ(find(p.plan.mounts, "/srv/d0/x/b"), nullptr);
  EXPECT_NE(find(p.plan.mounts, "/srv/d0/w/t"), nullptr);
}

// --- build_plan: the baseline of an empty policy (contract §5) -------------------------------

class BaselinePlan : public ::testing::Test {
 protected:
  void SetUp() override { planned_ = plan_of(""); }
  const Plan& plan() const { return planned_.plan; }
  const MountEntry& mount(const std::string& target) const {
    const MountEntry* e = find(plan().mounts, target);
    EXPECT_NE(e, nullptr) << target;
    static const MountEntry kNone{};
    return e ? *e : kNone;
  }

 protected:
  Planned planned_;
};

TEST_F(BaselinePlan, IsValid) { EXPECT_TRUE(planned_.diag.ok()); }

TEST_F(BaselinePlan, UsrAndEtcAreReadOnly) {
  EXPECT_EQ(mount("/usr").kind, MountKind::kReadOnly);
  EXPECT_EQ(mount("/etc").kind, MountKind::kReadOnly);
  EXPECT_FALSE(mount("/usr").optional);
}

TEST_F(BaselinePlan, TmpAndVarTmpArePrivateTmpfs) {
  for (const char* t : {"/tmp", "/var/tmp"}) {
    EXPECT_EQ(mount(t).kind, MountKind::kTmpfs) << t;
    EXPECT_EQ(mount(t).options, "mode=1777") << t;
    EXPECT_FALSE(mount(t).read_only) << t;
  }
}

TEST_F(BaselinePlan, ProcLoadavgIsMasked) {
  EXPECT_EQ(mount("/proc/loadavg").kind, MountKind::kMask);
  EXPECT_TRUE(mount("/proc/loadavg").read_only);
}

TEST_F(BaselinePlan, DevIsPrivate) { EXPECT_EQ(mount("/dev").kind, MountKind::kPrivateDev); }

TEST_F(BaselinePlan, NoFreshProcAndNoRootChange) {
  EXPECT_EQ(plan().root, "/");
  const MountEntry* proc = find(plan().mounts, "/proc");
  EXPECT_TRUE(proc == nullptr || proc->kind != MountKind::kProc);
}

// The seventeen of the default drop list, and the two that restrict_suid_sgid drops.
TEST_F(BaselinePlan, DropsTheDefaultListAndSetfcapFsetid) {
  EXPECT_EQ(
      sorted(cap_names(plan().caps.dropped)),
      sorted(Strings{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
                     "CAP_SYS_BOOT", "CAP_SYS_TIME", "CAP_MKNOD", "CAP_MAC_ADMIN",
                     "CAP_DAC_READ_SEARCH", "CAP_MAC_OVERRIDE", "CAP_AUDIT_CONTROL",
                     "CAP_LINUX_IMMUTABLE", "CAP_BPF", "CAP_PERFMON", "CAP_SYSLOG", "CAP_SYS_PACCT",
                     "CAP_CHECKPOINT_RESTORE", "CAP_SETFCAP", "CAP_FSETID"}));
  EXPECT_TRUE(std::is_sorted(plan().caps.dropped.begin(), plan().caps.dropped.end()));
}

TEST_F(BaselinePlan, BoundingSetIsEveryOtherCapability) {
  EXPECT_EQ(plan().caps.bounding.size() + plan().caps.dropped.size(),
            static_cast<size_t>(last_capability() + 1));
  EXPECT_TRUE(contains(plan().caps.bounding, CAP_NET_BIND_SERVICE));
  EXPECT_FALSE(contains(plan().caps.bounding, CAP_SYS_ADMIN));
  EXPECT_TRUE(is_empty(plan().caps.ambient));
}

TEST_F(BaselinePlan, NoNewPrivileges) { EXPECT_TRUE(plan().no_new_privileges); }

TEST_F(BaselinePlan, SeccompDeniesTheDefaultGroupsNativeOnly) {
  const SeccompPlan& sc = plan().seccomp;
  EXPECT_TRUE(sc.enabled);
  EXPECT_FALSE(sc.allow_list);
  EXPECT_EQ(sc.action, SeccompAction::kErrno);
  EXPECT_TRUE(sc.native_only);
  EXPECT_EQ(sc.groups, (Strings{"@mount", "@module", "@reboot", "@swap", "@raw-io", "@clock",
                                "@debug", "@obsolete", "@cpu-emulation", "@keyring"}));
  EXPECT_TRUE(contains(sc.syscalls, "open_by_handle_at"));
  EXPECT_TRUE(contains(sc.syscalls, "keyctl"));
  EXPECT_EQ(sc.namespaces_allowed, 0ul);
  EXPECT_TRUE(sc.restricts_namespaces());
  EXPECT_TRUE(sc.restrict_suid_sgid);
  EXPECT_TRUE(sc.lock_personality);
  EXPECT_TRUE(sc.restrict_realtime);
  for (const char* call : {"mount", "umount2", "pivot_root", "init_module", "reboot", "swapon",
                           "ioperm", "settimeofday", "ptrace", "modify_ldt"})
    EXPECT_TRUE(contains(sc.syscalls, call));
  EXPECT_FALSE(contains(sc.syscalls, "read"));
  EXPECT_TRUE(std::is_sorted(sc.syscalls.begin(), sc.syscalls.end()));
}

TEST_F(BaselinePlan, OnlyTheMountNamespace) {
  EXPECT_FALSE(plan().ns_pid);
  EXPECT_FALSE(plan().ns_net);
  EXPECT_FALSE(plan().ns_ipc);
  EXPECT_FALSE(plan().ns_uts);
  EXPECT_FALSE(plan().ns_cgroup);
  EXPECT_FALSE(plan().ns_user);
  EXPECT_FALSE(plan().hostname.has_value());
  EXPECT_EQ(plan().propagation, Propagation::kSlave);
  for (const auto& e : plan().mounts) {
    EXPECT_NE(e.kind, MountKind::kCgroup) << e.target;
    EXPECT_NE(e.kind, MountKind::kSysfs) << e.target;
  }
}

// --- build_plan: namespaces ----------------------------------------------------------------

const MountEntry* mount_at(const Plan& plan, const std::string& target) {
  for (const auto& e : plan.mounts)
    if (e.target == target) return &e;
  return nullptr;
}

TEST(BuildPlanNamespaces, NetMountsAFreshReadOnlySysfsAndKeepsTheHostCgroupTree) {
  auto p = plan_of("[namespaces]\nnet = yes\n");
  const MountEntry* sys = mount_at(p.plan, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->kind, MountKind::kSysfs);
  EXPECT_TRUE(sys->read_only);
  EXPECT_FALSE(sys->optional);
  EXPECT_EQ(sys->origin.line, 2);
  const MountEntry* cg = mount_at(p.plan, "/sys/fs/cgroup");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->kind, MountKind::kBind);
  EXPECT_EQ(cg->source, "/sys/fs/cgroup");
  EXPECT_TRUE(cg->read_only);
  EXPECT_TRUE(cg->optional);
}

TEST(BuildPlanNamespaces, NetWithoutProtectKernelStillHasAReadOnlySysfs) {
  auto p = plan_of("[filesystem]\nprotect_kernel = no\n[namespaces]\nnet = yes\n");
  const MountEntry* sys = mount_at(p.plan, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->kind, MountKind::kSysfs);
  EXPECT_TRUE(sys->read_only);
}

TEST(BuildPlanNamespaces, CgroupMountsItsOwnReadOnlyHierarchy) {
  auto p = plan_of("[namespaces]\ncgroup = yes\n");
  EXPECT_TRUE(p.plan.ns_cgroup);
  const MountEntry* cg = mount_at(p.plan, "/sys/fs/cgroup");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->kind, MountKind::kCgroup);
  EXPECT_TRUE(cg->read_only);
  EXPECT_FALSE(cg->optional);
  const MountEntry* sys = mount_at(p.plan, "/sys");  // the host's sysfs, made read-only
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->kind, MountKind::kReadOnly);
  EXPECT_STREQ(mount_kind_name(MountKind::kCgroup), "cgroup2");
}

TEST(BuildPlanNamespaces, CgroupWithNetReplacesTheHostCgroupTree) {
  auto p = plan_of("[namespaces]\ncgroup = yes\nnet = yes\n");
  const MountEntry* cg = mount_at(p.plan, "/sys/fs/cgroup");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->kind, MountKind::kCgroup);
  size_t sys_before = 0, cg_at = 0;
  for (size_t i = 0; i < p.plan.mounts.size(); ++i) {
    if (p.plan.mounts[i].target == "/sys") sys_before = i;
    if (p.plan.mounts[i].target == "/sys/fs/cgroup") cg_at = i;
  }
  EXPECT_LT(sys_before, cg_at);
}

TEST(BuildPlanNamespaces, CgroupInANewRootIsOptional) {
  auto p = plan_of("[filesystem]\nroot = /srv/root\n[namespaces]\ncgroup = yes\n");
  const MountEntry* cg = mount_at(p.plan, "/sys/fs/cgroup");
  ASSERT_NE(cg, nullptr);
  EXPECT_TRUE(cg->optional);
}

TEST(BuildPlanNamespaces, UserNamespaceChangesNoMount) {
  auto with = plan_of("[namespaces]\nuser = yes\n");
  auto without = plan_of("");
  EXPECT_TRUE(with.plan.ns_user);
  ASSERT_EQ(with.plan.mounts.size(), without.plan.mounts.size());
}

TEST(UserNamespaceMap, RootAloneOrRootAndTheService) {
  EXPECT_EQ(user_namespace_map(0, 0), "0 0 1\n");
  EXPECT_EQ(user_namespace_map(0, 4242), "0 0 1\n4242 4242 1\n");
  EXPECT_EQ(user_namespace_map(0, 65534), "0 0 1\n65534 65534 1\n");
}

TEST_F(BaselinePlan, ProcessDefaults) {
  EXPECT_EQ(plan().working_directory, "/");
  EXPECT_TRUE(plan().new_session);
  EXPECT_EQ(plan().umask, 0022u);
  EXPECT_EQ(plan().notify, NotifyMode::kNone);
  EXPECT_FALSE(plan().identity.change);
  EXPECT_TRUE(is_empty(plan().argv));
  EXPECT_TRUE(is_empty(plan().env_set));
}

// --- build_plan: capabilities --------------------------------------------------------------

// The bounding set becomes exactly the keep list: a kept capability that the default drop list
// names is lifted from it (an explicit drop line of it is an error, policy_test.cc).
TEST(BuildPlanCapabilities, KeepIsExactAndLiftsTheDefaultDrop) {
  auto p = plan_of("[capabilities]\nkeep = CAP_NET_BIND_SERVICE CAP_SYS_TIME CAP_CHOWN\n");
  EXPECT_EQ(p.plan.caps.bounding,
            (std::vector<int>{CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_SYS_TIME}));
  EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_SYS_ADMIN));
  EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_KILL));
}

TEST(BuildPlanCapabilities, KeepNoneEmptiesTheBoundingSet) {
  auto p = plan_of("[capabilities]\nkeep = none\n");
  EXPECT_TRUE(is_empty(p.plan.caps.bounding));
  EXPECT_EQ(p.plan.caps.dropped.size(), static_cast<size_t>(last_capability() + 1));
}

TEST(BuildPlanCapabilities, AmbientLiftsTheDefaultDrop) {
  auto p = plan_of("[capabilities]\nambient = CAP_SYS_TIME\n");
  EXPECT_TRUE(contains(p.plan.caps.bounding, CAP_SYS_TIME));
  EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_SYS_ADMIN));
}

TEST(BuildPlanCapabilities, EmptyDropKeepsEverything) {
  auto p = plan_of("[capabilities]\ndrop =\n[seccomp]\nrestrict_suid_sgid = no\n");
  EXPECT_TRUE(is_empty(p.plan.caps.dropped));
  EXPECT_EQ(p.plan.caps.bounding.size(), static_cast<size_t>(last_capability() + 1));
}

// File capabilities and a set-user-ID bit kept through a write: restrict_suid_sgid's other
// half, whatever drop and keep say.
TEST(BuildPlanCapabilities, RestrictSuidSgidDropsSetfcapAndFsetid) {
  for (const char* text : {"[capabilities]\ndrop =\n", "[capabilities]\nkeep = CAP_CHOWN\n"}) {
    auto p = plan_of(text);
    EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_SETFCAP)) << text;
    EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_FSETID)) << text;
    EXPECT_FALSE(contains(p.plan.caps.bounding, CAP_SETFCAP)) << text;
    EXPECT_TRUE(std::is_sorted(p.plan.caps.dropped.begin(), p.plan.caps.dropped.end())) << text;
  }
  auto lifted = plan_of("[seccomp]\nrestrict_suid_sgid = no\n");
  EXPECT_TRUE(contains(lifted.plan.caps.bounding, CAP_SETFCAP));
  EXPECT_TRUE(contains(lifted.plan.caps.bounding, CAP_FSETID));
}

TEST(BuildPlanCapabilities, ExtraDropIsRemoved) {
  auto p = plan_of("[capabilities]\ndrop = net_raw\n");
  EXPECT_TRUE(contains(p.plan.caps.dropped, CAP_NET_RAW));
  EXPECT_FALSE(contains(p.plan.caps.bounding, CAP_NET_RAW));
}

TEST(BuildPlanCapabilities, AmbientIsSortedWithoutDuplicates) {
  auto p = plan_of("[capabilities]\nambient = CAP_NET_RAW CAP_NET_BIND_SERVICE net_raw\n");
  EXPECT_EQ(p.plan.caps.ambient, (std::vector<int>{CAP_NET_BIND_SERVICE, CAP_NET_RAW}));
}

TEST(BuildPlanCapabilities, NoNewPrivilegesCanBeTurnedOff) {
  EXPECT_FALSE(plan_of("[capabilities]\nno_new_privileges = no\n").plan.no_new_privileges);
}

// --- build_plan: seccomp -------------------------------------------------------------------

TEST(BuildPlanSeccomp, DenyListExpandsGroupsAndAddsSyscalls) {
  auto p = plan_of("[seccomp]\ndeny =\ndeny = @keyring ptrace\n");
  EXPECT_FALSE(p.plan.seccomp.allow_list);
  EXPECT_EQ(p.plan.seccomp.groups, (Strings{"@keyring"}));
  EXPECT_EQ(sorted(p.plan.seccomp.syscalls),
            sorted(Strings{"add_key", "keyctl", "request_key", "ptrace"}));
}

// A group named again (dnsmasq.conf's "deny = @keyring ..." on top of the default) is listed
// once: --print and --print --json show the plan's groups.
TEST(BuildPlanSeccomp, GroupNamedTwiceIsListedOnce) {
  auto deny = plan_of("[seccomp]\ndeny = @keyring @clock\n").plan.seccomp.groups;
  EXPECT_EQ(std::count(deny.begin(), deny.end(), "@keyring"), 1);
  EXPECT_EQ(std::count(deny.begin(), deny.end(), "@clock"), 1);
  auto allow = plan_of("[seccomp]\nallow = @default read\n").plan.seccomp.groups;
  EXPECT_EQ(std::count(allow.begin(), allow.end(), "@default"), 1);
}

TEST(BuildPlanSeccomp, AllowListIncludesDefaultAndSubtractsDeny) {
  auto p = plan_of("[seccomp]\nallow = read write @system-service\n");
  const SeccompPlan& sc = p.plan.seccomp;
  EXPECT_TRUE(sc.enabled);
  EXPECT_TRUE(sc.allow_list);
  EXPECT_TRUE(contains(sc.syscalls, "read"));
  EXPECT_TRUE(contains(sc.syscalls, "write"));
  for (const auto& call : expand_syscall_group(*find_syscall_group("@default")))
    EXPECT_TRUE(contains(sc.syscalls, call));
  EXPECT_FALSE(contains(sc.syscalls, "mount"));
  EXPECT_FALSE(contains(sc.syscalls, "keyctl"));  // in @system-service and the default @keyring
  EXPECT_TRUE(contains(sc.groups, "@default"));
  EXPECT_TRUE(contains(sc.groups, "~@mount"));
}

TEST(BuildPlanSeccomp, AllowListWithEmptyDenyKeepsEverythingAllowed) {
  auto p = plan_of("[seccomp]\ndeny =\nallow = mount\n");
  EXPECT_TRUE(contains(p.plan.seccomp.syscalls, "mount"));
}

TEST(BuildPlanSeccomp, ActionKillAndAllAbis) {
  auto p = plan_of("[seccomp]\naction = kill\nnative_only = no\n");
  EXPECT_EQ(p.plan.seccomp.action, SeccompAction::kKill);
  EXPECT_FALSE(p.plan.seccomp.native_only);
}

// Every argument rule counts: the filter goes only when all of them are lifted.
TEST(BuildPlanSeccomp, NothingToFilterDisablesSeccomp) {
  auto off = [](const std::string& except) {
    std::string text = except == "new_session" ? "" : "[service]\nnew_session = no\n";
    text += "[seccomp]\ndeny =\nnative_only = no\n";
    for (const char* key : {"restrict_suid_sgid", "lock_personality", "restrict_realtime"})
      if (except != key) text += std::string(key) + " = no\n";
    if (except != "allow_create") text += "[namespaces]\nallow_create = all\n";
    return text;
  };
  EXPECT_FALSE(plan_of(off("")).plan.seccomp.enabled);
  for (const char* one :
       {"restrict_suid_sgid", "lock_personality", "restrict_realtime", "allow_create"})
    EXPECT_TRUE(plan_of(off(one)).plan.seccomp.enabled) << one;
  // new_session's terminal rules need a filter of their own, where a terminal is within reach.
  PlanContext none, terminal;
  none.landlock_abi = terminal.landlock_abi = kLandlockDeviceIoctlAbi;
  terminal.terminal = true;
  EXPECT_TRUE(plan_of(off("new_session"), terminal).plan.seccomp.enabled);
  EXPECT_TRUE(plan_of(off("new_session"), terminal).plan.seccomp.restrict_terminal());
  EXPECT_FALSE(plan_of(off("new_session"), none).plan.seccomp.enabled);
  EXPECT_FALSE(plan_of(off(""), terminal).plan.seccomp.restrict_terminal());
}

// The terminal rules where the daemon could reach a terminal, and only there: ioctl with a rule
// on its arguments leaves the kernel's seccomp cache, for every filter of the stack.
TEST(BuildPlanSeccomp, TerminalRulesOnlyWhereATerminalIsWithinReach) {
  auto reach = [](const std::string& text, bool terminal,
                  int landlock_abi = kLandlockDeviceIoctlAbi) {
    PlanContext context;
    context.terminal = terminal;
    context.landlock_abi = landlock_abi;
    // Host paths under /srv/chroot/dev are device nodes, as in a chroot's /dev.
    context.look_up = [](const std::string& path) {
      return std::optional<HostPath>(HostPath{path, path_is_under(path, "/srv/chroot/dev")});
    };
    const SeccompPlan sc = plan_of(text, context).plan.seccomp;
    return sc.terminal_reach;
  };
  EXPECT_EQ(reach("", false), "");
  EXPECT_EQ(reach("", true), "jharden holds a terminal");
  EXPECT_EQ(reach("[filesystem]\nprivate_dev = no\n", false),
            "private_dev = no: the host's terminals are in /dev");
  EXPECT_EQ(reach("[filesystem]\nbind = /dev/ttyS0:/dev/ttyS0\n", false),
            "/dev/ttyS0 is bound into the sandbox");
  EXPECT_EQ(reach("[filesystem]\nread_write = /dev/ttyS1\n", false),
            "/dev/ttyS1 is in the sandbox");
  EXPECT_EQ(reach("[filesystem]\nbind = /srv/x:/srv/devices\n", false), "");
  // A device bound outside /dev keeps its ioctls (Landlock grants them there).
  EXPECT_EQ(reach("[filesystem]\nbind = /srv/chroot/dev/tty1:/run/tty1\n", false),
            "/srv/chroot/dev/tty1 is a device bound into the sandbox");
  // A terminal's node outside /dev (a chroot's, a devpts mounted again) takes ioctls unless
  // Landlock keeps them to /dev; without Landlock, /proc/PID/fd is within reach as well.
  EXPECT_EQ(reach("", false, 0), "no Landlock in this kernel to keep device ioctls to /dev");
  EXPECT_EQ(reach("[namespaces]\npid = yes\n", false, 0),
            "no Landlock in this kernel to keep device ioctls to /dev");
  EXPECT_EQ(reach("", false, kLandlockDeviceIoctlAbi - 1),
            "Landlock ABI 4 does not keep device ioctls to /dev (ABI 5 does)");
  EXPECT_EQ(reach("[filesystem]\nlandlock = no\n", false),
            "landlock = no: device ioctls are not kept to /dev");
  // Without new_session, no rule and no reason.
  EXPECT_EQ(reach("[service]\nnew_session = no\n", true), "");
}

TEST(BuildPlanSeccomp, AllowCreateBecomesTheAllowedNamespaces) {
  auto p = plan_of("[namespaces]\nallow_create = user net\n");
  EXPECT_EQ(p.plan.seccomp.namespaces_allowed,
            static_cast<unsigned long>(CLONE_NEWUSER | CLONE_NEWNET));
  EXPECT_TRUE(p.plan.seccomp.restricts_namespaces());
  EXPECT_TRUE(p.plan.seccomp.namespace_allowed(CLONE_NEWUSER));
  EXPECT_FALSE(p.plan.seccomp.namespace_allowed(CLONE_NEWNS));
  EXPECT_FALSE(plan_of("[namespaces]\nallow_create = all\n").plan.seccomp.restricts_namespaces());
}

// Keeping CAP_SYS_ADMIN no longer lifts the namespace rules: allow_create alone decides.
TEST(BuildPlanSeccomp, NamespaceRulesDoNotDependOnCapabilities) {
  auto p = plan_of("[capabilities]\ndrop =\n");
  EXPECT_TRUE(p.plan.seccomp.restricts_namespaces());
}

// native_only = yes refuses the calls of other ABIs: that takes a filter even without rules.
TEST(BuildPlanSeccomp, NativeOnlyAloneKeepsSeccompEnabled) {
  auto p = plan_of("[capabilities]\ndrop =\n[seccomp]\ndeny =\n");
  EXPECT_TRUE(p.plan.seccomp.native_only);
  EXPECT_TRUE(p.plan.seccomp.enabled);
}

TEST(BuildPlanSeccomp, ErrnoOfEachRefusedCall) {
  auto p = plan_of(
      "[seccomp]\nerrno = EIO\ndeny = @privileged:EACCES personality:ENOSYS flock\n"
      "deny = setuid:EROFS\n");
  const SeccompPlan& sc = p.plan.seccomp;
  EXPECT_EQ(sc.error, EIO);
  EXPECT_EQ(sc.error_of("flock"), EIO);
  EXPECT_EQ(sc.error_of("chroot"), EACCES);
  EXPECT_EQ(sc.error_of("personality"), ENOSYS);
  EXPECT_EQ(sc.error_of("setuid"), EROFS);  // the later entry wins, as in systemd
  EXPECT_EQ(sc.error_of("mount"), EIO);     // the default @mount has no errno of its own
}

// What an allow list names lifts the default deny: by name, or the same group.
TEST(BuildPlanSeccomp, AllowListLiftsTheDefaultDeny) {
  auto p = plan_of("[seccomp]\nallow = @system-service mount @keyring\n");
  const SeccompPlan& sc = p.plan.seccomp;
  EXPECT_TRUE(contains(sc.syscalls, "mount"));
  EXPECT_TRUE(contains(sc.syscalls, "keyctl"));
  EXPECT_FALSE(contains(sc.syscalls, "umount2"));
  EXPECT_FALSE(contains(sc.syscalls, "adjtimex"));
}

TEST(BuildPlanSeccomp, AddressFamiliesRefuseIoUring) {
  auto p = plan_of("[seccomp]\naddress_families = AF_INET6 AF_UNIX AF_INET AF_UNIX\n");
  const SeccompPlan& sc = p.plan.seccomp;
  ASSERT_TRUE(sc.address_families.has_value());
  EXPECT_EQ(*sc.address_families, (std::vector<int>{AF_UNIX, AF_INET, AF_INET6}));
  for (const char* call : {"io_uring_setup", "io_uring_enter", "io_uring_register"})
    EXPECT_TRUE(sc.refuses(call)) << call;
  auto allow = plan_of("[seccomp]\nallow = @system-service @io-event\naddress_families = none\n");
  EXPECT_TRUE(allow.plan.seccomp.address_families->empty());
  EXPECT_TRUE(allow.plan.seccomp.refuses("io_uring_setup"));
  EXPECT_FALSE(plan_of("").plan.seccomp.address_families.has_value());
  // Without either argument-filtering protection, io_uring is the kernel's to answer.
  EXPECT_FALSE(
      plan_of("[seccomp]\nrestrict_suid_sgid = no\n").plan.seccomp.refuses("io_uring_setup"));
}

// PR_SET_MDWE where the kernel has it, else the seccomp rules; either way, only when asked.
TEST(BuildPlanSeccomp, WriteExecuteMechanism) {
  const std::string text = "[seccomp]\nmemory_deny_write_execute = yes\n";
  PlanContext with;
  with.mdwe = true;
  EXPECT_EQ(plan_of(text, with).plan.seccomp.write_execute, WriteExecute::kPrctl);
  EXPECT_EQ(plan_of(text).plan.seccomp.write_execute, WriteExecute::kSeccomp);
  EXPECT_EQ(plan_of("", with).plan.seccomp.write_execute, WriteExecute::kAllowed);
  // The seccomp rules need a filter even when nothing else asks for one.
  auto alone = plan_of(
      "[seccomp]\ndeny =\nnative_only = no\nrestrict_suid_sgid = no\nlock_personality = no\n"
      "restrict_realtime = no\nmemory_deny_write_execute = yes\n[namespaces]\nallow_create = "
      "all\n");
  EXPECT_TRUE(alone.plan.seccomp.enabled);
}

// After the filter is loaded jharden still needs write (the exec report) and execve: --check
// refuses a filter that refuses either, naming the line.
TEST(BuildPlanSeccomp, RefusingWriteOrExecveIsRefused) {
  auto p = plan_of("[seccomp]\ndeny = write\n");
  ASSERT_TRUE(has_size(p.diag.list(), 1));
  EXPECT_EQ(p.diag.list()[0].str(),
            test::err(2,
                      "deny: refuses write, which jharden needs after the filter is in force (to "
                      "report the exec and to start the daemon)"));
  auto e = plan_of("[seccomp]\nallow = @system-service\ndeny = execve\n");
  EXPECT_FALSE(e.diag.ok());
  EXPECT_TRUE(plan_of("[seccomp]\ndeny = write\naction = log\n").diag.ok());
  // deny = @privileged holds no call jharden makes after the filter.
  EXPECT_TRUE(
      plan_of("[capabilities]\nno_new_privileges = no\n[seccomp]\ndeny = @privileged\n").diag.ok());
}

// --- build_plan: process -------------------------------------------------------------------

TEST(BuildPlanNotify, DefaultIsExecWithNotifySocket) {
  PlanContext context;
  context.notify_socket = true;
  EXPECT_EQ(plan_of("", context).plan.notify, NotifyMode::kExec);
}

TEST(BuildPlanNotify, DefaultIsNoneWithoutNotifySocket) {
  EXPECT_EQ(plan_of("").plan.notify, NotifyMode::kNone);
}

TEST(BuildPlanNotify, ExplicitModeWinsOverTheSocket) {
  PlanContext context;
  context.notify_socket = true;
  EXPECT_EQ(plan_of("[service]\nnotify = daemon\n", context).plan.notify, NotifyMode::kDaemon);
  EXPECT_EQ(plan_of("[service]\nnotify = none\n", context).plan.notify, NotifyMode::kNone);
}

TEST(BuildPlanNotify, ContextFollowsTheEnvironment) {
  {
    test::ScopedEnv env("NOTIFY_SOCKET", "/run/systemd/notify");
    EXPECT_TRUE(plan_context_from_environment().notify_socket);
  }
  test::ScopedEnv env("NOTIFY_SOCKET", nullptr);
  EXPECT_FALSE(plan_context_from_environment().notify_socket);
}

// Unless the daemon speaks sd_notify itself, $NOTIFY_SOCKET (a path) is out of its reach.
TEST(BuildPlanNotify, NotifySocketPathIsInaccessibleUnlessNotifyIsDaemon) {
  PlanContext context;
  context.notify_socket = true;
  context.notify_socket_path = "/run/systemd/notify";
  for (const char* text : {"", "[service]\nnotify = exec\n", "[service]\nnotify = none\n"}) {
    auto p = plan_of(text, context);
    const MountEntry* e = find(p.plan.mounts, "/run/systemd/notify");
    ASSERT_NE(e, nullptr) << text;
    EXPECT_EQ(e->kind, MountKind::kInaccessible);
    EXPECT_TRUE(e->optional);
    EXPECT_EQ(e->origin.file, "$NOTIFY_SOCKET");
  }
  auto daemon = plan_of("[service]\nnotify = daemon\n", context);
  EXPECT_EQ(find(daemon.plan.mounts, "/run/systemd/notify"), nullptr);
  // An abstract socket (@name) has no path to hide.
  context.notify_socket_path.clear();
  EXPECT_EQ(find(plan_of("", context).plan.mounts, "/run/systemd/notify"), nullptr);
}

TEST(BuildPlanNotify, NotifySocketHiddenBelowABindOfItsDirectory) {
  PlanContext context;
  context.notify_socket = true;
  context.notify_socket_path = "/run/systemd/notify";
  auto p = plan_of("[filesystem]\nbind = /run/systemd:/srv/sd\n", context);
  const MountEntry* e = find(p.plan.mounts, "/srv/sd/notify");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, MountKind::kInaccessible);
}

TEST(BuildPlanNotify, ContextKeepsOnlyAPathNotifySocket) {
  {
    test::ScopedEnv env("NOTIFY_SOCKET", "/run/systemd/notify");
    EXPECT_EQ(plan_context_from_environment().notify_socket_path, "/run/systemd/notify");
  }
  test::ScopedEnv env("NOTIFY_SOCKET", "@/org/freedesktop/systemd1/notify");
  EXPECT_TRUE(plan_context_from_environment().notify_socket);
  EXPECT_EQ(plan_context_from_environment().notify_socket_path, "");
}

TEST(BuildPlanNamespaces, HostnameImpliesUts) {
  auto p = plan_of("[namespaces]\nhostname = sandbox\n");
  EXPECT_TRUE(p.plan.ns_uts);
  EXPECT_EQ(p.plan.hostname, "sandbox");
}

TEST(BuildPlanNamespaces, EachNamespaceKey) {
  auto p = plan_of("[namespaces]\npid = yes\nnet = yes\nipc = yes\nuts = yes\n");
  EXPECT_TRUE(p.plan.ns_pid);
  EXPECT_TRUE(p.plan.ns_net);
  EXPECT_TRUE(p.plan.ns_ipc);
  EXPECT_TRUE(p.plan.ns_uts);
  EXPECT_FALSE(p.plan.hostname.has_value());
}

TEST(BuildPlanEnvironment, LaterAssignmentOfTheSameNameWins) {
  auto p = plan_of("[service]\nenvironment = A=1\nenvironment = B=2\nenvironment = A=3\n");
  EXPECT_EQ(p.plan.env_set,
            (std::vector<std::pair<std::string, std::string>>{{"B", "2"}, {"A", "3"}}));
}

TEST(BuildPlanEnvironment, UnsetWinsOverEnvironment) {
  auto p = plan_of("[service]\nenvironment = A=1\nenvironment = B=2\nunset_environment = A\n");
  EXPECT_EQ(p.plan.env_set, (std::vector<std::pair<std::string, std::string>>{{"B", "2"}}));
}

TEST(BuildPlanEnvironment, UnsetListIsKept) {
  auto p = plan_of("[service]\nunset_environment = A B\n");
  EXPECT_EQ(p.plan.env_unset, (Strings{"A", "B"}));
}

// What systemd gives a User= service, before Environment= (which overrides it) and
// UnsetEnvironment= (which removes it).
TEST(PlanEnvironment, LoginVariablesOfTheUser) {
  Diagnostics diag;
  Policy policy = parse_policy_files(
      {{kFile, "[service]\nuser = web\nenvironment = HOME=/srv\nunset_environment = SHELL\n"}},
      false, diag);
  Identity id;
  id.change = true;
  id.login_name = "web";
  id.home = "/var/lib/web";
  id.shell = "/bin/bash";
  Plan plan = build_plan(policy, id, {}, {}, diag);
  EXPECT_EQ(plan.env_set, (std::vector<std::pair<std::string, std::string>>{
                              {"USER", "web"}, {"LOGNAME", "web"}, {"HOME", "/srv"}}));
  id.home.clear();
  id.shell.clear();
  plan = build_plan(parse_policy_files({{kFile, "[service]\nuser = web\n"}}, false, diag), id, {},
                    {}, diag);
  EXPECT_EQ(plan.env_set, (std::vector<std::pair<std::string, std::string>>{{"USER", "web"},
                                                                            {"LOGNAME", "web"}}));
  // What the entry does not give is not inherited either (a root shell's HOME, SHELL).
  EXPECT_EQ(plan.env_unset, (Strings{"HOME", "SHELL"}));
}

TEST(PlanEnvironment, CredentialsDirectoryNamesTheSecrets) {
  std::vector<Secret> secrets(1);
  secrets[0].name = "tls";
  secrets[0].host_path = "/etc/ssl/key.pem";
  PlanContext context;
  context.credentials_directory = "/run/credentials/web.service";
  auto p = plan_of("[secrets]\ndirectory = /run/keys\n", context, secrets);
  EXPECT_EQ(
      p.plan.env_set,
      (std::vector<std::pair<std::string, std::string>>{{"CREDENTIALS_DIRECTORY", "/run/keys"}}));
  EXPECT_TRUE(is_empty(p.plan.env_unset));
}

TEST(PlanEnvironment, InheritedCredentialsDirectoryIsRemovedWithoutSecrets) {
  PlanContext context;
  context.credentials_directory = "/run/credentials/web.service";
  auto p = plan_of("", context);
  EXPECT_EQ(p.plan.env_unset, (Strings{"CREDENTIALS_DIRECTORY"}));
  EXPECT_TRUE(is_empty(plan_of("").plan.env_unset));
  // An explicit assignment is the administrator's choice.
  p = plan_of("[service]\nenvironment = CREDENTIALS_DIRECTORY=/x\n", context);
  EXPECT_TRUE(is_empty(p.plan.env_unset));
}

TEST(BuildPlanProcess, ServiceKeysReachThePlan) {
  auto p = plan_of(
      "[service]\nexec = /bin/echo hi\nworking_directory = /srv\nnew_session = no\n"
      "umask = 0077\n");
  EXPECT_EQ(p.plan.argv, (Strings{"/bin/echo", "hi"}));
  EXPECT_EQ(p.plan.working_directory, "/srv");
  EXPECT_FALSE(p.plan.new_session);
  EXPECT_EQ(p.plan.umask, 0077u);
}

TEST(BuildPlanProcess, IdentityIsPassedThrough) {
  Policy policy = default_policy();
  Identity id;
  id.change = true;
  id.uid = 33;
  id.gid = 33;
  Diagnostics diag;
  Plan plan = build_plan(policy, id, {}, {}, diag);
  EXPECT_TRUE(plan.identity.change);
  EXPECT_EQ(plan.identity.uid, 33u);
}

TEST(MountKindName, NamesEveryKind) {
  for (MountKind k : {MountKind::kProc, MountKind::kSysfs, MountKind::kPrivateDev,
                      MountKind::kTmpfs, MountKind::kBind, MountKind::kSecrets, MountKind::kMask,
                      MountKind::kInaccessible, MountKind::kReadOnly, MountKind::kReadWrite})
    EXPECT_STRNE(mount_kind_name(k), "?");
}

// --- Landlock rules (jharden.conf(5) "landlock") --------------------------------------------

// The rules as "PATH KIND[:except,...]" lines, in plan order. At ABI 4 by default: the rules
// for writes, without those for device ioctls (ABI 5, LandlockRules.DeviceIoctls*).
Strings rules_of(const std::string& text, int abi = kLandlockDeviceIoctlAbi - 1,
                 PlanContext context = {}) {
  context.landlock_abi = abi;
  Planned p = plan_of(text, context);
  Strings out;
  for (const auto& r : p.plan.landlock.rules) {
    std::string line = r.path + " " + landlock_rule_kind_name(r.kind);
    for (size_t i = 0; i < r.except.size(); ++i) line += (i ? "," : ":") + r.except[i];
    if (r.optional) line += " optional";
    out.push_back(line);
  }
  return out;
}

TEST(LandlockRules, BaselineGrantsEveryEntryOfRootButTheReadOnlyTrees) {
  // /dev, /tmp, /var/tmp and /proc are entries of / (mount points): no rule of their own.
  EXPECT_EQ(rules_of(""), (Strings{"/ entries:etc,sys,usr"}));
}

TEST(LandlockRules, ReadOnlySubdirectoryExpandsItsParentToo) {
  EXPECT_EQ(
      rules_of("[filesystem]\nread_only =\nread_only = /usr/lib /var/lib/x/y\n"),
      (Strings{"/ entries:sys,usr,var", "/usr entries:lib optional", "/var entries:lib optional",
               "/var/lib entries:x optional", "/var/lib/x entries:y optional"}));
}

TEST(LandlockRules, EntriesRulesNameTheTreesThatHoldEntriesBack) {
  // At start-up, a directory whose read-only trees are all missing (optional) is granted whole.
  PlanContext context;
  context.landlock_abi = kLandlockDeviceIoctlAbi - 1;  // the rules for writes only
  Planned p = plan_of("[filesystem]\nread_only =\nread_only = -/opt/a/b /opt/c\n", context);
  const auto& rules = p.plan.landlock.rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].path, "/");
  EXPECT_EQ(rules[0].excluded, (Strings{"/opt/a/b", "/opt/c", "/sys"}));
  EXPECT_EQ(rules[1].path, "/opt");
  EXPECT_EQ(rules[1].except, (Strings{"a", "c"}));
  EXPECT_EQ(rules[1].excluded, (Strings{"/opt/a/b", "/opt/c"}));
  EXPECT_EQ(rules[2].path, "/opt/a");
  EXPECT_EQ(rules[2].excluded, (Strings{"/opt/a/b"}));
}

TEST(LandlockRules, ReadOnlyRootLeavesOnlyTheWritableMounts) {
  EXPECT_EQ(rules_of("[filesystem]\nread_only = /\ntmpfs = /run\n"),
            (Strings{"/dev beneath", "/proc beneath optional", "/run beneath", "/tmp beneath",
                     "/var/tmp beneath optional"}));
}

TEST(LandlockRules, WritableHolesUnderReadOnlyTreesAreGranted) {
  EXPECT_EQ(rules_of("[filesystem]\nread_write = /usr/local -/etc/opt\n"
                     "bind = /srv/data:/etc/data:rw\n"),
            (Strings{"/ entries:etc,sys,usr", "/etc/data beneath", "/etc/opt beneath optional",
                     "/usr/local beneath"}));
}

TEST(LandlockRules, ReadOnlyTreesInsideAHoleAreExpandedAgain) {
  EXPECT_EQ(rules_of("[filesystem]\nread_write = /usr/local\nread_only = /usr/local/lib\n"),
            (Strings{"/ entries:etc,sys,usr", "/usr/local entries:lib"}));
}

TEST(LandlockRules, ReadOnlyBindIsExcludedLikeAReadOnlyTree) {
  EXPECT_EQ(rules_of("[filesystem]\nbind = /data:/srv/data:ro\n"),
            (Strings{"/ entries:etc,srv,sys,usr", "/srv entries:data optional"}));
}

TEST(LandlockRules, FreshReadOnlyFileSystemsNeedNoExpansion) {
  // A read-only tmpfs or a masked directory is read-only by its own mount, which neither a file
  // handle nor a host mount gets around.
  EXPECT_EQ(rules_of("[filesystem]\ntmpfs = /srv/t:ro\nmask = /opt/m\ninaccessible = /home\n"),
            (Strings{"/ entries:etc,sys,usr"}));
}

TEST(LandlockRules, ProcfsIsGrantedWholeItsReadOnlyEntriesAreLeftToTheMounts) {
  // Its process directories come and go: never listed entry by entry.
  for (const char* text : {"", "[namespaces]\npid = yes\n", "[filesystem]\nread_only = /\n"}) {
    PlanContext context;
    context.landlock_abi = 7;
    Planned p = plan_of(text, context);
    for (const auto& r : p.plan.landlock.rules) EXPECT_FALSE(path_is_under(r.path, "/proc/x"));
    for (const auto& r : p.plan.landlock.rules) {
      if (r.path == "/" && r.kind == LandlockRule::Kind::kEntries) {
        EXPECT_FALSE(contains(r.except, std::string("proc"))) << text;
      }
    }
  }
}

TEST(LandlockRules, DevicesStayWritableOnAReadOnlyDevAndMaskedFiles) {
  EXPECT_EQ(rules_of("[filesystem]\nprivate_dev = no\nread_only = /dev\nmask = /etc/motd\n"),
            (Strings{"/ entries:dev,etc,sys,usr", "/dev write-only optional",
                     "/etc/motd write-only optional"}));
}

// Device ioctls (ABI 5): on the private /dev's devices but /dev/tty (with new_session), on what
// the plan puts under /dev, on devices bound elsewhere; beneath the host's /dev where it is seen.
TEST(LandlockRules, DeviceIoctlsOnlyOnTheDevicesOfDev) {
  PlanContext context;
  context.look_up = [](const std::string& path) {
    return std::optional<HostPath>(HostPath{path, path.starts_with("/srv/chroot/dev/")});
  };
  const int abi = kLandlockDeviceIoctlAbi;
  const Strings private_dev = {"/dev/null device optional",    "/dev/zero device optional",
                               "/dev/full device optional",    "/dev/random device optional",
                               "/dev/urandom device optional", "/dev/pts device optional"};
  auto with = [](Strings rules, const Strings& more) {
    rules.insert(rules.end(), more.begin(), more.end());
    return rules;
  };
  EXPECT_EQ(rules_of("", abi), with({"/ entries:etc,sys,usr"}, private_dev));
  EXPECT_EQ(rules_of("[filesystem]\nbind = /srv/chroot/dev/ttyS0:/run/modem\n"
                     "bind = /srv/chroot/dev/ttyS1:/dev/ttyS1\nbind = /srv/data:/srv/data\n",
                     abi, context),
            with(with({"/ entries:etc,sys,usr"}, private_dev),
                 {"/dev/ttyS1 device optional", "/run/modem device"}));
  // /dev/tty keeps its ioctls only without new_session: a session leader's controlling
  // terminal, taken by open(), is reached through it.
  EXPECT_EQ(rules_of("[service]\nnew_session = no\n", abi),
            (Strings{"/ entries:etc,sys,usr", "/dev/null device optional",
                     "/dev/zero device optional", "/dev/full device optional",
                     "/dev/random device optional", "/dev/urandom device optional",
                     "/dev/tty device optional", "/dev/pts device optional"}));
  EXPECT_EQ(rules_of("[filesystem]\nprivate_dev = no\n", abi),
            (Strings{"/ entries:etc,sys,usr", "/dev device optional"}));
  // Not handled before ABI 5: no rule for them.
  EXPECT_EQ(rules_of("[filesystem]\nbind = /srv/chroot/dev/ttyS0:/run/modem\n", abi - 1, context),
            (Strings{"/ entries:etc,sys,usr"}));
}

// Signals scoped to the domain only with a PID namespace, where nothing outside is in sight
// but a terminal's foreground process group (its SIGIO owner).
TEST(LandlockPlan, SignalsScopedWithAPidNamespaceFromAbi6) {
  PlanContext context;
  context.landlock_abi = kLandlockSignalScopeAbi;
  EXPECT_TRUE(plan_of("[namespaces]\npid = yes\n", context).plan.landlock.scope_signals);
  EXPECT_FALSE(plan_of("", context).plan.landlock.scope_signals);
  EXPECT_FALSE(plan_of("[namespaces]\npid = yes\n[filesystem]\nlandlock = no\n", context)
                   .plan.landlock.scope_signals);
  context.landlock_abi = kLandlockSignalScopeAbi - 1;
  EXPECT_FALSE(plan_of("[namespaces]\npid = yes\n", context).plan.landlock.scope_signals);
}

TEST(LandlockPlan, TtyIoctlsRefusedWithNewSessionOnThePrivateDev) {
  PlanContext context;
  context.landlock_abi = kLandlockDeviceIoctlAbi;
  EXPECT_TRUE(landlock_refuses_tty_ioctls(plan_of("", context).plan.landlock));
  EXPECT_FALSE(
      landlock_refuses_tty_ioctls(plan_of("[service]\nnew_session = no\n", context).plan.landlock));
  EXPECT_FALSE(landlock_refuses_tty_ioctls(
      plan_of("[filesystem]\nprivate_dev = no\n", context).plan.landlock));
  EXPECT_FALSE(
      landlock_refuses_tty_ioctls(plan_of("[filesystem]\nlandlock = no\n", context).plan.landlock));
  context.landlock_abi = kLandlockDeviceIoctlAbi - 1;
  EXPECT_FALSE(landlock_refuses_tty_ioctls(plan_of("", context).plan.landlock));
}

TEST(LandlockRules, RootModeRulesAreInTheNewRoot) {
  // /sys is a fresh read-only sysfs there, not the host's.
  EXPECT_EQ(rules_of("[filesystem]\nroot = /srv/r\n"), (Strings{"/ entries:etc,usr"}));
}

TEST(LandlockPlan, ModeAbiAndHandledRights) {
  PlanContext context;
  context.landlock_abi = 0;
  Planned none = plan_of("", context);
  EXPECT_EQ(none.plan.landlock.mode, LandlockMode::kAuto);
  EXPECT_FALSE(none.plan.landlock.active());
  EXPECT_EQ(none.plan.landlock.handled, 0u);
  context.landlock_abi = 1;
  Planned one = plan_of("", context);
  EXPECT_TRUE(one.plan.landlock.active());
  EXPECT_FALSE(contains(landlock_access_names(one.plan.landlock.handled), std::string("refer")));
  context.landlock_abi = 2;
  Strings two = landlock_access_names(plan_of("", context).plan.landlock.handled);
  EXPECT_TRUE(contains(two, std::string("refer")));
  EXPECT_FALSE(contains(two, std::string("truncate")));
  context.landlock_abi = 4;
  Strings four = landlock_access_names(plan_of("", context).plan.landlock.handled);
  EXPECT_TRUE(contains(four, std::string("truncate")));
  EXPECT_FALSE(contains(four, std::string("ioctl_dev")));
  context.landlock_abi = 6;
  Strings six = landlock_access_names(plan_of("", context).plan.landlock.handled);
  // Writes and device ioctls: reads and execution are the mounts' business.
  EXPECT_TRUE(contains(six, std::string("ioctl_dev")));
  EXPECT_EQ(six.size(), 13u);
  Planned off = plan_of("[filesystem]\nlandlock = no\n", context);
  EXPECT_FALSE(off.plan.landlock.active());
  EXPECT_TRUE(off.plan.landlock.rules.empty());
  Planned yes = plan_of("[filesystem]\nlandlock = yes\n", PlanContext{});
  EXPECT_EQ(yes.plan.landlock.mode, LandlockMode::kYes);
  EXPECT_FALSE(yes.plan.landlock.active());  // start-up then fails with 226
}

TEST(BuildPlanNamespaces, CgroupAndAnExplicitMountThereConflict) {
  Diagnostics diag;
  Policy policy = parse_policy_files(
      {{kFile, "[filesystem]\nbind = /sys/fs/cgroup:/sys/fs/cgroup\n[namespaces]\ncgroup = yes\n"}},
      false, diag);
  ASSERT_TRUE(diag.ok());
  build_plan(policy, Identity{}, {}, PlanContext{}, diag);
  ASSERT_FALSE(diag.ok());
  const std::string message = diag.list()[0].str();
  EXPECT_NE(message.find(":2"), std::string::npos) << message;
  EXPECT_NE(message.find(":4"), std::string::npos) << message;
}

// The modes --print and the messages show, written without printf.
TEST(OctalMode, FourDigitsOfThePermissionBits) {
  EXPECT_EQ(octal_mode(0), "0000");
  EXPECT_EQ(octal_mode(0400), "0400");
  EXPECT_EQ(octal_mode(01777), "1777");
  EXPECT_EQ(octal_mode(07777), "7777");
  EXPECT_EQ(octal_mode(S_IFDIR | 0755), "0755");  // the file type is left out
}

}  // namespace
}  // namespace jharden
