#include "analyze.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "loader.h"
#include "plan.h"
#include "test_support.h"
#include "unit_file.h"

namespace jharden {
namespace {

// /boot and /efi count for ProtectSystem= only where they hold something: the tests decide
// that, so that they do not depend on the machine.
bool nothing_present(const std::string&) { return false; }

struct Analyzed {
  Policy policy;
  Plan plan;
  Assessment a;
};

Analyzed analyze(const std::string& text, const PathPresent& present = nothing_present,
                 const Identity& identity = {}) {
  Diagnostics diag;
  Analyzed r;
  r.policy = parse_policy_files({{"p.conf", text}}, true, diag);
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list().front().str());
  r.plan = build_plan(r.policy, identity, {}, PlanContext{}, diag);
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list().front().str());
  r.a = assess(r.policy, r.plan, present);
  return r;
}

const AssessmentItem& item(const Assessment& a, std::string_view id) {
  for (const auto& i : a.items)
    if (i.id == id) return i;
  ADD_FAILURE() << "no item " << id;
  return a.items.front();
}

bool has_line(const std::string& unit, const std::string& line) {
  return ("\n" + unit).find("\n" + line + "\n") != std::string::npos;
}

constexpr const char* kEmpty = "[service]\nexec = /bin/true\n";

// The empty policy, summed by hand with systemd's rule: every item adds
// ceil(badness * weight / range), and the exposure is ceil(sum * 100 / weights) tenths.
//
// Weights: systemd's 81 items weigh 56460 together (jharden's informational Landlock row, the
// 82nd, weighs 0); as root SupplementaryGroups= (200) and
// RemoveIPC= (100) do not apply: 56160.
// Exposed: User= 2000 (root), PrivateNetwork= 2500, PrivateUsers= 1000, ProtectHome= 1000,
// ProtectHostname= 50, ProtectSystem= 300 (full: 3 of 10), RootDirectory= 200,
// MemoryDenyWriteExecute= 100; the capabilities the default drop list
// keeps: CAP_SET(UID|GID|PCAP) 1500, NET_ADMIN 1000, AUDIT_* 500 (AUDIT_READ/WRITE),
// SYS_(NICE|RESOURCE) 500, (CHOWN|FSETID|SETFCAP) 1000, (DAC_*|FOWNER|IPC_OWNER) 1000, KILL
// 500, NET_(BIND_SERVICE|BROADCAST|RAW) 500, IPC_LOCK 50, SYS_CHROOT 50, BLOCK_SUSPEND 25,
// WAKE_ALARM 25, LEASE 25, SYS_TTY_CONFIG 25 (6700 together); UMask= 50 (0022: 5 of 10),
// ProtectProc= 1000, ProcSubset= 10, RestrictAddressFamilies= 3975,
// SystemCallFilter=~@privileged 700 and ~@resources 700, IPAddressDeny= 1000, DeviceAllow=
// 1000. (LockPersonality=, RestrictRealtime=, RestrictSUIDSGID= and RestrictNamespaces= are
// covered by the filter's defaults.)
// Sum 22285: ceil(2228500 / 56160) = 40 tenths, 4.0. The equivalent unit's ProtectClock=yes
// drops CAP_WAKE_ALARM and PrivateDevices=yes closes the device cgroup: 3.9, which
// tests/analyze/crosscheck.sh confirms with systemd-analyze itself.
TEST(AnalyzeTest, EmptyPolicyScoresTheHandComputedValue) {
  Assessment a = analyze(kEmpty).a;
  ASSERT_EQ(a.items.size(), 82u);
  unsigned weights = 0, not_applicable = 0;
  for (const auto& i : a.items) {
    weights += i.weight;
    not_applicable += i.applicable ? 0 : 1;
  }
  EXPECT_EQ(weights, 56460u);
  EXPECT_EQ(not_applicable, 2u);
  EXPECT_DOUBLE_EQ(a.exposure, 4.0);
  EXPECT_EQ(a.rating, "OK");
  EXPECT_DOUBLE_EQ(a.unit_exposure, 3.9);
  EXPECT_EQ(a.policy, "p.conf");
}

