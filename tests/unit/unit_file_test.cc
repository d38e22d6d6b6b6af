#include "unit_file.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;
using test::TempDir;

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

UnitSettings parse(const std::vector<UnitSource>& files, std::vector<std::string>* errors = nullptr,
                   const std::string& name = "t.service") {
  Diagnostics diag;
  UnitSettings u = parse_unit_files(name, files, diag);
  if (errors) {
    for (const auto& d : diag.list()) errors->push_back(d.str());
  } else {
    EXPECT_TRUE(diag.ok()) << diag.list().front().str();
  }
  return u;
}

UnitSettings parse(const std::string& text) { return parse({{"t.service", text}}); }

std::vector<std::string> errors(const std::string& text) {
  std::vector<std::string> out;
  parse({{"t.service", text}}, &out);
  return out;
}

TEST(UnitFileTest, ContinuationLinesAndComments) {
  UnitSettings u = parse(
      "# comment\n"
      "; another\n"
      "[Service]\n"
      "SupplementaryGroups=adm \\\n"
      "# a comment inside the continuation is skipped\n"
      "  audio\\\n"
      "video\n"
      "  ProtectSystem =  strict  \n");
  EXPECT_EQ(u.supplementary_groups, (std::vector<std::string>{"adm", "audio", "video"}));
  EXPECT_EQ(u.protect_system, "strict");
}

TEST(UnitFileTest, EmptyAssignmentResetsListsAndLaterScalarsWin) {
  UnitSettings u = parse({{"a.service",
                           "[Service]\nSupplementaryGroups=adm\nSystemCallFilter=~@mount\n"
                           "ProtectSystem=full\nExecStart=/usr/sbin/daemon\n"},
                          {"a.service.d/x.conf",
                           "[Service]\nSupplementaryGroups=\nSupplementaryGroups=audio\n"
                           "SystemCallFilter=\nProtectSystem=yes\nExecStart=\n"
                           "ExecStart=+/usr/lib/jharden daemon.conf\n"}});
  EXPECT_EQ(u.supplementary_groups, (std::vector<std::string>{"audio"}));
  EXPECT_TRUE(u.syscall_filter.empty());
  EXPECT_FALSE(u.syscall_allow_list);
  EXPECT_EQ(u.protect_system, "yes");
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_TRUE(u.exec_start[0].fully_privileged);
  EXPECT_TRUE(runs_jharden(u.exec_start[0]));
  EXPECT_EQ(u.exec_start[0].argv, (std::vector<std::string>{"/usr/lib/jharden", "daemon.conf"}));
  EXPECT_EQ(u.exec_start[0].origin.str(), "a.service.d/x.conf:7");
  EXPECT_EQ(u.files, (std::vector<std::string>{"a.service", "a.service.d/x.conf"}));
}

TEST(UnitFileTest, InvertedListsFollowSystemd) {
  UnitSettings u = parse(
      "[Service]\n"
      "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE\n"
      "CapabilityBoundingSet=~cap_net_raw\n"
      "RestrictAddressFamilies=AF_UNIX AF_INET\n"
      "RestrictAddressFamilies=~AF_INET\n"
      "RestrictNamespaces=~user net\n"
      "SystemCallFilter=@system-service\n"
      "SystemCallFilter=~ @privileged\n");
  EXPECT_EQ(u.bounding & (bit(CAP_SYS_ADMIN) | bit(CAP_SYS_PTRACE) | bit(CAP_NET_RAW)), 0u);
  EXPECT_NE(u.bounding & bit(CAP_CHOWN), 0u);
  EXPECT_TRUE(u.address_families_allow_list);
  EXPECT_EQ(u.address_families, (std::set<std::string>{"AF_UNIX"}));
  EXPECT_EQ(u.namespaces_allowed & CLONE_NEWUSER, 0u);
  EXPECT_EQ(u.namespaces_allowed & CLONE_NEWNET, 0u);
  EXPECT_NE(u.namespaces_allowed & CLONE_NEWNS, 0u);
  EXPECT_TRUE(u.syscall_allow_list);
  EXPECT_TRUE(u.syscall_filter.contains("read"));
  EXPECT_FALSE(u.syscall_filter.contains("chroot"));

  // An allow list of capabilities replaces the initial "all", then adds.
  UnitSettings caps =
      parse("[Service]\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL\n");
  EXPECT_EQ(caps.bounding, bit(CAP_CHOWN) | bit(CAP_KILL));
  EXPECT_EQ(parse("[Service]\nCapabilityBoundingSet=\n").bounding, 0u);
  EXPECT_EQ(parse("[Service]\nRestrictNamespaces=yes\n").namespaces_allowed, 0u);
}

