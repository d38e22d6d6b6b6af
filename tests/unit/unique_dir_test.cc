#include "unique_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "test_support.h"

namespace jharden {
namespace {

using test::TempDir;

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(UniqueDirTest, RemovesTheDirectoryItMadeOnEveryWayOut) {
  TempDir t;
  const std::string path = t / "probe";
  {
    unique_dir d = unique_dir::make(path, 0700);
    ASSERT_TRUE(d);
    EXPECT_EQ(d.path(), path);
    EXPECT_TRUE(is_dir(path));
  }
  EXPECT_FALSE(is_dir(path));
  // Leaving by an exception (an error path of a step) removes it too.
  try {
    unique_dir d = unique_dir::make(path, 0700);
    throw 1;
  } catch (int) {
  }
  EXPECT_FALSE(is_dir(path));
}

TEST(UniqueDirTest, AFailedMkdirOwnsNothingAndKeepsErrno) {
  TempDir t;
  const std::string path = t / "there";
  ASSERT_TRUE(unique_dir::make(path, 0700).release() == path);
  errno = 0;
  unique_dir d = unique_dir::make(path, 0700);
  EXPECT_FALSE(d);
  EXPECT_EQ(errno, EEXIST);
  d.reset();
  EXPECT_TRUE(is_dir(path)) << "what it did not make stays";
}

TEST(UniqueDirTest, LeavesWhatSomeoneElsePutInside) {
  TempDir t;
  const std::string path = t / "filled";
  {
    unique_dir d = unique_dir::make(path, 0700);
    t.write("filled/file", "x");
    errno = EROFS;
  }
  EXPECT_EQ(errno, EROFS) << "the removal keeps the errno of the failure being reported";
  EXPECT_TRUE(is_dir(path));
}

TEST(UniqueDirTest, MakesATemporaryDirectoryAndMovesOwnership) {
  TempDir t;
  unique_dir a = unique_dir::make_temporary(t / "tmp.XXXXXX");
  ASSERT_TRUE(a);
  const std::string path = a.path();
  EXPECT_NE(path.find("tmp."), std::string::npos);
  EXPECT_EQ(path.find("XXXXXX"), std::string::npos);
  unique_dir b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_TRUE(is_dir(path));
  b = unique_dir();
  EXPECT_FALSE(is_dir(path));
  EXPECT_FALSE(unique_dir::make_temporary(t / "missing/tmp.XXXXXX"));
}

}  // namespace
}  // namespace jharden
