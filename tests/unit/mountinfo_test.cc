// /proc/self/mountinfo as --verify reads it: mount points with their escapes decoded, the
// mount's own read-only flag, and the file system's type and options after the separator,
// which the procfs row reads hidepid= and subset= from.
#include "mountinfo.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace jharden {
namespace {

std::vector<MountInfo> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_mountinfo(in);
}

TEST(Mountinfo, ReadsTypeAndSuperOptionsPastTheOptionalFields) {
  auto m = parse(
      "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 master:3 - proc proc "
      "rw,hidepid=invisible,subset=pid\n"
      "30 22 0:5 / /run ro,nosuid - tmpfs tmpfs rw,mode=755\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].point, "/proc");
  EXPECT_FALSE(m[0].read_only);
  EXPECT_EQ(m[0].fs_type, "proc");
  EXPECT_EQ(m[0].super_options,
            (std::vector<std::string>{"rw", "hidepid=invisible", "subset=pid"}));
  EXPECT_EQ(m[0].id, "22");
  EXPECT_EQ(m[1].parent, "22");
  // The mount's own flags say read-only, whatever the file system's say.
  EXPECT_TRUE(m[1].read_only);
  EXPECT_EQ(m[1].fs_type, "tmpfs");
  EXPECT_EQ(m[1].super_options, (std::vector<std::string>{"rw", "mode=755"}));
}

TEST(Mountinfo, DecodesEscapedMountPoints) {
  auto m = parse("40 1 8:1 / /srv/a\\040b\\134c rw - ext4 /dev/sda1 rw\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].point, "/srv/a b\\c");
  EXPECT_EQ(m[0].fs_type, "ext4");
}

TEST(Mountinfo, TheLiveTableHasAProcfs) {
  bool proc = false;
  for (const auto& m : read_mountinfo()) proc |= m.fs_type == "proc";
  EXPECT_TRUE(proc);
}

}  // namespace
}  // namespace jharden