TEST(UnitFileTest, ExecStartPrefixes) {
  UnitSettings u = parse(
      "[Service]\nType=oneshot\nExecStart=-!/usr/lib/jharden a.conf\n"
      "ExecStart=@/usr/sbin/d d-name --flag\nExecStart=!!/usr/bin/x\n");
  ASSERT_EQ(u.exec_start.size(), 3u);
  EXPECT_TRUE(u.exec_start[0].ignore_failure);
  EXPECT_TRUE(u.exec_start[0].no_setuid);
  EXPECT_FALSE(u.exec_start[0].fully_privileged);
  EXPECT_EQ(u.exec_start[1].path, "/usr/sbin/d");
  EXPECT_EQ(u.exec_start[1].argv, (std::vector<std::string>{"d-name", "--flag"}));
  EXPECT_TRUE(u.exec_start[2].no_setuid);
  EXPECT_FALSE(runs_jharden(u.exec_start[2]));
}

TEST(UnitFileTest, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(
      errors("[Service]\nPrivateTmp=maybe\n"),
      (std::vector<std::string>{"t.service:2: error: PrivateTmp=: not a boolean: \"maybe\""}));
  EXPECT_TRUE(
      has_substr(errors("[Service]\nCapabilityBoundingSet=CAP_NOPE\n").at(0),
                 "t.service:2: error: CapabilityBoundingSet=: unknown capability CAP_NOPE"));
  EXPECT_TRUE(
      has_substr(errors("PrivateTmp=yes\n").at(0), "t.service:1: error: assignment outside"));
  EXPECT_TRUE(has_substr(errors("[Service\n").at(0), "t.service:1: error: invalid section header"));
  EXPECT_TRUE(
      has_substr(errors("[Service]\nPrivateTmp\n").at(0), "t.service:2: error: missing \"=\""));
  EXPECT_TRUE(has_substr(errors("[Service]\nSystemCallFilter=~@nope\n").at(0),
                         "unknown system call or group @nope"));
  EXPECT_TRUE(has_substr(errors("[Service]\nProtectHome=sometimes\n").at(0), "t.service:2"));
  // A continued assignment is named by its first line.
  EXPECT_TRUE(
      has_substr(errors("[Service]\n\nProtectSystem=\\\nstrictly\n").at(0), "t.service:3:"));
  EXPECT_TRUE(has_substr(errors("[Service]\nUser=%u\n").at(0), "unsupported specifier %u"));
  // Settings the score does not use and unknown sections are systemd's business.
  EXPECT_TRUE(errors("[Service]\nLimitNOFILE=65535\nFooBar=1\nEnvironment=HOME=%h\n"
                     "[Install]\nWantedBy=x\n")
                  .empty());
}

TEST(UnitFileTest, SpecifiersOfTemplates) {
  UnitSettings u = parse({{"jharden@.service",
                           "[Service]\nExecStart=/usr/lib/jharden %i.conf\n"
                           "RootDirectory=/srv/%p/%%\n"}},
                         nullptr, "jharden@nginx.service");
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_EQ(u.exec_start[0].argv[1], "nginx.conf");
  EXPECT_EQ(u.root_directory, "/srv/jharden/%");
}