TEST(AnalyzeTest, EmptyPolicyItemsFollowTheDefaults) {
  Assessment a = analyze(kEmpty).a;
  EXPECT_EQ(item(a, "User=/DynamicUser=").badness, 10u);
  EXPECT_FALSE(item(a, "SupplementaryGroups=").applicable);
  EXPECT_FALSE(item(a, "RemoveIPC=").applicable);
  for (const char* id :
       {"PrivateDevices=", "PrivateMounts=", "PrivateTmp=", "ProtectControlGroups=",
        "ProtectKernelModules=", "ProtectKernelTunables=", "ProtectKernelLogs=", "ProtectClock=",
        "NoNewPrivileges=", "SystemCallArchitectures=", "KeyringMode=", "NotifyAccess=",
        "Delegate=", "AmbientCapabilities=", "CapabilityBoundingSet=~CAP_SYS_ADMIN",
        "SystemCallFilter=~@mount"})
    EXPECT_TRUE(item(a, id).secure) << id;
  EXPECT_EQ(item(a, "ProtectSystem=").badness, 3u);
  EXPECT_EQ(item(a, "ProtectHome=").badness, 10u);
  EXPECT_EQ(item(a, "UMask=").badness, 5u);
  EXPECT_EQ(item(a, "SystemCallFilter=~@privileged").badness, 10u);
  // Only systemd's settings imply these; jharden does not do them.
  EXPECT_EQ(item(a, "DeviceAllow=").badness, 10u);
  EXPECT_EQ(item(a, "DeviceAllow=").unit_badness, 5u);
  EXPECT_EQ(item(a, "CapabilityBoundingSet=~CAP_WAKE_ALARM").badness, 1u);
  EXPECT_EQ(item(a, "CapabilityBoundingSet=~CAP_WAKE_ALARM").unit_badness, 0u);
}

TEST(AnalyzeTest, LockedDownPolicyScoresLower) {
  Analyzed r = analyze(R"([service]
exec = /bin/true
user = daemon
umask = 0077
[filesystem]
read_only = /
inaccessible = /home /root /run/user
protect_proc = invisible
proc_subset = pid
[capabilities]
keep = CAP_NET_BIND_SERVICE
[seccomp]
allow = @system-service
deny = @privileged @resources personality
[namespaces]
net = yes
ipc = yes
uts = yes
)");
  const Assessment& a = r.a;
  EXPECT_LT(a.exposure, analyze(kEmpty).a.exposure);
  EXPECT_LT(a.exposure, 3.0);
  for (const char* id :
       {"User=/DynamicUser=", "SupplementaryGroups=", "PrivateNetwork=", "ProtectHome=",
        "ProtectHostname=", "ProtectSystem=", "ProtectProc=", "ProcSubset=", "UMask=", "RemoveIPC=",
        "RestrictRealtime=", "LockPersonality=", "SystemCallFilter=~@privileged",
        "SystemCallFilter=~@resources", "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)"})
    EXPECT_TRUE(item(a, id).secure) << id;
  EXPECT_FALSE(item(a, "CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)").secure);
  const std::string& unit = a.equivalent_unit;
  EXPECT_TRUE(has_line(unit, "User=daemon"));
  EXPECT_TRUE(has_line(unit, "ProtectSystem=strict"));
  EXPECT_TRUE(has_line(unit, "ProtectHome=yes"));
  EXPECT_TRUE(has_line(unit, "PrivateNetwork=yes"));
  EXPECT_TRUE(has_line(unit, "PrivateIPC=yes"));
  EXPECT_TRUE(has_line(unit, "ProtectProc=invisible"));
  EXPECT_TRUE(has_line(unit, "ProcSubset=pid"));
  EXPECT_TRUE(has_line(unit, "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"));
  EXPECT_TRUE(has_line(unit, "SystemCallFilter=@system-service"));
  // The default deny list stays, and the policy's names follow it.
  EXPECT_NE(unit.find("\nSystemCallFilter=~@mount "), std::string::npos);
  EXPECT_NE(unit.find(" @privileged @resources personality\n"), std::string::npos);
  EXPECT_TRUE(has_line(unit, "RemoveIPC=yes"));
  EXPECT_TRUE(has_line(unit, "UMask=0077"));
  EXPECT_EQ(unit, equivalent_unit_properties(r.policy, r.plan, nothing_present));
}

TEST(AnalyzeTest, NothingEnabledIsUnsafe) {
  Assessment a = analyze(R"([service]
exec = /bin/true
umask = 0000
[filesystem]
read_only =
mask =
private_tmp = no
private_dev = no
protect_kernel = no
[capabilities]
drop =
no_new_privileges = no
[seccomp]
deny =
native_only = no
restrict_suid_sgid = no
lock_personality = no
restrict_realtime = no
[namespaces]
allow_create = all
)")
                     .a;
  EXPECT_EQ(a.rating, "UNSAFE");
  EXPECT_DOUBLE_EQ(a.exposure, a.unit_exposure);
  EXPECT_EQ(item(a, "SystemCallFilter=~@mount").description,
            "Service does not filter system calls");
  EXPECT_EQ(item(a, "UMask=").badness, 10u);
  EXPECT_FALSE(item(a, "PrivateDevices=").secure);
  // Still its own mount namespace, and what a stock unit gives.
  EXPECT_TRUE(item(a, "PrivateMounts=").secure);
  EXPECT_TRUE(item(a, "KeyringMode=").secure);
}

