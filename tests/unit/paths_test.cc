// Path syntax (paths.h): what the policy accepts as a path, and the path helpers the planner
// relies on.
#include "paths.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"
#include "unique_fd.h"

namespace jharden {
namespace {

TEST(PathProblem, AcceptsRootAndAbsoluteNormalizedPaths) {
  EXPECT_EQ(path_problem("/"), "");
  EXPECT_EQ(path_problem("/usr"), "");
  EXPECT_EQ(path_problem("/usr/lib/x86_64-linux-gnu"), "");
  EXPECT_EQ(path_problem("/a.b/..c/.d"), "");  // dots inside a name are ordinary
}

TEST(PathProblem, RefusesEmptyPath) { EXPECT_EQ(path_problem(""), "path is empty"); }

TEST(PathProblem, RefusesRelativePaths) {
  for (const char* p : {"usr", "./usr", "../usr", ".", "..", "-/usr", "~/x"})
    EXPECT_EQ(path_problem(p), "path must be absolute") << p;
}

TEST(PathProblem, RefusesDotAndDotDotComponents) {
  for (const char* p : {"/.", "/..", "/usr/..", "/usr/../etc", "/usr/./lib", "/./usr"})
    EXPECT_EQ(path_problem(p), "path must not contain \".\" or \"..\" components") << p;
}

TEST(PathProblem, RefusesDoubleSlash) {
  for (const char* p : {"//usr", "/usr//lib", "/a//b/c"})
    EXPECT_EQ(path_problem(p), "path must not contain \"//\"") << p;
}

TEST(PathProblem, RefusesTrailingSlash) {
  for (const char* p : {"/usr/", "/usr/lib/"})
    EXPECT_EQ(path_problem(p), "path must not end with \"/\"") << p;
}

TEST(PathIsUnder, PathIsUnderItself) { EXPECT_TRUE(path_is_under("/usr", "/usr")); }

TEST(PathIsUnder, EverythingIsUnderRoot) {
  EXPECT_TRUE(path_is_under("/", "/"));
  EXPECT_TRUE(path_is_under("/usr/lib", "/"));
}

TEST(PathIsUnder, ChildIsUnderParent) { EXPECT_TRUE(path_is_under("/usr/lib/x", "/usr")); }

TEST(PathIsUnder, SiblingWithCommonPrefixIsNotUnder) {
  EXPECT_FALSE(path_is_under("/usr-local", "/usr"));
  EXPECT_FALSE(path_is_under("/usrx/lib", "/usr"));
}

TEST(PathIsUnder, ParentIsNotUnderChild) { EXPECT_FALSE(path_is_under("/usr", "/usr/lib")); }

TEST(PathDepth, CountsComponents) {
  EXPECT_EQ(path_depth("/"), 0);
  EXPECT_EQ(path_depth("/usr"), 1);
  EXPECT_EQ(path_depth("/usr/lib"), 2);
  EXPECT_EQ(path_depth("/usr/lib/x86_64-linux-gnu"), 3);
}

TEST(JoinRoot, HostRootLeavesPathUnchanged) { EXPECT_EQ(join_root("/", "/usr"), "/usr"); }

TEST(JoinRoot, PrefixesPathWithNewRoot) { EXPECT_EQ(join_root("/srv/r", "/usr"), "/srv/r/usr"); }

TEST(JoinRoot, RootPathIsTheNewRootItself) { EXPECT_EQ(join_root("/srv/r", "/"), "/srv/r"); }

TEST(IsPlainFileName, AcceptsOrdinaryNames) {
  for (const char* n : {"tls_key", "a", ".hidden", "key.pem", "..."})
    EXPECT_TRUE(is_plain_file_name(n)) << n;
}

TEST(IsPlainFileName, RefusesEmptyDotDotDotAndSlash) {
  for (const char* n : {"", ".", "..", "a/b", "/a", "a/"}) EXPECT_FALSE(is_plain_file_name(n)) << n;
}

TEST(IsPlainFileName, RefusesNulByte) {
  EXPECT_FALSE(is_plain_file_name(std::string_view("a\0b", 3)));
}

// --- resolve_trusted: paths a non-root user could swap (threats.md, swapped paths) --------

using test::has_substr;
using test::TempDir;

TEST(ResolveTrusted, OpensAPlainPathAndSaysWhatItOpened) {
  TempDir d;
  d.write("dir/file", "x");
  Resolved r = resolve_trusted(d / "dir/file", {});
  ASSERT_TRUE(r) << r.message(d / "dir/file");
  EXPECT_EQ(r.path, d / "dir/file");
  EXPECT_TRUE(S_ISREG(r.st.st_mode));
}

TEST(ResolveTrusted, FollowsASymlinkOfRootOrTheCallerInADirectoryOnlyTheyCanWrite) {
  TempDir d;
  d.write("real/file", "x");
  ASSERT_EQ(symlink("real", (d / "link").c_str()), 0);
  ASSERT_EQ(symlink((d / "real").c_str(), (d / "abs").c_str()), 0);
  for (const char* via : {"link/file", "abs/file"}) {
    Resolved r = resolve_trusted(d / via, {});
    ASSERT_TRUE(r) << r.message(d / via);
    EXPECT_EQ(r.path, d / "real/file") << via;
  }
}

TEST(ResolveTrusted, RefusesASymlinkInAGroupOrWorldWritableDirectory) {
  TempDir d;
  d.write("real/file", "x");
  d.mkdir("open");
  ASSERT_EQ(symlink((d / "real").c_str(), (d / "open/link").c_str()), 0);
  for (mode_t mode : {0775, 0777}) {
    ASSERT_EQ(chmod((d / "open").c_str(), mode), 0);
    Resolved r = resolve_trusted(d / "open/link/file", {});
    EXPECT_FALSE(r);
    EXPECT_TRUE(has_substr(r.refusal, "component " + d / "open/link" + " is a symlink in " +
                                          d / "open" + ", which group or others can write"));
    EXPECT_TRUE(has_substr(r.message(d / "open/link/file"), d / "open/link/file" + ": "));
  }
  // Sticky (like /tmp): others cannot replace the caller's own symlink.
  ASSERT_EQ(chmod((d / "open").c_str(), 01777), 0);
  EXPECT_TRUE(resolve_trusted(d / "open/link/file", {}));
}

TEST(ResolveTrusted, RefusesASymlinkInADirectoryOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir d;
  d.write("real/file", "x");
  d.mkdir("user");
  ASSERT_EQ(symlink((d / "real").c_str(), (d / "user/link").c_str()), 0);
  ASSERT_EQ(chown((d / "user").c_str(), 65534, 65534), 0);
  Resolved r = resolve_trusted(d / "user/link/file", {});
  EXPECT_FALSE(r);
  EXPECT_TRUE(has_substr(r.refusal, "which user id 65534 owns"));
}

// systemd's CHASE_SAFE for bind and secret sources: the user's own entries under her own
// directory are hers to give; root's (or another user's) there she could have put in place.
TEST(ResolveTrusted, RefusesAnUnsafeOwnershipTransition) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give files to other users";
  TempDir d;
  d.write("user/hers/file", "x");
  d.write("user/roots/file", "x");
  d.write("user/other", "x");
  for (const char* p : {"user", "user/hers", "user/hers/file"})
    ASSERT_EQ(chown((d / p).c_str(), 65534, 65534), 0);
  ASSERT_EQ(chown((d / "user/other").c_str(), 65533, 65533), 0);
  Resolved ok = resolve_trusted(d / "user/hers/file", {});
  EXPECT_TRUE(ok) << ok.message(d / "user/hers/file");
  for (const char* p : {"user/roots/file", "user/other"}) {
    Resolved r = resolve_trusted(d / p, {});
    EXPECT_FALSE(r) << p;
    EXPECT_EQ(r.error, EPERM) << p;
    EXPECT_TRUE(has_substr(r.refusal, "lies in " + d / "user" + ", which user id 65534 owns"))
        << r.refusal;
  }
  // Her directory in a directory of root's: root -> user is no unsafe transition.
  Resolved dir = resolve_trusted(d / "user", {.flags = O_PATH | O_DIRECTORY});
  EXPECT_TRUE(dir) << dir.message(d / "user");
}

// Policy paths and root =: every directory on the way and the last one belong to root, so
// that no user can rename a drop-in directory away or put her own tree in place of a root.
TEST(ResolveTrusted, PolicyPathsRefuseADirectoryOfAUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir d;
  d.write("user/sub/file", "x");
  d.mkdir("mine");
  ASSERT_EQ(chown((d / "user").c_str(), 65534, 65534), 0);
  ASSERT_EQ(chown((d / "mine").c_str(), 65534, 65534), 0);
  for (const char* p : {"user/sub", "user/missing", "mine"}) {
    Resolved r = resolve_trusted(d / p, {.flags = O_PATH | O_DIRECTORY, .policy = true});
    EXPECT_FALSE(r) << p;
    EXPECT_EQ(r.error, EPERM) << p;
    EXPECT_TRUE(has_substr(r.refusal, "is a directory owned by user id 65534")) << r.refusal;
  }
  Resolved r = resolve_trusted(d / "user/missing", {.flags = O_PATH | O_DIRECTORY, .policy = true});
  EXPECT_TRUE(has_substr(r.refusal, "component " + d / "user" + " ")) << r.refusal;
}

TEST(ResolveTrusted, LastSymlinkIsNotFollowedWhenAskedSo) {
  TempDir d;
  d.write("real", "x");
  ASSERT_EQ(symlink("real", (d / "link").c_str()), 0);
  Resolved r = resolve_trusted(d / "link", {.flags = O_RDONLY, .follow_last = false});
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error, ELOOP);
  EXPECT_TRUE(r.refusal.empty());
}

