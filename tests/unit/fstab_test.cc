// jchroot-style fstab files (fstab.h, jharden.conf(5) "FSTAB FILES"): valid lines become
// policy entries, invalid ones are errors naming the fstab file and line.
#include "fstab.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace jharden {
namespace {

using test::has_size;
using test::is_empty;
using test::Strings;

const std::string kFstab = "/etc/jharden/web.fstab";

std::string err(int line, const std::string& message) {
  return kFstab + ":" + std::to_string(line) + ": error: " + message;
}

struct Parsed {
  Policy policy;
  std::vector<std::string> errors;
  int exit_code = 0;
};

Parsed parse(const std::string& content) {
  Parsed p;
  Diagnostics diag;
  parse_fstab(kFstab, content, p.policy, diag);
  for (const auto& d : diag.list()) p.errors.push_back(d.str());
  p.exit_code = diag.exit_code();
  return p;
}

TEST(Fstab, EmptyFileAddsNothing) {
  auto p = parse("");
  EXPECT_TRUE(is_empty(p.errors));
  EXPECT_TRUE(is_empty(p.policy.fstab_mounts));
  EXPECT_TRUE(is_empty(p.policy.tmpfs));
  EXPECT_TRUE(is_empty(p.policy.bind));
}

TEST(Fstab, CommentsAndBlankLinesAreIgnored) {
  auto p = parse("# SOURCE TARGET TYPE OPTIONS\n\n   \n  # indented\n");
  EXPECT_TRUE(is_empty(p.errors));
  EXPECT_TRUE(is_empty(p.policy.fstab_mounts));
}

TEST(Fstab, ProcWithInstanceOptions) {
  auto p = parse("proc /proc proc hidepid=invisible,subset=pid\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.fstab_mounts, 1));
  const FstabMount& m = p.policy.fstab_mounts[0];
  EXPECT_EQ(m.type, "proc");
  EXPECT_EQ(m.target, "/proc");
  EXPECT_EQ(m.options, "hidepid=invisible,subset=pid");
  EXPECT_FALSE(m.read_only);
  EXPECT_EQ(m.origin.file, kFstab);
  EXPECT_EQ(m.origin.line, 1);
}

TEST(Fstab, ProcWithDefaultsHasNoOptions) {
  auto p = parse("proc /proc proc defaults 0 0\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.fstab_mounts, 1));
  EXPECT_EQ(p.policy.fstab_mounts[0].options, "");
}

TEST(Fstab, ProcWithoutOptionsField) {
  auto p = parse("proc /proc proc\n");
  EXPECT_TRUE(is_empty(p.errors));
  EXPECT_TRUE(has_size(p.policy.fstab_mounts, 1));
}

TEST(Fstab, SysfsIsAlwaysReadOnly) {
  auto p = parse("sysfs /sys sysfs rw\nsysfs /sys2 sysfs ro\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.fstab_mounts, 2));
  EXPECT_TRUE(p.policy.fstab_mounts[0].read_only);
  EXPECT_TRUE(p.policy.fstab_mounts[1].read_only);
}

TEST(Fstab, TmpfsWithOptions) {
  auto p = parse("tmpfs /run tmpfs mode=0750,size=8m,noexec\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  const TmpfsSpec& t = p.policy.tmpfs[0];
  EXPECT_EQ(t.path, "/run");
  EXPECT_EQ(t.mode, 0750u);
  EXPECT_EQ(t.size_bytes, 8u << 20);
  EXPECT_TRUE(t.noexec);
  EXPECT_FALSE(t.read_only);
  EXPECT_EQ(t.origin.line, 1);
}

TEST(Fstab, TmpfsReadOnly) {
  auto p = parse("tmpfs /empty tmpfs ro\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  EXPECT_TRUE(p.policy.tmpfs[0].read_only);
}

TEST(Fstab, TmpfsDefaults) {
  auto p = parse("tmpfs /run tmpfs defaults 0 0\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.tmpfs, 1));
  EXPECT_EQ(p.policy.tmpfs[0].mode, 0755u);
}

TEST(Fstab, BindReadOnly) {
  auto p = parse("/srv/www /var/www none bind,ro\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.bind, 1));
  const BindSpec& b = p.policy.bind[0];
  EXPECT_EQ(b.source, "/srv/www");
  EXPECT_EQ(b.target, "/var/www");
  EXPECT_TRUE(b.read_only);
  EXPECT_FALSE(b.optional);
  EXPECT_EQ(b.origin.file, kFstab);
}

TEST(Fstab, BindWritableByDefault) {
  auto p = parse("/srv/data /data none bind\n");
  ASSERT_TRUE(has_size(p.policy.bind, 1));
  EXPECT_FALSE(p.policy.bind[0].read_only);
}

TEST(Fstab, BindNofailIsOptional) {
  auto p = parse("/srv/data /data none bind,nofail\n");
  EXPECT_TRUE(is_empty(p.errors));
  ASSERT_TRUE(has_size(p.policy.bind, 1));
  EXPECT_TRUE(p.policy.bind[0].optional);
}

TEST(Fstab, ManPageExample) {
  auto p = parse(
      "# SOURCE        TARGET          TYPE    OPTIONS\n"
      "proc            /proc           proc    hidepid=invisible\n"
      "sysfs           /sys            sysfs   ro\n"
      "tmpfs           /run            tmpfs   mode=0755,size=8m\n"
      "/srv/www        /var/www        none    bind,ro\n");
  EXPECT_TRUE(is_empty(p.errors));
  EXPECT_TRUE(has_size(p.policy.fstab_mounts, 2));
  EXPECT_TRUE(has_size(p.policy.tmpfs, 1));
  EXPECT_TRUE(has_size(p.policy.bind, 1));
}

TEST(Fstab, RelativeTargetIsAnError) {
  auto p = parse("proc proc proc defaults\n");
  EXPECT_EQ(p.errors, (Strings{err(1, "target: path must be absolute: \"proc\"")}));
  EXPECT_EQ(p.exit_code, kExitConfig);
  EXPECT_TRUE(is_empty(p.policy.fstab_mounts));
}

TEST(Fstab, TargetWithDotDotIsAnError) {
  EXPECT_EQ(parse("tmpfs /run/../etc tmpfs defaults\n").errors,
            (Strings{err(1,
                         "target: path must not contain \".\" or \"..\" components: "
                         "\"/run/../etc\"")}));
}

TEST(Fstab, RelativeBindSourceIsAnError) {
  EXPECT_EQ(parse("srv/www /var/www none bind\n").errors,
            (Strings{err(1, "source: path must be absolute: \"srv/www\"")}));
}

TEST(Fstab, UnknownTypeIsAnError) {
  auto p = parse("/dev/sda1 /mnt ext4 defaults\n");
  EXPECT_EQ(p.errors, (Strings{err(1, "unsupported type \"ext4\" (proc, sysfs, tmpfs or bind)")}));
  EXPECT_EQ(p.exit_code, kExitConfig);
}

TEST(Fstab, BindWithOtherOptionIsAnError) {
  EXPECT_EQ(parse("/srv/www /var/www none bind,noexec\n").errors,
            (Strings{err(1, "bind accepts only ro, rw and nofail: \"noexec\"")}));
}

TEST(Fstab, TmpfsWithBadOptionIsAnError) {
  EXPECT_EQ(parse("tmpfs /run tmpfs mode=999\n").errors,
            (Strings{err(1, "tmpfs: expected an octal mode: \"mode=999\"")}));
  EXPECT_EQ(parse("tmpfs /run tmpfs suid\n").errors,
            (Strings{err(1, "tmpfs: unknown or forbidden option: \"suid\"")}));
}

TEST(Fstab, ProcWithOtherOptionIsAnError) {
  EXPECT_EQ(parse("proc /proc proc gid=4\n").errors,
            (Strings{err(1, "proc: unsupported option \"gid=4\"")}));
}

// jharden.conf(5): proc takes "ro, rw, hidepid=invisible, subset=pid"; "Any other type or
// option is an error".
TEST(Fstab, ProcWithOtherHidepidOrSubsetValueIsAnError) {
  EXPECT_TRUE(has_size(parse("proc /proc proc hidepid=0\n").errors, 1));
  EXPECT_TRUE(has_size(parse("proc /proc proc subset=all\n").errors, 1));
}

TEST(Fstab, SysfsWithOptionIsAnError) {
  EXPECT_EQ(parse("sysfs /sys sysfs hidepid=invisible\n").errors,
            (Strings{err(1, "sysfs: unsupported option \"hidepid=invisible\"")}));
}

TEST(Fstab, TooFewOrTooManyFieldsIsAnError) {
  const std::string why = "expected SOURCE TARGET TYPE [OPTIONS [DUMP [PASS]]]";
  EXPECT_EQ(parse("proc /proc\n").errors, (Strings{err(1, why)}));
  EXPECT_EQ(parse("proc /proc proc defaults 0 0 extra\n").errors, (Strings{err(1, why)}));
}

TEST(Fstab, EveryErrorIsReportedWithItsLine) {
  auto p = parse(
      "# mounts\n"
      "proc /proc proc defaults\n"
      "tmpfs run tmpfs defaults\n"
      "\n"
      "/dev/sda1 /mnt ext4 defaults\n"
      "/srv /srv none bind,exec\n");
  EXPECT_EQ(p.errors, (Strings{err(3, "target: path must be absolute: \"run\""),
                               err(5, "unsupported type \"ext4\" (proc, sysfs, tmpfs or bind)"),
                               err(6, "bind accepts only ro, rw and nofail: \"exec\"")}));
  EXPECT_TRUE(has_size(p.policy.fstab_mounts, 1));
}

}  // namespace
}  // namespace jharden