// address_families and memory_deny_write_execute score systemd's items, and the equivalent
// unit carries them, with the policy's errno and each entry's own.
TEST(AnalyzeTest, AddressFamiliesWriteExecuteAndErrnos) {
  auto r = analyze(
      std::string(kEmpty) +
      "[seccomp]\naddress_families = AF_UNIX AF_INET AF_INET6\nmemory_deny_write_execute = yes\n"
      "errno = EACCES\ndeny = flock:EIO\n");
  const Assessment& a = r.a;
  EXPECT_TRUE(item(a, "MemoryDenyWriteExecute=").secure);
  EXPECT_EQ(item(a, "MemoryDenyWriteExecute=").key, "[seccomp] memory_deny_write_execute");
  EXPECT_FALSE(item(a, "RestrictAddressFamilies=~AF_(INET|INET6)").secure);
  EXPECT_FALSE(item(a, "RestrictAddressFamilies=~AF_UNIX").secure);
  EXPECT_TRUE(item(a, "RestrictAddressFamilies=~AF_NETLINK").secure);
  EXPECT_TRUE(item(a, "RestrictAddressFamilies=~AF_PACKET").secure);
  EXPECT_TRUE(item(a, "RestrictAddressFamilies=~…").secure);
  EXPECT_TRUE(has_line(a.equivalent_unit, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"));
  EXPECT_TRUE(has_line(a.equivalent_unit, "MemoryDenyWriteExecute=yes"));
  EXPECT_TRUE(has_line(a.equivalent_unit, "SystemCallErrorNumber=EACCES"));
  EXPECT_NE(a.equivalent_unit.find("flock:EIO"), std::string::npos) << a.equivalent_unit;
  auto none = analyze(std::string(kEmpty) + "[seccomp]\naddress_families = none\n");
  EXPECT_TRUE(item(none.a, "RestrictAddressFamilies=~AF_UNIX").secure);
  EXPECT_TRUE(has_line(none.a.equivalent_unit, "RestrictAddressFamilies=none"));
  // A call the allow list names is lifted from a built-in group: the unit says so too.
  auto lifted = analyze(std::string(kEmpty) + "[seccomp]\nallow = @system-service mount\n");
  EXPECT_EQ(lifted.a.equivalent_unit.find("~@mount"), std::string::npos)
      << lifted.a.equivalent_unit;
  EXPECT_NE(lifted.a.equivalent_unit.find(" umount2"), std::string::npos);
  // Without the keys: exposed, as in a stock unit.
  auto empty = analyze(kEmpty);
  EXPECT_FALSE(item(empty.a, "MemoryDenyWriteExecute=").secure);
  EXPECT_FALSE(item(empty.a, "RestrictAddressFamilies=~AF_PACKET").secure);
  // action = log refuses nothing: no item is met by the filter.
  auto log = analyze(std::string(kEmpty) + "[seccomp]\naction = log\naddress_families = AF_UNIX\n");
  EXPECT_FALSE(item(log.a, "RestrictAddressFamilies=~AF_PACKET").secure);
  EXPECT_FALSE(item(log.a, "SystemCallFilter=~@mount").secure);
}

TEST(AnalyzeTest, RatingThresholdsAreSystemds) {
  EXPECT_STREQ(exposure_rating(0), "PERFECT");
  EXPECT_STREQ(exposure_rating(1), "SAFE");
  EXPECT_STREQ(exposure_rating(9), "SAFE");
  EXPECT_STREQ(exposure_rating(10), "OK");
  EXPECT_STREQ(exposure_rating(49), "OK");
  EXPECT_STREQ(exposure_rating(50), "MEDIUM");
  EXPECT_STREQ(exposure_rating(74), "MEDIUM");
  EXPECT_STREQ(exposure_rating(75), "EXPOSED");
  EXPECT_STREQ(exposure_rating(89), "EXPOSED");
  EXPECT_STREQ(exposure_rating(90), "UNSAFE");
  EXPECT_STREQ(exposure_rating(99), "UNSAFE");
  EXPECT_STREQ(exposure_rating(100), "DANGEROUS");
}

TEST(AnalyzeTest, JsonIsValidAndComplete) {
  Assessment a = analyze(kEmpty).a;
  nlohmann::json j = nlohmann::json::parse(assessment_to_json(a).dump());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["items"].size(), 82u);
  EXPECT_DOUBLE_EQ(j["exposure"].get<double>(), 4.0);
  EXPECT_EQ(j["rating"], "OK");
  EXPECT_DOUBLE_EQ(j["equivalent_unit_exposure"].get<double>(), 3.9);
  EXPECT_EQ(j["equivalent_unit"], a.equivalent_unit);
  ASSERT_TRUE(j["extras"].is_array());
  EXPECT_FALSE(j["extras"].empty());
  for (const auto& i : j["items"]) {
    ASSERT_TRUE(i["id"].is_string());
    ASSERT_TRUE(i["key"].is_string());
    ASSERT_TRUE(i["weight"].is_number_unsigned());
    ASSERT_TRUE(i["range"].is_number_unsigned());
    if (i["applicable"].get<bool>())
      EXPECT_TRUE(i["badness"].is_number_unsigned()) << i["id"];
    else
      EXPECT_TRUE(i["badness"].is_null()) << i["id"];
  }
}

TEST(AnalyzeTest, TextHasTheTableTheSummaryAndTheExtras) {
  std::string text = assessment_to_text(analyze(kEmpty).a);
  EXPECT_NE(text.find("✗ User=/DynamicUser="), std::string::npos);
  EXPECT_NE(text.find("✓ PrivateTmp="), std::string::npos);
  EXPECT_NE(text.find("[filesystem] private_tmp"), std::string::npos);
  EXPECT_NE(text.find("→ Overall exposure level for p.conf: 4.0 OK\n"), std::string::npos);
  EXPECT_NE(text.find("jharden-only protections (not counted by systemd's score):"),
            std::string::npos);
  EXPECT_NE(text.find("/proc/loadavg"), std::string::npos);
}

TEST(AnalyzeTest, ProtectSystemNeedsBootWhereItHoldsSomething) {
  auto boot_present = [](const std::string& p) { return p == "/boot"; };
  EXPECT_EQ(item(analyze(kEmpty, boot_present).a, "ProtectSystem=").badness, 10u);
  Analyzed r = analyze("[service]\nexec = /bin/true\n[filesystem]\nread_only = -/boot -/efi\n",
                       boot_present);
  EXPECT_EQ(item(r.a, "ProtectSystem=").badness, 3u);
  EXPECT_TRUE(has_line(r.a.equivalent_unit, "ProtectSystem=full"));
  EXPECT_EQ(item(analyze("[service]\nexec = /bin/true\n[filesystem]\nread_only =\n"
                         "read_only = /usr\n")
                     .a,
                 "ProtectSystem=")
                .badness,
            5u);
}

TEST(AnalyzeTest, ProtectHomeTakesTheWorstOfTheThreeDirectories) {
  auto home = [](const std::string& filesystem) {
    return item(analyze("[service]\nexec = /bin/true\n[filesystem]\n" + filesystem).a,
                "ProtectHome=")
        .badness;
  };
  EXPECT_EQ(home("inaccessible = /home /root /run/user\n"), 0u);
  EXPECT_EQ(home("mask = /home /root /run/user\n"), 1u);
  EXPECT_EQ(home("inaccessible = /home /root\ntmpfs = /run\n"), 1u);
  EXPECT_EQ(home("read_only = /home /root /run/user\n"), 5u);
  EXPECT_EQ(home("inaccessible = /home /root\n"), 10u);
  Assessment a =
      analyze("[service]\nexec = /bin/true\n[filesystem]\ninaccessible = /home /root\n").a;
  EXPECT_EQ(item(a, "ProtectHome=").description,
            "Service has full access to home directories (/run/user)");
  EXPECT_EQ(a.equivalent_unit.find("ProtectHome="), std::string::npos);
}

TEST(AnalyzeTest, CompositeItemsNeedEveryPart) {
  // Without the default drop list a fresh /dev does not keep the daemon from the hardware.
  Assessment a = analyze("[service]\nexec = /bin/true\n[capabilities]\ndrop =\n").a;
  EXPECT_EQ(item(a, "PrivateDevices=").description,
            "Service potentially has access to hardware devices (CAP_MKNOD kept, CAP_SYS_RAWIO "
            "kept)");
  EXPECT_FALSE(item(a, "ProtectKernelModules=").secure);
  EXPECT_FALSE(item(a, "ProtectKernelLogs=").secure);
  EXPECT_FALSE(item(a, "ProtectClock=").secure);
  EXPECT_TRUE(item(a, "ProtectKernelTunables=").secure);
  EXPECT_FALSE(has_line(a.equivalent_unit, "PrivateDevices=yes"));
  EXPECT_FALSE(has_line(a.equivalent_unit, "ProtectClock=yes"));
  // Nothing implied then: the equivalent unit scores exactly what jharden does.
  EXPECT_DOUBLE_EQ(a.exposure, a.unit_exposure);

  Assessment b = analyze("[service]\nexec = /bin/true\n[seccomp]\ndeny =\ndeny = @module\n").a;
  EXPECT_TRUE(item(b, "ProtectKernelModules=").secure);
  EXPECT_EQ(item(b, "ProtectClock=").description,
            "Service may write to the hardware clock or system clock (@clock not denied)");
}

TEST(AnalyzeTest, UsersAreJudgedLikeSystemdDoes) {
  Assessment nobody = analyze("[service]\nexec = /bin/true\nuser = nobody\n").a;
  EXPECT_EQ(item(nobody, "User=/DynamicUser=").badness, 9u);
  EXPECT_TRUE(item(nobody, "SupplementaryGroups=").applicable);
  EXPECT_TRUE(has_line(nobody.equivalent_unit, "User=nobody"));

  // initgroups(3) puts the primary group in the list; it adds no right, so it is not counted.
  Identity daemon;
  daemon.change = true;
  daemon.uid = daemon.gid = 1;
  daemon.groups = {1};
  const std::string user_daemon = "[service]\nexec = /bin/true\nuser = daemon\n";
  EXPECT_TRUE(item(analyze(user_daemon, nothing_present, daemon).a, "SupplementaryGroups=").secure);
  daemon.groups = {1, 4};
  EXPECT_FALSE(
      item(analyze(user_daemon, nothing_present, daemon).a, "SupplementaryGroups=").secure);

  Assessment groups =
      analyze("[service]\nexec = /bin/true\nuser = daemon\nsupplementary_groups = adm\n").a;
  EXPECT_EQ(item(groups, "User=/DynamicUser=").badness, 0u);
  EXPECT_FALSE(item(groups, "SupplementaryGroups=").secure);
  EXPECT_TRUE(has_line(groups.equivalent_unit, "SupplementaryGroups=adm"));
  // No IPC namespace: IPC objects can outlive the service.
  EXPECT_FALSE(item(groups, "RemoveIPC=").secure);

  Assessment root = analyze("[service]\nexec = /bin/true\nuser = root\n").a;
  EXPECT_FALSE(item(root, "RemoveIPC=").applicable);
  EXPECT_EQ(root.equivalent_unit.find("User="), std::string::npos);
}

TEST(AnalyzeTest, AllowListScoresNineForAnIncludedGroup) {
  Assessment a =
      analyze("[service]\nexec = /bin/true\n[seccomp]\ndeny =\nallow = @system-service\n").a;
  const AssessmentItem& privileged = item(a, "SystemCallFilter=~@privileged");
  EXPECT_EQ(privileged.badness, 9u);
  EXPECT_NE(privileged.description.find("is included (e.g. "), std::string::npos);
  EXPECT_EQ(item(a, "SystemCallFilter=~@mount").badness, 0u);
  EXPECT_EQ(item(a, "SystemCallFilter=~@module").badness, 0u);
}

// systemd-analyze has no Landlock item: the row informs and weighs nothing, whatever its state.
TEST(AnalyzeTest, LandlockRowIsInformational) {
  for (int abi : {0, 2, 7}) {
    for (const char* mode : {"auto", "yes", "no"}) {
      Diagnostics diag;
      Policy policy = parse_policy_files(
          {{"p.conf", std::string(kEmpty) + "[filesystem]\nlandlock = " + mode + "\n"}}, true,
          diag);
      PlanContext context;
      context.landlock_abi = abi;
      Plan plan = build_plan(policy, Identity{}, {}, context, diag);
      ASSERT_TRUE(diag.ok());
      Assessment a = assess(policy, plan, nothing_present);
      const AssessmentItem& row = item(a, "Landlock");
      EXPECT_EQ(row.weight, 0u);
      EXPECT_EQ(row.key, "[filesystem] landlock");
      bool active = abi > 0 && std::string(mode) != "no";
      EXPECT_EQ(row.secure, active) << mode << " " << abi;
      std::string want = std::string(mode) == "no" ? "landlock = no"
                         : abi > 0                 ? "ABI " + std::to_string(abi)
                                                   : "no Landlock in this kernel";
      EXPECT_NE(row.description.find(want), std::string::npos) << row.description;
      EXPECT_DOUBLE_EQ(a.exposure, 4.0) << mode << " " << abi;
      EXPECT_DOUBLE_EQ(a.unit_exposure, 3.9);
    }
  }
}

TEST(AnalyzeTest, RootDirectoryAndExtras) {
  Assessment a = analyze(
                     "[service]\nexec = /bin/true\n[filesystem]\nroot = /srv/root\n"
                     "[namespaces]\npid = yes\n")
                     .a;
  EXPECT_TRUE(item(a, "RootDirectory=/RootImage=").secure);
  EXPECT_TRUE(has_line(a.equivalent_unit, "RootDirectory=/srv/root"));
  auto mentions = [&](std::string_view what) {
    for (const auto& e : a.extras)
      if (e.find(what) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(mentions("pivot_root into /srv/root"));
  EXPECT_TRUE(mentions("PID namespace"));
  EXPECT_TRUE(mentions("1:3 character device"));
  EXPECT_TRUE(mentions("ST_RDONLY"));
}

// ---------------------------------------------------------------------------------------------
// --unit: the unit's settings and the policy together.

struct Together {
  Analyzed policy;
  UnitSettings unit;
  Assessment a;
};

Together together(const std::string& policy_text, const std::vector<UnitSource>& unit_files,
                  const std::string& name = "t.service") {
  Together t;
  t.policy = analyze(policy_text);
  Diagnostics diag;
  t.unit = parse_unit_files(name, unit_files, diag);
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list().front().str());
  const ExecCommand* command = nullptr;
  for (const auto& c : t.unit.exec_start)
    if (runs_jharden(c)) command = &c;
  t.a = assess(t.policy.policy, t.policy.plan, t.unit, command, nothing_present);
  return t;
}

Together together(const std::string& policy_text, const std::string& unit_text) {
  return together(policy_text, {{"t.service", unit_text}});
}

bool noted(const Assessment& a, std::string_view what) {
  for (const auto& n : a.notes)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

// Debian's nginx.service (tests/unit/units/, a copy of package nginx-common 1.22.1-9+deb12u11)
// with the shipped drop-in and policy: better than either alone. The unit adds the device
// cgroup, which no mount can give; the policy everything else.
TEST(AnalyzeUnitTest, ShippedNginxDropInScoresBetterTogether) {
  Together t = together(
      test::read_text(test::source_path("conf/nginx.conf")),
      {{"nginx.service", test::read_text(test::source_path("tests/unit/units/nginx.service"))},
       {"nginx.service.d/jharden.conf",
        test::read_text(test::source_path("units/nginx.service.d/jharden.conf"))}},
      "nginx.service");
  const Assessment& a = t.a;
  EXPECT_EQ(a.unit, "nginx.service");
  EXPECT_LT(a.exposure, a.policy_alone_exposure);
  EXPECT_LT(a.policy_alone_exposure, a.unit_alone_exposure);
  EXPECT_DOUBLE_EQ(a.policy_alone_exposure, t.policy.a.exposure);
  // systemd-analyze security --offline=yes gives the unit and its drop-in 9.4.
  EXPECT_DOUBLE_EQ(a.unit_alone_exposure, 9.4);
  EXPECT_EQ(item(a, "DeviceAllow=").provider, "unit");
  EXPECT_EQ(item(a, "DeviceAllow=").description, "Service has a minimal device ACL");
  EXPECT_EQ(item(a, "PrivateTmp=").provider, "jharden");
  EXPECT_EQ(item(a, "User=/DynamicUser=").provider, "jharden");
  // The drop-in leaves NotifyAccess= at main: the readiness helper sends as the main process.
  EXPECT_EQ(item(a, "NotifyAccess=").provider, "unit");
  EXPECT_EQ(item(a, "IPAddressDeny=").provider, "neither");
  EXPECT_NE(a.exec_start.find("nginx.service.d/jharden.conf:"), std::string::npos);
  std::string text = assessment_to_text(a);
  EXPECT_NE(text.find("PROVIDED BY"), std::string::npos);
  EXPECT_NE(text.find("→ Overall exposure level for nginx.service with "), std::string::npos);
}

constexpr const char* kHardenedUnit =
    "[Service]\n"
    "User=svc\n"
    "PrivateTmp=yes\n"
    "ProtectSystem=strict\n"
    "ProtectHome=yes\n"
    "CapabilityBoundingSet=\n"
    "SystemCallFilter=@system-service\n"
    "RestrictAddressFamilies=AF_UNIX\n"
    "RestrictSUIDSGID=yes\n"
    "UMask=0077\n"
    "DevicePolicy=closed\n"
    "PrivateNetwork=yes\n"
    "IPAddressDeny=any\n"
    "KeyringMode=shared\n";

// systemd applies none of the sandboxing, credentials or filters to a "+" command: only the
// control-group settings, the manager's own and the namespaces it joins reach jharden.
TEST(AnalyzeUnitTest, PlusPrefixCreditsOnlyWhatStillApplies) {
  const std::string policy =
      "[service]\nexec = /bin/true\n[filesystem]\nprivate_tmp = no\n"
      "[seccomp]\nrestrict_suid_sgid = no\n";
  Together t =
      together(policy, std::string(kHardenedUnit) + "ExecStart=+/usr/lib/jharden p.conf\n");
  const Assessment& a = t.a;
  EXPECT_TRUE(a.fully_privileged);
  for (const char* id : {"PrivateTmp=", "RestrictAddressFamilies=~AF_(INET|INET6)",
                         "RestrictSUIDSGID=", "PrivateUsers="})
    EXPECT_EQ(item(a, id).provider, "neither") << id;
  EXPECT_EQ(item(a, "User=/DynamicUser=").provider, "neither");  // root: no setuid with "+"
  EXPECT_EQ(item(a, "ProtectHome=").provider, "neither");
  EXPECT_EQ(item(a, "ProtectSystem=").provider, "jharden");  // full, from read_only = /usr /etc
  EXPECT_EQ(item(a, "CapabilityBoundingSet=~CAP_SYS_ADMIN").provider, "jharden");
  EXPECT_EQ(item(a, "CapabilityBoundingSet=~CAP_KILL").provider, "neither");
  for (const char* id : {"DeviceAllow=", "PrivateNetwork=", "IPAddressDeny="})
    EXPECT_EQ(item(a, id).provider, "unit") << id;
  EXPECT_FALSE(item(a, "KeyringMode=").secure);  // manager-level: applies, and is bad
  EXPECT_EQ(item(a, "UMask=").provider, "jharden");
  EXPECT_TRUE(noted(a, "ExecStart=+: systemd applies none of the unit's sandboxing"));
  EXPECT_TRUE(noted(a, "not reaching the daemon"));
  EXPECT_TRUE(noted(a, "PrivateTmp="));
  EXPECT_TRUE(noted(a, "UMask="));

  // The same unit without "+": its settings reach jharden and the daemon, but stop jharden
  // from building its sandbox, which the assessment says.
  Together s = together(policy, std::string(kHardenedUnit) + "ExecStart=/usr/lib/jharden p.conf\n");
  EXPECT_FALSE(s.a.fully_privileged);
  EXPECT_LT(s.a.exposure, a.exposure);
  for (const char* id :
       {"PrivateTmp=", "RestrictAddressFamilies=~AF_(INET|INET6)", "RestrictSUIDSGID=",
        "User=/DynamicUser=", "ProtectHome=", "CapabilityBoundingSet=~CAP_KILL"})
    EXPECT_EQ(item(s.a, id).provider, "unit") << id;
  EXPECT_EQ(item(s.a, "ProtectSystem=").provider, "unit");  // strict beats full
  EXPECT_EQ(item(s.a, "CapabilityBoundingSet=~CAP_SYS_ADMIN").provider, "both");
  EXPECT_TRUE(item(s.a, "SupplementaryGroups=").applicable);
  EXPECT_EQ(item(s.a, "UMask=").provider, "jharden");  // jharden sets its own
  EXPECT_TRUE(noted(s.a, "keep jharden from building its sandbox: User=/DynamicUser="));
  EXPECT_TRUE(noted(s.a, "CapabilityBoundingSet= without CAP_SYS_ADMIN"));
  EXPECT_TRUE(noted(s.a, "SystemCallFilter= refusing mount()"));

  // "!" skips only the credentials.
  Together bang =
      together(policy, std::string(kHardenedUnit) + "ExecStart=!/usr/lib/jharden p.conf\n");
  EXPECT_EQ(item(bang.a, "User=/DynamicUser=").provider, "neither");
  EXPECT_EQ(item(bang.a, "PrivateTmp=").provider, "unit");
  EXPECT_TRUE(noted(bang.a, "ExecStart=!"));
}

// A capability group or a system call group that each side covers only in part is covered by
// the two together: both bounding sets and both filters hold at once.
TEST(AnalyzeUnitTest, HalfAndHalfMakesWhole) {
  Together t = together(
      "[service]\nexec = /bin/true\n[capabilities]\ndrop = CAP_SETGID CAP_SETPCAP\n"
      "[seccomp]\ndeny =\ndeny = reboot\n",
      "[Service]\nCapabilityBoundingSet=~CAP_SETUID\nSystemCallFilter=~kexec_load kexec_file_load\n"
      "ExecStart=/usr/lib/jharden p.conf\n");
  const AssessmentItem& caps = item(t.a, "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)");
  EXPECT_TRUE(caps.secure);
  EXPECT_EQ(caps.provider, "both");
  EXPECT_FALSE(item(t.policy.a, "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)").secure);
  const AssessmentItem& reboot = item(t.a, "SystemCallFilter=~@reboot");
  EXPECT_TRUE(reboot.secure);
  EXPECT_EQ(reboot.provider, "both");
  EXPECT_FALSE(item(t.policy.a, "SystemCallFilter=~@reboot").secure);
  EXPECT_EQ(item(t.a, "SystemCallFilter=~@swap").provider, "neither");
}

// The identity is one: the policy's when it names a user, else the unit's (without "!"/"+").
TEST(AnalyzeUnitTest, PolicyUserWinsOverUnitUser) {
  Together t = together("[service]\nexec = /bin/true\nuser = daemon\n",
                        "[Service]\nUser=nobody\nExecStart=/usr/lib/jharden p.conf\n");
  EXPECT_EQ(item(t.a, "User=/DynamicUser=").badness, 0u);
  EXPECT_EQ(item(t.a, "User=/DynamicUser=").provider, "jharden");
  EXPECT_TRUE(noted(t.a, "runs as the policy's user, not as the unit's User=nobody"));

  Together u = together(kEmpty, "[Service]\nDynamicUser=yes\nExecStart=/usr/lib/jharden p.conf\n");
  EXPECT_EQ(item(u.a, "User=/DynamicUser=").provider, "unit");
  EXPECT_EQ(item(u.a, "RemoveIPC=").provider, "unit");  // DynamicUser= implies it
}

TEST(AnalyzeUnitTest, EarlyBootUnitsSkipItemsLikeSystemd) {
  Together t = together(kEmpty,
                        "[Unit]\nDefaultDependencies=no\n[Service]\n"
                        "ExecStart=/usr/lib/jharden p.conf\n");
  for (const char* id :
       {"PrivateTmp=", "ProtectHome=", "ProtectSystem=", "RootDirectory=/RootImage="}) {
    EXPECT_FALSE(item(t.a, id).applicable) << id;
    EXPECT_EQ(item(t.a, id).provider, "") << id;
  }
}

TEST(AnalyzeUnitTest, JsonNamesTheUnitAndEachProvider) {
  Together t =
      together(kEmpty, "[Service]\nPrivateNetwork=yes\nExecStart=+/usr/lib/jharden p.conf\n");
  nlohmann::json j = assessment_to_json(t.a);
  EXPECT_EQ(j["unit"]["name"], "t.service");
  EXPECT_EQ(j["unit"]["fully_privileged"], true);
  EXPECT_EQ(j["unit"]["files"].size(), 1u);
  ASSERT_TRUE(j["notes"].is_array());
  EXPECT_DOUBLE_EQ(j["policy_alone_exposure"].get<double>(), 4.0);
  for (const auto& i : j["items"]) {
    if (i["applicable"].get<bool>()) {
      EXPECT_TRUE(i["provider"].is_string()) << i["id"];
    } else {
      EXPECT_TRUE(i["provider"].is_null()) << i["id"];
    }
    if (i["id"] == "PrivateNetwork=") {
      EXPECT_EQ(i["provider"], "unit");
    }
  }
  // Without --unit, no provider at all.
  EXPECT_FALSE(assessment_to_json(analyze(kEmpty).a)["items"][0].contains("provider"));
}

TEST(AnalyzeUnitTest, CommandLineFindsThePolicyInExecStart) {
  test::TempDir d;
  d.write("policies/web.conf", "[service]\nexec = /bin/true\n");
  std::string unit = d.write("web.service",
                             "[Service]\nType=notify\nExecStart=+/usr/lib/jharden "
                             "--policy-dir " +
                                 d.path() + "/policies web.conf\n");
  d.write("web.service.d/x.conf", "[Service]\nPrivateNetwork=yes\n");
  auto r = test::run_jharden({"--analyze", "--json", "--unit", unit});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"], d.path() + "/policies/web.conf");
  EXPECT_EQ(j["unit"]["files"].size(), 2u);
  EXPECT_EQ(j["unit"]["fully_privileged"], true);

  // POLICY given: it wins over the unit's.
  std::string other = d.write("other.conf", "[service]\nexec = /bin/true\n");
  r = test::run_jharden({"--analyze", "--unit", unit, other});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(test::has_substr(r.out, "with " + other + ":"));

  std::string plain = d.write("plain.service", "[Service]\nExecStart=/usr/sbin/daemon\n");
  r = test::run_jharden({"--analyze", "--unit", plain});
  EXPECT_EQ(r.status, 78);
  EXPECT_TRUE(test::has_substr(r.err, "plain.service: no ExecStart= runs jharden; give POLICY"));

  std::string broken = d.write("broken.service", "[Service]\nPrivateTmp=perhaps\n");
  r = test::run_jharden({"--analyze", "--unit", broken, other});
  EXPECT_EQ(r.status, 78);
  EXPECT_TRUE(test::has_substr(r.err, broken + ":2: error: PrivateTmp=: not a boolean"));

  EXPECT_EQ(test::run_jharden({"--print", "--unit", unit, other}).status, 2);
  EXPECT_EQ(test::run_jharden({"--analyze", "--unit"}).status, 2);
  EXPECT_EQ(test::run_jharden({"--analyze", "--unit", d / "absent.service", other}).status, 1);
}

}  // namespace
}  // namespace jharden