TEST(ResolveTrusted, PolicyPathsRefuseAWritableDirectoryOnTheWay) {
  TempDir d;
  d.write("w/sub/file", "x");
  ASSERT_EQ(chmod((d / "w").c_str(), 0777), 0);
  EXPECT_TRUE(resolve_trusted(d / "w/sub/file", {}));
  Resolved r = resolve_trusted(d / "w/sub/file", {.policy = true});
  EXPECT_FALSE(r);
  EXPECT_TRUE(has_substr(r.refusal, "directory " + d / "w" + " is writable by group or others"));
}

TEST(ResolveTrusted, NoSymlinkOnProcfsIsFollowed) {
  // /proc/self/fd/N names an open file whatever its text says (a magic link).
  for (const char* p : {"/proc/self/fd/0", "/proc/self/root/etc"}) {
    Resolved r = resolve_trusted(p, {});
    EXPECT_FALSE(r) << p;
    EXPECT_TRUE(has_substr(r.refusal, "is a symlink on procfs")) << p;
  }
  EXPECT_TRUE(resolve_trusted("/proc/sys/kernel", {}));
}

TEST(ResolveTrusted, MissingPathGivesItsErrno) {
  TempDir d;
  Resolved r = resolve_trusted(d / "missing/file", {});
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error, ENOENT);
}

