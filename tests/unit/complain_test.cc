// --complain's attribution (complain.h): which policy entry makes a path access or a system
// call fail. Pure functions of the plan, so every case runs here without privilege.
#include "complain.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "seccomp_filter.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;
using test::kFile;

Plan plan_of(const std::string& text, PlanContext context = {}) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{kFile, text}}, false, diag);
  EXPECT_TRUE(diag.ok()) << diag.list()[0].str();
  Plan plan = build_plan(policy, Identity{}, {}, context, diag);
  EXPECT_TRUE(diag.ok()) << diag.list()[0].str();
  return plan;
}

// The verdict as one string: "EROFS read-only FILE:LINE (KEY = VALUE)", or "allowed".
std::string verdict(const Plan& plan, const std::string& path, FsAccess access) {
  auto r = attribute_path(plan, path, access);
  if (!r) return "allowed";
  return std::string(r->error == EROFS    ? "EROFS"
                     : r->error == EACCES ? "EACCES"
                     : r->error == ENOENT ? "ENOENT"
                                          : "?") +
         " " + r->reason + " " + r->blame.str();
}

std::string write(const Plan& plan, const std::string& path) {
  return verdict(plan, path, FsAccess::kWrite);
}
std::string read(const Plan& plan, const std::string& path) {
  return verdict(plan, path, FsAccess::kRead);
}

const std::string F = std::string(kFile);

MountEntry entry(MountKind kind, const std::string& target, Origin origin) {
  MountEntry e;
  e.kind = kind;
  e.target = target;
  e.origin = std::move(origin);
  return e;
}

// --- the filesystem view ------------------------------------------------------------------

