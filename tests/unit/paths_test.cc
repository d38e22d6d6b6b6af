// Path syntax (paths.h): what the policy accepts as a path, and the path helpers the planner
// relies on.
#include "paths.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace jharden