TEST(UnitFileTest, PatchedLikeSystemdLoadsIt) {
  UnitSettings u =
      patched(parse("[Service]\nPrivateDevices=yes\nProtectClock=yes\nType=notify\n"
                    "DynamicUser=yes\n"));
  EXPECT_EQ(u.device_policy, "closed");
  EXPECT_EQ(u.device_allow, (std::vector<std::string>{"char-rtc r"}));
  EXPECT_EQ(u.bounding & (bit(CAP_MKNOD) | bit(CAP_SYS_RAWIO) | bit(CAP_SYS_TIME)), 0u);
  EXPECT_EQ(u.notify_access, "main");
  EXPECT_EQ(u.user, "t");
  EXPECT_EQ(u.protect_system, "strict");
  EXPECT_EQ(u.protect_home, "read-only");
  EXPECT_TRUE(u.private_tmp && u.remove_ipc && u.no_new_privileges && u.restrict_suid_sgid);
  // Without a device policy nothing is closed, so the RTC is not singled out.
  EXPECT_TRUE(patched(parse("[Service]\nProtectClock=yes\n")).device_allow.empty());
}

TEST(UnitFileTest, UnitSettingsTextParsesBackToTheSame) {
  UnitSettings u = parse(
      "[Service]\nUser=www-data\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nPrivateTmp=yes\n"
      "ProtectSystem=strict\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
      "RestrictNamespaces=~user\nSystemCallFilter=~@mount @swap\nDevicePolicy=closed\n"
      "DeviceAllow=/dev/kmsg r\nIPAddressDeny=any\nIPAddressAllow=localhost\nUMask=0027\n");
  UnitSettings back = parse(unit_settings_text(u));
  EXPECT_EQ(back.user, u.user);
  EXPECT_EQ(back.bounding, u.bounding);
  EXPECT_EQ(back.private_tmp, u.private_tmp);
  EXPECT_EQ(back.protect_system, u.protect_system);
  EXPECT_EQ(back.address_families, u.address_families);
  EXPECT_EQ(back.namespaces_allowed, u.namespaces_allowed);
  EXPECT_EQ(back.syscall_filter, u.syscall_filter);
  EXPECT_EQ(back.device_allow, u.device_allow);
  EXPECT_EQ(back.ip_address_allow, u.ip_address_allow);
  EXPECT_EQ(back.umask, u.umask);
  EXPECT_TRUE(has_substr(unit_settings_text(u), "SystemCallFilter=~@mount @swap\n"));
}