TEST(AttributePath, BaselineUsrAndEtcAreReadOnlyByTheDefaults) {
  Plan p = plan_of("");
  EXPECT_EQ(write(p, "/usr/bin/x"), "EROFS read-only (default read_only /usr)");
  EXPECT_EQ(write(p, "/etc/passwd"), "EROFS read-only (default read_only /etc)");
  EXPECT_EQ(write(p, "/usr"), "EROFS read-only (default read_only /usr)");
  EXPECT_EQ(read(p, "/usr/bin/x"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/x"), "allowed");
  // A component boundary, not a string prefix.
  EXPECT_EQ(write(p, "/usr-local/x"), "allowed");
  EXPECT_EQ(write(p, "/etcetera"), "allowed");
}

TEST(AttributePath, ReadOnlyRootNamesItsLine) {
  Plan p = plan_of("[filesystem]\n# data\nread_only = /\n");
  EXPECT_EQ(write(p, "/var/lib/nginx/x"), "EROFS read-only " + F + ":3 (read_only = /)");
  EXPECT_EQ(write(p, "/"), "EROFS read-only " + F + ":3 (read_only = /)");
  // The deeper default entries win over "/": /usr is read-only by its own default line.
  EXPECT_EQ(write(p, "/usr/x"), "EROFS read-only (default read_only /usr)");
}

TEST(AttributePath, WritableHoleInReadOnlyTree) {
  Plan p = plan_of("[filesystem]\nread_only = /\nread_write = /var/lib/app\n");
  EXPECT_EQ(write(p, "/var/lib/app"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/app/db/x"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/app2"), "EROFS read-only " + F + ":2 (read_only = /)");
  EXPECT_EQ(write(p, "/var/lib"), "EROFS read-only " + F + ":2 (read_only = /)");
}

TEST(AttributePath, ReadOnlyInsideAHoleWinsBeingDeeper) {
  Plan p = plan_of("[filesystem]\nread_only = /\nread_write = /srv\nread_only = /srv/conf\n");
  EXPECT_EQ(write(p, "/srv/data"), "allowed");
  EXPECT_EQ(write(p, "/srv/conf/a.ini"), "EROFS read-only " + F + ":4 (read_only = /srv/conf)");
}

TEST(AttributePath, OptionalEntryKeepsItsDash) {
  Plan p = plan_of("[filesystem]\nread_only = -/opt/app\n");
  EXPECT_EQ(write(p, "/opt/app/x"), "EROFS read-only " + F + ":2 (read_only = -/opt/app)");
}

TEST(AttributePath, InaccessiblePathRefusesEveryAccess) {
  Plan p = plan_of("[filesystem]\ninaccessible = /home /root\n");
  EXPECT_EQ(read(p, "/home/u/.ssh/id"), "EACCES inaccessible " + F + ":2 (inaccessible = /home)");
  EXPECT_EQ(write(p, "/home"), "EACCES inaccessible " + F + ":2 (inaccessible = /home)");
  EXPECT_EQ(read(p, "/root"), "EACCES inaccessible " + F + ":2 (inaccessible = /root)");
  EXPECT_EQ(read(p, "/homework"), "allowed");
}

TEST(AttributePath, InaccessibleUnderAWritableBindStillRefuses) {
  Plan p = plan_of("[filesystem]\nbind = /srv/data:/data\ninaccessible = /data/keys\n");
  EXPECT_EQ(write(p, "/data/x"), "allowed");
  EXPECT_EQ(read(p, "/data/keys/k"), "EACCES inaccessible " + F + ":3 (inaccessible = /data/keys)");
}

TEST(AttributePath, MasksReadEmptyAndRefuseWrites) {
  Plan p = plan_of("[filesystem]\nmask = /srv/m\n");
  EXPECT_EQ(read(p, "/proc/loadavg"), "allowed");
  EXPECT_EQ(write(p, "/proc/loadavg"), "EROFS masked (default mask /proc/loadavg)");
  EXPECT_EQ(read(p, "/srv/m"), "allowed");
  EXPECT_EQ(read(p, "/srv/m/file"), "ENOENT masked " + F + ":2 (mask = /srv/m)");
  EXPECT_EQ(write(p, "/srv/m/file"), "EROFS masked " + F + ":2 (mask = /srv/m)");
}

TEST(AttributePath, PrivateDevHasOnlyTheStandardDevices) {
  Plan p = plan_of("");
  EXPECT_EQ(read(p, "/dev/sda"), "ENOENT no such device (default private_dev yes)");
  EXPECT_EQ(read(p, "/dev/kmsg"), "ENOENT no such device (default private_dev yes)");
  EXPECT_EQ(read(p, "/dev/net/tun"), "ENOENT no such device (default private_dev yes)");
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                          "/dev/tty", "/dev/ptmx", "/dev/pts/0", "/dev/stdout", "/dev/fd/3"})
    EXPECT_EQ(read(p, dev), "allowed") << dev;
  EXPECT_EQ(write(p, "/dev/null"), "allowed");
  EXPECT_EQ(write(p, "/dev/shm/seg"), "allowed");
  // The private /dev's own tmpfs is read-only: nothing new appears in it.
  EXPECT_EQ(write(p, "/dev/newnode"), "EROFS no such device (default private_dev yes)");
}

TEST(AttributePath, PrivateDevWrittenInThePolicyNamesItsLine) {
  Plan p = plan_of("[filesystem]\nprivate_dev = yes\n");
  EXPECT_EQ(read(p, "/dev/sda"), "ENOENT no such device " + F + ":2 (private_dev = yes)");
}

TEST(AttributePath, DeviceBoundIntoPrivateDevIsThere) {
  Plan p = plan_of("[filesystem]\nbind = /dev/kmsg:/dev/kmsg\n");
  EXPECT_EQ(read(p, "/dev/kmsg"), "allowed");
  EXPECT_EQ(read(p, "/dev/kmsg2"), "ENOENT no such device (default private_dev yes)");
}

TEST(AttributePath, NoPrivateDevNoDeviceVerdict) {
  Plan p = plan_of("[filesystem]\nprivate_dev = no\n");
  EXPECT_EQ(read(p, "/dev/sda"), "allowed");
}

TEST(AttributePath, ReadOnlyBindNamesTheBind) {
  Plan p = plan_of("[filesystem]\nread_only = /\nbind = /srv/data:/data:ro\nbind = /srv/w:/w\n");
  EXPECT_EQ(write(p, "/data/x"), "EROFS read-only " + F + ":3 (bind = /srv/data:/data:ro)");
  // A writable bind is a hole of its own in the read-only root.
  EXPECT_EQ(write(p, "/w/x"), "allowed");
}