// read_limited: the contents, an over-long file noticed, a file whose size says nothing
// (a pipe) read past the first page, an error given with its errno.
TEST(ReadLimited, ReadsARegularFileIntoAStringOfItsSize) {
  TempDir d;
  const std::string text(5000, 'x');
  unique_fd fd(open(d.write("f", text).c_str(), O_RDONLY | O_CLOEXEC));
  std::string out = "old";
  ASSERT_TRUE(read_limited(fd.get(), 1 << 20, out));
  EXPECT_EQ(out, text);
  EXPECT_LE(out.capacity(), text.size() + 1 + 15);
}

TEST(ReadLimited, ReadsOneByteMoreThanTheLimit) {
  TempDir d;
  unique_fd fd(open(d.write("f", std::string(100, 'y')).c_str(), O_RDONLY | O_CLOEXEC));
  std::string out;
  ASSERT_TRUE(read_limited(fd.get(), 10, out));
  EXPECT_EQ(out, std::string(11, 'y'));
}

TEST(ReadLimited, GrowsPastTheFirstPageOfAPipe) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  unique_fd reader(p[0]), writer(p[1]);
  std::string text;
  for (int i = 0; i < 3000; ++i) text += static_cast<char>('a' + i % 26);
  ASSERT_EQ(write(writer.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  writer.reset();
  std::string out;
  ASSERT_TRUE(read_limited(reader.get(), 1 << 20, out));
  EXPECT_EQ(out, text);
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  reader.reset(p[0]);
  writer.reset(p[1]);
  const std::string more = text + text + text;  // 9000 bytes: two growths past 4096
  ASSERT_EQ(write(writer.get(), more.data(), more.size()), static_cast<ssize_t>(more.size()));
  writer.reset();
  ASSERT_TRUE(read_limited(reader.get(), 8500, out));
  EXPECT_EQ(out, more.substr(0, 8501));
}

TEST(ReadLimited, AnErrorLeavesNothingAndItsErrno) {
  TempDir d;
  unique_fd fd(open(d.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::string out = "old";
  errno = 0;
  EXPECT_FALSE(read_limited(fd.get(), 100, out));
  EXPECT_EQ(errno, EISDIR);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace jharden