TEST(UnitFileTest, LookupLikeSystemd) {
  TempDir etc, lib;
  lib.write("foo.service", "[Service]\nExecStart=/bin/true\n");
  etc.write("foo.service.d/10-a.conf", "[Service]\nPrivateTmp=yes\n");
  lib.write("foo.service.d/10-a.conf", "[Service]\nPrivateTmp=no\n");  // hidden by /etc's
  lib.write("foo.service.d/05-b.conf", "[Service]\nProtectSystem=full\n");
  lib.write("foo.service.d/README", "not a drop-in");
  lib.write("service.d/00-all.conf", "[Service]\nNoNewPrivileges=yes\n");
  std::string name;
  std::vector<std::string> files;
  Diagnostics diag;
  ASSERT_TRUE(find_unit_files("foo", {etc.path(), lib.path()}, name, files, diag));
  EXPECT_EQ(name, "foo.service");
  EXPECT_EQ(files, (std::vector<std::string>{lib / "foo.service", lib / "service.d/00-all.conf",
                                             lib / "foo.service.d/05-b.conf",
                                             etc / "foo.service.d/10-a.conf"}));
  UnitSettings u;
  ASSERT_TRUE(load_unit(name, files, u, diag));
  EXPECT_TRUE(u.private_tmp);
  EXPECT_TRUE(u.no_new_privileges);

  // A template serves its instances, with its own and the instance's drop-ins.
  lib.write("jh@.service", "[Service]\nExecStart=/usr/lib/jharden %i.conf\n");
  etc.write("jh@.service.d/a.conf", "[Service]\nPrivateNetwork=yes\n");
  ASSERT_TRUE(find_unit_files("jh@web.service", {etc.path(), lib.path()}, name, files, diag));
  EXPECT_EQ(files, (std::vector<std::string>{lib / "jh@.service", lib / "service.d/00-all.conf",
                                             etc / "jh@.service.d/a.conf"}));

  // A path: its drop-ins are beside it.
  ASSERT_TRUE(find_unit_files(lib / "foo.service", {}, name, files, diag));
  EXPECT_EQ(files, (std::vector<std::string>{lib / "foo.service", lib / "foo.service.d/05-b.conf",
                                             lib / "foo.service.d/10-a.conf"}));

  ASSERT_EQ(symlink("/dev/null", (etc / "masked.service").c_str()), 0);
  EXPECT_FALSE(find_unit_files("masked.service", {etc.path(), lib.path()}, name, files, diag));
  EXPECT_FALSE(find_unit_files("absent.service", {etc.path(), lib.path()}, name, files, diag));
  EXPECT_FALSE(find_unit_files("jh@.service", {etc.path(), lib.path()}, name, files, diag));
  ASSERT_EQ(diag.list().size(), 3u);
  EXPECT_TRUE(has_substr(diag.list()[0].str(), "is masked"));
  EXPECT_TRUE(has_substr(diag.list()[1].str(), "unit absent.service not found in "));
  EXPECT_TRUE(has_substr(diag.list()[2].str(), "is a template: name an instance"));
}

// Mutated unit files (byte flips, truncation, random settings, continuation and "%" at odd
// places) never crash the parser or the assessment, and a rejected one says why with a line.
TEST(UnitFileTest, MutatedUnitsNeverCrash) {
  const std::vector<std::string> seeds = {
      test::read_text(test::source_path("tests/analyze/units/redis-server.service")),
      test::read_text(test::source_path("tests/analyze/units/early-boot.service")),
      test::read_text(test::source_path("units/nginx.service.d/jharden.conf"))};
  const std::vector<std::string> lines = {"[Service]",
                                          "[Unit]",
                                          "[",
                                          "SystemCallFilter=~",
                                          "SystemCallFilter=@system-service",
                                          "SystemCallFilter=",
                                          "CapabilityBoundingSet=~",
                                          "RestrictAddressFamilies=none",
                                          "RestrictAddressFamilies=~AF_PACKET",
                                          "RestrictNamespaces=~user",
                                          "ExecStart=+",
                                          "ExecStart=@",
                                          "ExecStart=!!/usr/lib/jharden %i",
                                          "ExecStart=\"unterminated",
                                          "User=%",
                                          "ProtectSystem=strict",
                                          "ProtectHome=tmpfs",
                                          "DevicePolicy=strict",
                                          "UMask=99999",
                                          "DefaultDependencies=no",
                                          "PrivateDevices=yes \\",
                                          "=x",
                                          "Type=notify"};
  std::mt19937 rng(0x756e6974);
  for (int n = 0; n < 3000; ++n) {
    std::string text = seeds[rng() % seeds.size()];
    for (int k = rng() % 4; k > 0; --k) {
      switch (rng() % 3) {
        case 0:
          if (!text.empty()) text[rng() % text.size()] = static_cast<char>(rng() % 128);
          break;
        case 1:
          text.insert(rng() % (text.size() + 1), "\n" + lines[rng() % lines.size()] + "\n");
          break;
        default:
          text.resize(rng() % (text.size() + 1));
      }
    }
    Diagnostics diag;
    UnitSettings u = parse_unit_files("f@i.service", {{"f@i.service", text}}, diag);
    for (const auto& d : diag.list()) ASSERT_FALSE(d.message.empty());
    if (diag.ok()) (void)unit_settings_text(patched(u));
  }
}

}  // namespace
}  // namespace jharden