TEST(AttributePath, ReadOnlyTmpfsAndPrivateTmp) {
  Plan p = plan_of("[filesystem]\nread_only = /\ntmpfs = /run/app:ro\n");
  EXPECT_EQ(write(p, "/run/app/pid"), "EROFS read-only " + F + ":3 (tmpfs = /run/app)");
  EXPECT_EQ(write(p, "/tmp/x"), "allowed");
  EXPECT_EQ(write(p, "/var/tmp/x"), "allowed");
}

TEST(AttributePath, ProtectKernelNamesTheKey) {
  Plan p = plan_of("");
  EXPECT_EQ(write(p, "/proc/sys/kernel/core_pattern"),
            "EROFS read-only (default protect_kernel yes)");
  EXPECT_EQ(write(p, "/sys/class/x"), "EROFS read-only (default protect_kernel yes)");
  EXPECT_EQ(write(p, "/proc/self/oom_score_adj"), "allowed");
  Plan q = plan_of("[filesystem]\nprotect_kernel = yes\n");
  EXPECT_EQ(write(q, "/proc/sysrq-trigger"), "EROFS read-only " + F + ":2 (protect_kernel = yes)");
}

TEST(AttributePath, DeepestEntryWinsWhateverTheOrderOfThePlan) {
  Plan p;
  p.mounts = {entry(MountKind::kReadOnly, "/var/lib/app/etc", {"a.conf", 3}),
              entry(MountKind::kReadWrite, "/var/lib/app", {"a.conf", 2}),
              entry(MountKind::kReadOnly, "/", {"a.conf", 1})};
  EXPECT_EQ(write(p, "/var/lib/app/etc/x"),
            "EROFS read-only a.conf:3 (read_only = /var/lib/app/etc)");
  EXPECT_EQ(write(p, "/var/lib/app/x"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/x"), "EROFS read-only a.conf:1 (read_only = /)");
}

TEST(AttributePath, LandlockRefusesWhatTheMountsLetThrough) {
  Plan p;
  p.landlock.mode = LandlockMode::kYes;
  p.landlock.abi = 3;
  p.landlock.origin = {"a.conf", 7};
  p.landlock.rules = {{LandlockRule::Kind::kBeneath, "/var/lib/app", {}, false, {}},
                      {LandlockRule::Kind::kEntries, "/srv", {"conf", "keys"}, false, {}},
                      {LandlockRule::Kind::kWriteOnly, "/dev/null", {}, false, {}}};
  EXPECT_EQ(write(p, "/var/lib/app/x"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/other"), "EACCES refused by Landlock a.conf:7 (landlock = yes)");
  EXPECT_EQ(write(p, "/srv/data/x"), "allowed");
  EXPECT_EQ(write(p, "/srv/conf/x"), "EACCES refused by Landlock a.conf:7 (landlock = yes)");
  EXPECT_EQ(write(p, "/srv"), "EACCES refused by Landlock a.conf:7 (landlock = yes)");
  EXPECT_EQ(write(p, "/dev/null"), "allowed");
  // Landlock handles writes only.
  EXPECT_EQ(read(p, "/var/lib/other"), "allowed");
  p.landlock.abi = 0;  // no Landlock in the kernel: nothing refused
  EXPECT_EQ(write(p, "/var/lib/other"), "allowed");
}

TEST(AttributePath, LandlockPlannedFromTheMountsAgreesWithThem) {
  PlanContext context;
  context.landlock_abi = 3;
  Plan p = plan_of("[filesystem]\nread_only = /\nread_write = /var/lib/app\n", context);
  ASSERT_TRUE(p.landlock.active());
  EXPECT_EQ(write(p, "/var/lib/app/x"), "allowed");
  EXPECT_EQ(write(p, "/var/lib/x"), "EROFS read-only " + F + ":2 (read_only = /)");
  EXPECT_EQ(write(p, "/tmp/x"), "allowed");
}

TEST(AttributePath, SecretsDirectoryIsReadOnly) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{kFile, "[secrets]\ndirectory = /run/keys\n"}}, false, diag);
  std::vector<Secret> secrets(1);
  secrets[0].name = "k";
  secrets[0].host_path = "/etc/ssl/k";
  secrets[0].origin = {kFile, 3};
  Plan p = build_plan(policy, Identity{}, secrets, {}, diag);
  EXPECT_EQ(write(p, "/run/keys/k"), "EROFS read-only " + F + ":2 (directory = /run/keys)");
  EXPECT_EQ(read(p, "/etc/ssl/k"),
            "EACCES inaccessible " + F + ":3 (hide_sources = yes (/etc/ssl/k))");
}

TEST(MountBlame, NamesTheKeyAsWritten) {
  MountEntry b = entry(MountKind::kBind, "/y", {"n.conf", 12});
  b.source = "/srv/x";
  EXPECT_EQ(mount_blame(b).str(), "n.conf:12 (bind = /srv/x:/y)");
  b.read_only = true;
  b.optional = true;
  EXPECT_EQ(mount_blame(b).str(), "n.conf:12 (bind = -/srv/x:/y:ro)");
}

// --- set-up failures ------------------------------------------------------------------------

const MountEntry& entry_at(const Plan& p, const std::string& target) {
  for (const auto& e : p.mounts)
    if (e.target == target) return e;
  ADD_FAILURE() << "no entry " << target;
  return p.mounts.front();
}

TEST(EntryFailure, NamesTheLineAndTheReadOnlyEntryAbove) {
  Plan p = plan_of("[filesystem]\nread_only = /\n\nbind = /srv/x:/y\n");
  EXPECT_EQ(entry_failure(p, entry_at(p, "/y"),
                          "mounts: create mount point /y: Read-only file system", EROFS),
            F +
                ":4: bind = /srv/x:/y: mounts: create mount point /y: Read-only file system "
                "(under read_only = / from " +
                F + ":2)");
  // Another error: no read-only entry to name.
  EXPECT_EQ(
      entry_failure(p, entry_at(p, "/y"), "mounts: open bind source /srv/x: No such file", ENOENT),
      F + ":4: bind = /srv/x:/y: mounts: open bind source /srv/x: No such file");
}

TEST(EntryFailure, UnderAReadOnlyBindAndUnderADefault) {
  Plan p = plan_of("[filesystem]\nbind = /srv/ro:/data:ro\ntmpfs = /data/new\ntmpfs = /usr/x\n");
  EXPECT_EQ(entry_failure(p, entry_at(p, "/data/new"), "m: EROFS", EROFS),
            F + ":3: tmpfs = /data/new: m: EROFS (under bind = /srv/ro:/data:ro from " + F + ":2)");
  EXPECT_EQ(entry_failure(p, entry_at(p, "/usr/x"), "m: EROFS", EROFS),
            F + ":4: tmpfs = /usr/x: m: EROFS (under read_only = /usr, a built-in default)");
  // A default entry itself.
  EXPECT_EQ(entry_failure(p, entry_at(p, "/usr"), "mounts: resolve /usr: x", ENOENT),
            "read_only = /usr (built-in default): mounts: resolve /usr: x");
}

TEST(EscapeText, NothingCanSplitOrForgeALogLine) {
  EXPECT_EQ(escape_text("/var/x"), "/var/x");
  EXPECT_EQ(escape_text("a\njharden: complain: forged"), "a\\njharden: complain: forged");
  EXPECT_EQ(escape_text("q\"\\\r\x1b"), "q\\\"\\\\\\x0d\\x1b");
}

// --- a kill by the filter -----------------------------------------------------------------

TEST(SeccompAudit, ParsesTheKernelRecord) {
  auto a = parse_seccomp_audit(
      "6,1234,12781731590,-;audit: type=1326 audit(1796150337.554:234): auid=4294967295 uid=0 "
      "gid=0 ses=4294967295 pid=29040 comm=\"uname\" exe=\"/usr/bin/uname\" sig=31 "
      "arch=c000003e syscall=63 compat=0 ip=0x7f3aaeb04b07 code=0x80000000\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->pid, 29040);
  EXPECT_EQ(a->arch, 0xc000003eu);
  EXPECT_EQ(a->nr, 63);
  EXPECT_EQ(a->comm, "uname");
  Plan p = plan_of("[seccomp]\naction = kill\ndeny = uname\n");
  EXPECT_EQ(kill_report(p.seccomp, *a), "uname[29040]: uname refused by " + F +
                                            ":3 (deny = uname), with action = kill from " + F +
                                            ":2");
}

TEST(SeccompAudit, OnlySigsysRecordsOfSeccomp) {
  // action = log (sig=0), another record type, a truncated record.
  EXPECT_FALSE(parse_seccomp_audit("audit: type=1326 pid=1 sig=0 arch=c000003e syscall=63"));
  EXPECT_FALSE(parse_seccomp_audit("audit: type=1300 pid=1 sig=31 arch=c000003e syscall=63"));
  EXPECT_FALSE(parse_seccomp_audit("audit: type=1326 pid=1 sig=31 arch=c000003e"));
  EXPECT_FALSE(parse_seccomp_audit("audit: type=1326 pid=x1 sig=31 arch=c000003e syscall=6"));
}

TEST(SeccompAudit, RecordsWrittenFromUserspaceAreNotTheKernels) {
  const std::string body =
      ",1234,12781731590,-;audit: type=1326 audit(1.0:1): pid=29040 comm=\"x\" sig=31 "
      "arch=c000003e syscall=0 compat=0 ip=0x0 code=0x0\n";
  EXPECT_TRUE(parse_seccomp_audit("4" + body));
  EXPECT_FALSE(parse_seccomp_audit("12" + body));  // LOG_USER, what a write to /dev/kmsg gets
  EXPECT_FALSE(parse_seccomp_audit("14" + body));
  EXPECT_FALSE(parse_seccomp_audit(body));
  EXPECT_FALSE(parse_seccomp_audit("x4" + body));
}

// --- the seccomp filter ---------------------------------------------------------------------

TEST(SeccompBlame, DefaultDenyGroupsAreNamedAsDefaults) {
  Plan p = plan_of("");
  EXPECT_EQ(seccomp_blame(p.seccomp, "mount").str(), "(default deny @mount)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "open_by_handle_at").str(),
            "(default deny open_by_handle_at)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "add_key").str(), "(default deny @keyring)");
}

TEST(SeccompBlame, ExplicitDenyNamesItsLineAndErrno) {
  Plan p = plan_of("[seccomp]\n\ndeny = @privileged:EACCES\ndeny = mount\n");
  // The entry that reaches a call last.
  EXPECT_EQ(seccomp_blame(p.seccomp, "mount").str(), F + ":4 (deny = mount)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "chroot").str(), F + ":3 (deny = @privileged:EACCES)");
}

TEST(SeccompBlame, ArgumentRulesNameTheirKey) {
  Plan p = plan_of(
      "[seccomp]\naddress_families = AF_UNIX AF_INET\nmemory_deny_write_execute = yes\n"
      "[namespaces]\nallow_create = net\n");
  EXPECT_EQ(seccomp_blame(p.seccomp, "socket").str(),
            F + ":2 (address_families = AF_UNIX AF_INET)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "mprotect").str(), F + ":3 (memory_deny_write_execute = yes)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "unshare").str(), F + ":5 (allow_create = net)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "io_uring_setup").str(), "(default restrict_suid_sgid yes)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "personality").str(), "(default lock_personality yes)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "sched_setscheduler").str(),
            "(default restrict_realtime yes)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "ioctl").str(), "(default new_session yes)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "fchmodat").str(), "(default restrict_suid_sgid yes)");
  Plan q = plan_of("");
  EXPECT_EQ(seccomp_blame(q.seccomp, "setns").str(), "(default allow_create none)");
}

TEST(SeccompBlame, OutsideTheAllowListNamesIt) {
  Plan p = plan_of("[seccomp]\nallow = @basic-io\n");
  EXPECT_TRUE(p.seccomp.refuses("bpf"));
  EXPECT_EQ(seccomp_blame(p.seccomp, "bpf").str(), F + ":2 (allow = @basic-io)");
  EXPECT_EQ(seccomp_blame(p.seccomp, "reboot").str(), "(default deny @reboot)");
}

TEST(SeccompBlame, UnknownCallsAreTheBuiltInRule) {
  Plan p = plan_of("");
  EXPECT_TRUE(
      has_substr(seccomp_blame(p.seccomp, "open_tree_attr").str(), "unknown to libseccomp"));
}

TEST(SuidSgidRefuses, ModesWithSetIdBitsOnly) {
  Plan p = plan_of("");
  uint64_t a[6] = {};
  a[2] = O_WRONLY | O_CREAT;
  a[3] = 04755;
  EXPECT_TRUE(suid_sgid_refuses(p.seccomp, "openat", a));
  a[2] = O_RDONLY;  // no creation: the mode is not used
  EXPECT_FALSE(suid_sgid_refuses(p.seccomp, "openat", a));
  uint64_t m[6] = {0, 02755};
  EXPECT_TRUE(suid_sgid_refuses(p.seccomp, "mkdir", m));
  m[1] = 0755;
  EXPECT_FALSE(suid_sgid_refuses(p.seccomp, "mkdir", m));
  uint64_t c[6] = {0, 0, 04711};
  EXPECT_TRUE(suid_sgid_refuses(p.seccomp, "fchmodat", c));
  Plan off = plan_of("[seccomp]\nrestrict_suid_sgid = no\n");
  EXPECT_FALSE(suid_sgid_refuses(off.seccomp, "fchmodat", c));
}

// --- the log line ---------------------------------------------------------------------------

TEST(ComplainLine, FormatOfTheContract) {
  EXPECT_EQ(complain_line("nginx", 412, "openat(\"/var/cache/nginx/x\", O_WRONLY|O_CREAT)",
                          "read-only", Blame{{"/etc/jharden/nginx.conf", 9}, "read_only", "/"}),
            "nginx[412]: openat(\"/var/cache/nginx/x\", O_WRONLY|O_CREAT): read-only by "
            "/etc/jharden/nginx.conf:9 (read_only = /)");
}

TEST(OpenFlags, TextAndWriteIntent) {
  EXPECT_EQ(open_flags_text(O_WRONLY | O_CREAT | O_CLOEXEC), "O_WRONLY|O_CREAT");
  EXPECT_EQ(open_flags_text(O_RDONLY | O_DIRECTORY), "O_RDONLY|O_DIRECTORY");
  EXPECT_EQ(open_flags_text(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
  EXPECT_TRUE(open_flags_write(O_RDONLY | O_TMPFILE));
  EXPECT_EQ(open_flags_text(O_WRONLY | O_TRUNC | O_APPEND), "O_WRONLY|O_TRUNC|O_APPEND");
  EXPECT_FALSE(open_flags_write(O_RDONLY | O_CLOEXEC | O_DIRECTORY));
  EXPECT_TRUE(open_flags_write(O_WRONLY));
  EXPECT_TRUE(open_flags_write(O_RDWR));
  EXPECT_TRUE(open_flags_write(O_RDONLY | O_CREAT));
  EXPECT_TRUE(open_flags_write(O_RDONLY | O_TRUNC));
}

TEST(JoinNormalized, RelativePathsAgainstTheDirectory) {
  EXPECT_EQ(join_normalized("/var/lib/app", "db/x"), "/var/lib/app/db/x");
  EXPECT_EQ(join_normalized("/var/lib/app", "../x"), "/var/lib/x");
  EXPECT_EQ(join_normalized("/", "a/./b//c/"), "/a/b/c");
  EXPECT_EQ(join_normalized("/srv", "/etc/x"), "/etc/x");
  EXPECT_EQ(join_normalized("/", "../../.."), "/");
}

// --- the filter under --complain ---------------------------------------------------------

std::string pfc_of(const SeccompFilter& f) {
  char name[] = "/tmp/jharden-pfc-XXXXXX";
  int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  unlink(name);
  EXPECT_EQ(seccomp_export_pfc(f.get(), fd), 0);
  std::string out(static_cast<size_t>(lseek(fd, 0, SEEK_END)), '\0');
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  close(fd);
  return out;
}

TEST(ComplainFilter, RefusalsBecomeNotificationsAndNothingIsRefused) {
  Plan p = plan_of("[seccomp]\ndeny = sendmsg\n");
  ComplainFilter cf;
  cf.exempt = {{"sendmsg", 7}};
  SeccompFilter f = build_seccomp_filter(p.seccomp, &cf);
  ASSERT_TRUE(f);
  std::string pfc = pfc_of(f);
  // SCMP_ACT_NOTIFY, the default action: everything without a rule of its own.
  EXPECT_TRUE(has_substr(pfc, "# default action\n  action 0x7fc00000;"));
  // No refusal is left: no errno, no kill; clone3 and openat2 keep their ENOSYS fallback.
  EXPECT_FALSE(has_substr(pfc, "ACT_KILL"));
  EXPECT_FALSE(has_substr(pfc, "action ERRNO(1)"));
  EXPECT_TRUE(has_substr(pfc, "ERRNO(38)"));
  // The hand-over's descriptor only; the others fall to the default.
  EXPECT_TRUE(has_substr(pfc, "filter for syscall \"sendmsg\""));
  EXPECT_TRUE(has_substr(pfc, "if ($a0.lo32 & 0xffffffff == 7)"));
  // The path calls are notified whatever their arguments: no rule of their own, the default.
  for (const char* call : {"openat", "mkdir", "unlinkat", "renameat2"})
    EXPECT_FALSE(has_substr(pfc, std::string("filter for syscall \"") + call + "\"")) << call;
  // Without --complain, openat has restrict_suid_sgid's argument rules and mkdir is allowed.
  std::string plain = pfc_of(compile_seccomp_filter(p.seccomp));
  EXPECT_TRUE(has_substr(plain, "filter for syscall \"openat\""));
}

}  // namespace
}  // namespace jharden

namespace jharden {
namespace {

// The log's text as written to a memory stream.
struct LogText {
  char* data = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&data, &size);
  ~LogText() { std::free(data); }
  // Closes the stream (the log has been destroyed by then) and returns what it holds.
  std::string str() {
    std::fclose(f);
    return std::string(data, size);
  }
};

TEST(ComplaintLog, EachDistinctComplaintOnceWhateverThePid) {
  LogText out;
  {
    ComplaintLog log(out.f);
    log.log("nginx[10]: mount(...): refused by deny = @mount");
    log.log("nginx[11]: mount(...): refused by deny = @mount");
    log.log("nginx[10]: swapon(...): refused by deny = @swap");
  }
  EXPECT_EQ(out.str(),
            "jharden: complain: nginx[10]: mount(...): refused by deny = @mount\n"
            "jharden: complain: nginx[10]: swapon(...): refused by deny = @swap\n");
}

// Past the limit the log used to stop without a word: a daemon refused ever more looked like
// one that was no longer refused.
TEST(ComplaintLog, SaysOnceWhenItStopsAndHowManyItLeftOut) {
  LogText out;
  size_t dropped = 0;
  {
    ComplaintLog log(out.f, 2);
    for (int i = 0; i < 5; ++i) log.log("d[1]: call" + std::to_string(i) + "(): refused");
    log.log("d[1]: call0(): refused");  // logged already: not one more left out
    dropped = log.dropped();
  }
  EXPECT_EQ(dropped, 3u);
  EXPECT_EQ(out.str(),
            "jharden: complain: d[1]: call0(): refused\n"
            "jharden: complain: d[1]: call1(): refused\n"
            "jharden: complain: 2 distinct complaints logged; further ones are counted, not "
            "logged\n"
            "jharden: complain: 3 further complaints not logged\n");
}

TEST(ComplaintLog, QuietAtTheEndWhenNothingWasLeftOut) {
  LogText out;
  {
    ComplaintLog log(out.f, 1);
    log.log("d[1]: one(): refused");
  }
  EXPECT_EQ(out.str(), "jharden: complain: d[1]: one(): refused\n");
}

}  // namespace
}  // namespace jharden
