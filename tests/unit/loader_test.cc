// The loader (loader.h, contract §2 lookup and drop-ins, §4 file checks and [secrets]): real
// files in temporary directories. Files created here belong to the caller, which the loader
// accepts in place of root.
#include "loader.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_support.h"

namespace jharden {
namespace {

using test::has_size;
using test::has_substr;
using test::is_empty;
using test::ScopedEnv;
using test::starts_with;
using test::Strings;
using test::TempDir;

std::vector<std::string> errors_of(const Diagnostics& diag) {
  std::vector<std::string> out;
  for (const auto& d : diag.list()) out.push_back(d.str());
  return out;
}

std::vector<std::string> paths_of(const std::vector<PathSpec>& list) {
  std::vector<std::string> out;
  for (const auto& p : list) out.push_back(p.path);
  return out;
}

// Loads `name` from `dirs` without needing a command (as --check and --print do).
struct Load {
  Loaded loaded;
  Diagnostics diag;
  bool ok = false;
};

Load load(const std::string& name, const std::vector<std::string>& dirs) {
  Load l;
  LoadRequest request;
  request.policy = name;
  request.policy_dirs = dirs;
  request.need_command = false;
  l.ok = load_policy(request, l.loaded, l.diag);
  return l;
}

// --- Lookup --------------------------------------------------------------------------------

TEST(LoaderLookup, StandardDirectoriesInOrder) {
  EXPECT_EQ(standard_policy_dirs(),
            (Strings{"/etc/jharden", "/run/jharden", "/usr/share/jharden"}));
}

TEST(LoaderLookup, FirstDirectoryHoldingTheNameWins) {
  TempDir a, b, c;
  b.write("web.conf", "[namespaces]\nhostname = from-b\n");
  c.write("web.conf", "[namespaces]\nhostname = from-c\n");
  auto l = load("web.conf", {a.path(), b.path(), c.path()});
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  EXPECT_EQ(l.loaded.files, (Strings{b / "web.conf"}));
  EXPECT_EQ(l.loaded.policy.hostname->value, "from-b");
  EXPECT_EQ(l.loaded.policy.file, b / "web.conf");
}

TEST(LoaderLookup, NotFoundIsAConfigErrorNamingTheDirectories) {
  TempDir a, b;
  auto l = load("web.conf", {a.path(), b.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{"policy \"web.conf\" not found in " + a.path() + ", " + b.path()}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderLookup, PolicyGivenAsAPathIsReadFromThere) {
  TempDir a;
  a.write("sub/web.conf", "[namespaces]\nhostname = by-path\n");
  auto l = load(a / "sub/web.conf", {});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.policy.hostname->value, "by-path");
}

TEST(LoaderLookup, PolicyGivenAsAPathTakesDropInsNextToIt) {
  TempDir a;
  a.write("web.conf", "");
  a.write("web.conf.d/10.conf", "[namespaces]\nhostname = dropin\n");
  auto l = load(a / "web.conf", {});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.files, (Strings{a / "web.conf", a / "web.conf.d/10.conf"}));
}

TEST(LoaderLookup, RelativeDirectoriesAreTakenFromTheCurrentDirectory) {
  TempDir a;
  a.write("pd/web.conf", "");
  a.write("pd/web.conf.d/50.conf", "");
  char old[4096];
  ASSERT_NE(getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(chdir(a.path().c_str()), 0);
  auto by_dir = load("web.conf", {"pd"});
  auto by_path = load("pd/web.conf", {});
  ASSERT_EQ(chdir(old), 0);
  ASSERT_TRUE(by_dir.ok) << errors_of(by_dir.diag)[0];
  EXPECT_EQ(by_dir.loaded.files, (Strings{"pd/web.conf", "pd/web.conf.d/50.conf"}));
  ASSERT_TRUE(by_path.ok) << errors_of(by_path.diag)[0];
  EXPECT_EQ(by_path.loaded.files, (Strings{"pd/web.conf", "pd/web.conf.d/50.conf"}));
}

TEST(LoaderLookup, InvalidNamesAreRefused) {
  for (const char* name : {"", ".", ".."}) {
    auto l = load(name, {"/nonexistent"});
    EXPECT_FALSE(l.ok) << name;
    EXPECT_EQ(l.diag.exit_code(), kExitConfig) << name;
  }
}

// --- Drop-ins ------------------------------------------------------------------------------

TEST(LoaderDropIns, AppliedInLexicalOrderAcrossDirectories) {
  TempDir a, b;
  a.write("web.conf", "");
  b.write("web.conf.d/10-b.conf", "[filesystem]\nread_only = /b10\n");
  a.write("web.conf.d/20-a.conf", "[filesystem]\nread_only = /a20\n");
  b.write("web.conf.d/30-b.conf", "[filesystem]\nread_only = /b30\n");
  auto l = load("web.conf", {a.path(), b.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.files, (Strings{a / "web.conf", b / "web.conf.d/10-b.conf",
                                     a / "web.conf.d/20-a.conf", b / "web.conf.d/30-b.conf"}));
  EXPECT_EQ(paths_of(l.loaded.policy.read_only), (Strings{"/usr", "/etc", "/b10", "/a20", "/b30"}));
}

TEST(LoaderDropIns, DropInsOfADirectoryWithoutTheMainFileApply) {
  TempDir a, b;
  b.write("web.conf", "");
  a.write("web.conf.d/50.conf", "[namespaces]\nhostname = local\n");
  auto l = load("web.conf", {a.path(), b.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.policy.hostname->value, "local");
}

TEST(LoaderDropIns, NameInAnEarlierDirectoryHidesTheSameNameInALaterOne) {
  TempDir a, b;
  b.write("web.conf", "");
  a.write("web.conf.d/50-vendor.conf", "");  // the administrator disables it
  b.write("web.conf.d/50-vendor.conf", "[namespaces]\nnet = yes\n");
  auto l = load("web.conf", {a.path(), b.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.files, (Strings{b / "web.conf", a / "web.conf.d/50-vendor.conf"}));
  EXPECT_FALSE(l.loaded.policy.ns_net.value);
}

TEST(LoaderDropIns, OnlyConfFilesAreRead) {
  TempDir a;
  a.write("web.conf", "");
  a.write("web.conf.d/README", "not a policy");
  a.write("web.conf.d/50.conf.bak", "not a policy");
  a.write("web.conf.d/.conf", "not a policy");
  a.write("web.conf.d/.hidden.conf", "not a policy");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  EXPECT_EQ(l.loaded.files, (Strings{a / "web.conf"}));
}

TEST(LoaderDropIns, ListKeysAppend) {
  TempDir a;
  a.write("web.conf", "[filesystem]\nread_only = /srv\n");
  a.write("web.conf.d/50.conf", "[filesystem]\nread_only = /opt\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_EQ(paths_of(l.loaded.policy.read_only), (Strings{"/usr", "/etc", "/srv", "/opt"}));
}

TEST(LoaderDropIns, ScalarKeysOverride) {
  TempDir a;
  a.write("web.conf", "[service]\numask = 0077\n[namespaces]\nhostname = main\n");
  a.write("web.conf.d/50.conf", "[namespaces]\nhostname = dropin\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  EXPECT_EQ(l.loaded.policy.hostname->value, "dropin");
  EXPECT_EQ(l.loaded.policy.hostname->origin.file, a / "web.conf.d/50.conf");
  EXPECT_EQ(l.loaded.policy.umask.value, 0077u);
}

TEST(LoaderDropIns, EmptyAssignmentResetsAList) {
  TempDir a;
  a.write("web.conf", "[filesystem]\nread_only = /srv\n");
  a.write("web.conf.d/50.conf", "[filesystem]\nread_only =\nread_only = /opt\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_EQ(paths_of(l.loaded.policy.read_only), (Strings{"/opt"}));
}

TEST(LoaderDropIns, ErrorsNameTheDropInAndItsLine) {
  TempDir a;
  a.write("web.conf", "");
  a.write("web.conf.d/50.conf", "\n[filesystem]\nread_only = srv\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf.d/50.conf" +
                                        ":3: error: read_only: path must be absolute: \"srv\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

// --- What the loader refuses ---------------------------------------------------------------

TEST(LoaderRefuses, SymlinkedPolicy) {
  TempDir a;
  a.write("real.conf", "");
  ASSERT_EQ(symlink((a / "real.conf").c_str(), (a / "web.conf").c_str()), 0);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ": error: refusing a policy file that is a symlink"}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderRefuses, SymlinkedDropIn) {
  TempDir a;
  a.write("web.conf", "");
  a.write("other.conf", "");
  a.mkdir("web.conf.d");
  ASSERT_EQ(symlink((a / "other.conf").c_str(), (a / "web.conf.d/50.conf").c_str()), 0);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf.d/50.conf" +
                                        ": error: refusing a policy file that is a symlink"}));
}

TEST(LoaderRefuses, GroupWritablePolicy) {
  TempDir a;
  a.write("web.conf", "", 0664);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(
      errors_of(l.diag),
      (Strings{a / "web.conf" + ": error: refusing a policy file writable by group or others (mode "
                                "0664)"}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderRefuses, WorldWritablePolicy) {
  TempDir a;
  a.write("web.conf", "", 0602);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(
      errors_of(l.diag),
      (Strings{a / "web.conf" + ": error: refusing a policy file writable by group or others (mode "
                                "0602)"}));
}

TEST(LoaderRefuses, GroupWritableDropIn) {
  TempDir a;
  a.write("web.conf", "");
  a.write("web.conf.d/50.conf", "", 0620);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(l.diag.list(), 1));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0], "writable by group or others"));
}

TEST(LoaderRefuses, GroupOrWorldWritablePolicyDirectory) {
  TempDir a;
  a.write("web.conf", "");
  for (mode_t mode : {0775, 0777, 01777}) {
    ASSERT_EQ(chmod(a.path().c_str(), mode), 0);
    auto l = load("web.conf", {a.path()});
    EXPECT_FALSE(l.ok);
    ASSERT_TRUE(has_size(errors_of(l.diag), 1));
    EXPECT_TRUE(starts_with(errors_of(l.diag)[0], a.path() + ": error: refusing a policy directory "
                                                             "writable by group or others"));
    EXPECT_EQ(l.diag.exit_code(), kExitConfig);
  }
}

TEST(LoaderRefuses, WorldWritableDropInDirectory) {
  TempDir a;
  a.write("web.conf", "");
  a.mkdir("web.conf.d");
  ASSERT_EQ(chmod((a / "web.conf.d").c_str(), 0777), 0);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0], a / "web.conf.d"));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

// threats.md "swapped paths": the user owning the policy directory replaces the drop-in
// directory with a symlink to drop-ins written for something else. Her directory is refused
// as such: she could as well rename the drop-in directory away, no symlink needed.
TEST(LoaderRefuses, DropInDirectorySwappedForASymlinkByItsDirectorysOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir a;
  a.write("pd/web.conf", "");
  a.write("other.d/50.conf", "[service]\nenvironment = X=evil\n");
  ASSERT_EQ(symlink((a / "other.d").c_str(), (a / "pd/web.conf.d").c_str()), 0);
  ASSERT_EQ(chown((a / "pd").c_str(), 65534, 65534), 0);
  auto l = load("web.conf", {a / "pd"});
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0],
                         "component " + a / "pd" + " is a directory owned by user id 65534"));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

// The same user renames the drop-in directory (which made the daemon run as nobody) away:
// a missing drop-in directory in her directory is refused, not taken as absent.
TEST(LoaderRefuses, DropInDirectoryRenamedAwayByItsDirectorysOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir a;
  a.write("pd/web.conf", "");
  ASSERT_EQ(chown((a / "pd").c_str(), 65534, 65534), 0);
  auto l = load("web.conf", {a / "pd"});
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0],
                         "component " + a / "pd" + " is a directory owned by user id 65534"));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
  // A policy directory that is missing there is refused too.
  auto m = load("web.conf", {a / "pd/missing", a / "pd"});
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.diag.exit_code(), kExitConfig);
  EXPECT_TRUE(has_substr(errors_of(m.diag)[0], a / "pd/missing"));
}

TEST(LoaderRefuses, DirectoryAsPolicy) {
  TempDir a;
  a.mkdir("web.conf");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ": error: refusing a policy file that is not a "
                                      "regular file"}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderRefuses, FifoAsPolicyWithoutBlocking) {
  TempDir a;
  ASSERT_EQ(mkfifo((a / "web.conf").c_str(), 0644), 0);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ": error: refusing a policy file that is not a "
                                      "regular file"}));
}

TEST(LoaderRefuses, PolicyOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  TempDir a;
  std::string path = a.write("web.conf", "");
  ASSERT_EQ(chown(path.c_str(), 12345, 12345), 0);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{path + ": error: refusing a policy file not owned by root (owner uid "
                            "12345)"}));
}

TEST(LoaderRefuses, PolicyLargerThanOneMebibyte) {
  TempDir a;
  a.write("web.conf", std::string(kMaxPolicySize + 1, '\n'));
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ": error: policy file is larger than 1 MiB"}));
}

TEST(LoaderRefuses, NothingIsParsedWhenADropInIsRefused) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = no-such-user-jharden\n");
  a.write("web.conf.d/50.conf", "", 0666);
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_TRUE(has_size(l.diag.list(), 1));  // no user lookup after a refused file
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

// --- fstab ---------------------------------------------------------------------------------

TEST(LoaderFstab, FileIsReadAndItsEntriesAdded) {
  TempDir a;
  std::string fstab = a.write("web.fstab", "proc /proc proc hidepid=invisible\n");
  a.write("web.conf", "[filesystem]\nfstab = " + fstab + "\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  ASSERT_TRUE(has_size(l.loaded.policy.fstab_mounts, 1));
  EXPECT_EQ(l.loaded.policy.fstab_mounts[0].origin.file, fstab);
}

TEST(LoaderFstab, SymlinkedFstabIsRefused) {
  TempDir a;
  a.write("real.fstab", "");
  ASSERT_EQ(symlink((a / "real.fstab").c_str(), (a / "web.fstab").c_str()), 0);
  a.write("web.conf", "[filesystem]\nfstab = " + a / "web.fstab" + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.fstab" + ": error: refusing a policy file that is a symlink"}));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderFstab, FstabBehindASymlinkInAUsersDirectoryIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir a;
  a.write("real/web.fstab", "");
  a.mkdir("u");
  ASSERT_EQ(symlink((a / "real").c_str(), (a / "u/etc").c_str()), 0);
  ASSERT_EQ(chown((a / "u").c_str(), 65534, 65534), 0);
  a.write("web.conf", "[filesystem]\nfstab = " + a / "u/etc/web.fstab" + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0],
                         "component " + a / "u" + " is a directory owned by user id 65534"));
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderFstab, MissingFstabIsAConfigError) {
  TempDir a;
  a.write("web.conf", "[filesystem]\nfstab = " + a / "none.fstab" + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

TEST(LoaderFstab, ErrorsNameTheFstabFileAndLine) {
  TempDir a;
  std::string fstab = a.write("web.fstab", "# mounts\nproc proc proc defaults\n");
  a.write("web.conf", "[filesystem]\nfstab = " + fstab + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_EQ(errors_of(l.diag),
            (Strings{fstab + ":2: error: target: path must be absolute: \"proc\""}));
}

// --- Command -------------------------------------------------------------------------------

TEST(LoaderCommand, RunningNeedsACommand) {
  TempDir a;
  a.write("web.conf", "");
  LoadRequest request;
  request.policy = "web.conf";
  request.policy_dirs = {a.path()};
  Loaded loaded;
  Diagnostics diag;
  EXPECT_FALSE(load_policy(request, loaded, diag));
  EXPECT_EQ(errors_of(diag),
            (Strings{a / "web.conf" + ": error: exec: no command: set [service] exec or "
                                      "give one after \"--\""}));
  EXPECT_EQ(diag.exit_code(), kExitConfig);
}

TEST(LoaderCommand, CommandLineReplacesExec) {
  TempDir a;
  a.write("web.conf", "[service]\nexec = /bin/false\n");
  LoadRequest request;
  request.policy = "web.conf";
  request.policy_dirs = {a.path()};
  request.command = {"/bin/echo", "--check"};
  request.command_given = true;
  Loaded loaded;
  Diagnostics diag;
  ASSERT_TRUE(load_policy(request, loaded, diag));
  EXPECT_EQ(loaded.policy.exec.value, (Strings{"/bin/echo", "--check"}));
}

// --- Identity ------------------------------------------------------------------------------

TEST(LoaderIdentity, UnchangedWithoutUserOrGroup) {
  TempDir a;
  a.write("web.conf", "");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.loaded.identity.change);
}

TEST(LoaderIdentity, UserByNameTakesItsPrimaryGroup) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = root\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(l.loaded.identity.change);
  EXPECT_EQ(l.loaded.identity.uid, 0u);
  EXPECT_EQ(l.loaded.identity.gid, 0u);
  EXPECT_EQ(l.loaded.identity.user_name, "root");
}

TEST(LoaderIdentity, NumericUserWithoutPasswdEntryUsesTheSameGroupNumber) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 3999999\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.uid, 3999999u);
  EXPECT_EQ(l.loaded.identity.gid, 3999999u);
}

TEST(LoaderIdentity, GroupOverridesThePrimaryGroup) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 3999999\ngroup = 4000001\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.gid, 4000001u);
}

TEST(LoaderIdentity, UnknownUserExits217) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = no-such-user-jharden\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ":2: error: user: unknown user \"no-such-user-jharden\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitUser);
}

TEST(LoaderIdentity, UnknownGroupExits216) {
  TempDir a;
  a.write("web.conf", "[service]\ngroup = no-such-group-jharden\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: group: unknown group "
                                                         "\"no-such-group-jharden\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitGroup);
}

TEST(LoaderIdentity, UnknownSupplementaryGroupExits216) {
  TempDir a;
  a.write("web.conf", "[service]\nsupplementary_groups = 0 no-such-group-jharden\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ":2: error: supplementary_groups: unknown group "
                                      "\"no-such-group-jharden\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitGroup);
}

// --print names groups as it names users: a numeric group by its entry's name, and the
// supplementary groups too.
TEST(LoaderIdentity, GroupsAreNamedForPrint) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 3999999\ngroup = 0\nsupplementary_groups = 0 4000001\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.group_name, "root");
  EXPECT_EQ(l.loaded.identity.group_names, (Strings{"root", "4000001"}));
}

TEST(LoaderIdentity, InitgroupsListIsNamedForPrint) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = root\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.group_names.size(), l.loaded.identity.groups.size());
}

// As systemd's get_user_creds(): root's record is built in, never looked up.
TEST(LoaderIdentity, RootHasSystemdsBuiltInLoginEnvironment) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 0\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.login_name, "root");
  EXPECT_EQ(l.loaded.identity.home, "/root");
  EXPECT_EQ(l.loaded.identity.shell, access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh");
  // gid 0: systemd calls no initgroups(3), the list stays empty.
  EXPECT_TRUE(is_empty(l.loaded.identity.groups));
}

TEST(LoaderIdentity, NumericUserWithoutPasswdEntryHasNoLoginEnvironment) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 3999999\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.login_name, "");
  EXPECT_EQ(l.loaded.identity.home, "");
  EXPECT_EQ(l.loaded.identity.shell, "");
}

// nobody (Debian: /nonexistent, /usr/sbin/nologin): HOME is set, a nologin SHELL is not; the
// supplementary groups keep the primary gid, as initgroups(3) does.
TEST(LoaderIdentity, NobodyHasNoShellAndKeepsItsPrimaryGid) {
  struct passwd* pw = getpwnam("nobody");
  if (!pw) GTEST_SKIP() << "no user nobody here";
  TempDir a;
  a.write("web.conf", "[service]\nuser = nobody\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.login_name, "nobody");
  std::string home = pw->pw_dir;
  EXPECT_EQ(l.loaded.identity.home, home == "/" ? "" : home);
  std::string shell = pw->pw_shell;
  if (shell.find("nologin") != std::string::npos || shell.find("false") != std::string::npos) {
    EXPECT_EQ(l.loaded.identity.shell, "");
  }
  EXPECT_NE(std::find(l.loaded.identity.groups.begin(), l.loaded.identity.groups.end(), pw->pw_gid),
            l.loaded.identity.groups.end());
}

TEST(LoaderIdentity, SecretsOwnerDefaultsToTheServiceUser) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = 3999999\ngroup = 4000001\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.secrets_uid, 3999999u);
  EXPECT_EQ(l.loaded.identity.secrets_gid, 4000001u);
}

TEST(LoaderIdentity, SecretsOwnerFromSecretsUserAndGroup) {
  TempDir a;
  a.write("web.conf", "[secrets]\nuser = 3999999\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_FALSE(l.loaded.identity.change);  // the daemon still starts as root
  EXPECT_EQ(l.loaded.identity.uid, 0u);
  EXPECT_EQ(l.loaded.identity.secrets_uid, 3999999u);
  EXPECT_EQ(l.loaded.identity.secrets_gid, 3999999u);
  a.write("web.conf", "[secrets]\nuser = root\ngroup = 4000001\n");
  l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.identity.secrets_uid, 0u);
  EXPECT_EQ(l.loaded.identity.secrets_gid, 4000001u);
}

TEST(LoaderIdentity, UnknownSecretsUserExits217AndGroup216) {
  TempDir a;
  a.write("web.conf", "[secrets]\nuser = no-such-user-jharden\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag),
            (Strings{a / "web.conf" + ":2: error: user: unknown user \"no-such-user-jharden\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitUser);
  a.write("web.conf", "[secrets]\ngroup = no-such-group-jharden\n");
  l = load("web.conf", {a.path()});
  EXPECT_EQ(l.diag.exit_code(), kExitGroup);
}

TEST(LoaderIdentity, TmpfsOwnerNamesAreResolved) {
  TempDir a;
  a.write("web.conf", "[filesystem]\ntmpfs = /run/x:uid=root,gid=root\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.policy.tmpfs[0].uid, 0u);
  EXPECT_EQ(l.loaded.policy.tmpfs[0].gid, 0u);
}

TEST(LoaderIdentity, UnknownTmpfsOwnerExits217Or216WithTheLine) {
  TempDir a;
  a.write("web.conf", "[filesystem]\n\ntmpfs = /run/x:uid=no-such-user-jharden\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":3: error: tmpfs: uid: unknown user "
                                                         "\"no-such-user-jharden\""}));
  EXPECT_EQ(l.diag.exit_code(), kExitUser);
  a.write("web.conf", "[filesystem]\ntmpfs = /run/x:gid=no-such-group-jharden\n");
  l = load("web.conf", {a.path()});
  EXPECT_EQ(l.diag.exit_code(), kExitGroup);
}

TEST(LoaderIdentity, PolicyErrorWinsOverUnresolvedIds) {
  TempDir a;
  a.write("web.conf", "[service]\nuser = no-such-user-jharden\numask = 9\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.diag.exit_code(), kExitConfig);
}

// --- Secrets -------------------------------------------------------------------------------

// A policy with one secret `name = source` in `dir`, loaded.
Load load_secret(const TempDir& dir, const std::string& source, const std::string& name = "tls") {
  dir.write("web.conf", "[secrets]\n" + name + " = " + source + "\n");
  return load("web.conf", {dir.path()});
}

TEST(LoaderSecrets, ContentIsRead) {
  TempDir a;
  std::string key = a.write("key.pem", "secret bytes\n", 0600);
  auto l = load_secret(a, key);
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  ASSERT_TRUE(has_size(l.loaded.secrets, 1));
  const Secret& s = l.loaded.secrets[0];
  EXPECT_EQ(s.name, "tls");
  EXPECT_EQ(s.source_display, key);
  EXPECT_EQ(s.host_path, key);
  EXPECT_EQ(s.bytes.data(), "secret bytes\n");
  EXPECT_EQ(s.origin.line, 2);
}

TEST(LoaderSecrets, MissingSourceExits243) {
  TempDir a;
  auto l = load_secret(a, a / "missing.pem");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: secrets: cannot read " +
                                        a / "missing.pem" + ": No such file or directory"}));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, SymlinkSourceExits243) {
  TempDir a;
  a.write("real.pem", "x");
  ASSERT_EQ(symlink((a / "real.pem").c_str(), (a / "link.pem").c_str()), 0);
  auto l = load_secret(a, a / "link.pem");
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(
      starts_with(errors_of(l.diag)[0],
                  a / "web.conf" + ":2: error: secrets: cannot read " + a / "link.pem" + ": "));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, DirectorySourceExits243) {
  TempDir a;
  a.mkdir("keys");
  auto l = load_secret(a, a / "keys");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: secrets: cannot read " +
                                        a / "keys" + ": not a regular file"}));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, FifoSourceExits243WithoutBlocking) {
  TempDir a;
  ASSERT_EQ(mkfifo((a / "key.pem").c_str(), 0600), 0);
  auto l = load_secret(a, a / "key.pem");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: secrets: cannot read " +
                                        a / "key.pem" + ": not a regular file"}));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, SourceOfExactlyOneMebibyteIsAccepted) {
  TempDir a;
  std::string key = a.write("big.pem", std::string(kMaxSecretSize, 'k'), 0600);
  auto l = load_secret(a, key);
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.loaded.secrets[0].bytes.data().size(), kMaxSecretSize);
}

TEST(LoaderSecrets, SourceOverOneMebibyteExits243) {
  TempDir a;
  std::string key = a.write("big.pem", std::string(kMaxSecretSize + 1, 'k'), 0600);
  auto l = load_secret(a, key);
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: secrets: cannot read " + key +
                                        ": larger than 1 MiB"}));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, EverySecretErrorIsReported) {
  TempDir a;
  a.write("web.conf", "[secrets]\na = " + a / "none1" + "\nb = " + a / "none2" + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_TRUE(has_size(l.diag.list(), 2));
}

TEST(LoaderSecrets, CredentialIsReadFromCredentialsDirectory) {
  TempDir a, creds;
  creds.write("tls.key", "from systemd\n", 0400);
  ScopedEnv env("CREDENTIALS_DIRECTORY", creds.path().c_str());
  auto l = load_secret(a, "credential:tls.key");
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  ASSERT_TRUE(has_size(l.loaded.secrets, 1));
  EXPECT_EQ(l.loaded.secrets[0].source_display, "credential:tls.key");
  EXPECT_EQ(l.loaded.secrets[0].host_path, creds / "tls.key");
  EXPECT_EQ(l.loaded.secrets[0].bytes.data(), "from systemd\n");
}

TEST(LoaderSecrets, MissingCredentialExits243) {
  TempDir a, creds;
  ScopedEnv env("CREDENTIALS_DIRECTORY", creds.path().c_str());
  auto l = load_secret(a, "credential:tls.key");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(errors_of(l.diag), (Strings{a / "web.conf" + ":2: error: secrets: cannot read " +
                                        creds / "tls.key" + ": No such file or directory"}));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, OptionalMissingSourceIsSkipped) {
  TempDir a, creds;
  std::string key = a.write("key.pem", "x", 0600);
  ScopedEnv env("CREDENTIALS_DIRECTORY", creds.path().c_str());
  a.write("web.conf", "[secrets]\na = -" + key + "\nb = -" + a / "none" +
                          "\nc = -credential:none\nd = -" + a / "none/deeper" + "\n");
  auto l = load("web.conf", {a.path()});
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  ASSERT_TRUE(has_size(l.loaded.secrets, 1));
  EXPECT_EQ(l.loaded.secrets[0].name, "a");
}

TEST(LoaderSecrets, OptionalCredentialWithoutCredentialsDirectoryIsSkipped) {
  TempDir a;
  ScopedEnv env("CREDENTIALS_DIRECTORY", nullptr);
  auto l = load_secret(a, "-credential:tls.key");
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(is_empty(l.loaded.secrets));
}

// "-" forgives a missing source only: one that is there but unusable is still an error.
TEST(LoaderSecrets, OptionalSourceThatIsNotAFileExits243) {
  TempDir a;
  a.mkdir("keys");
  auto l = load_secret(a, "-" + a / "keys");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, CredentialWithoutCredentialsDirectoryExits243) {
  TempDir a;
  ScopedEnv env("CREDENTIALS_DIRECTORY", nullptr);
  auto l = load_secret(a, "credential:tls.key");
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(starts_with(errors_of(l.diag)[0], a / "web.conf" + ":2: error: secrets: "));
  EXPECT_TRUE(has_substr(errors_of(l.diag)[0], "CREDENTIALS_DIRECTORY"));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, UnresolvedUserAndSecretBothReported) {
  TempDir a;
  a.write("web.conf",
          "[service]\nuser = no-such-user-jharden\n[secrets]\ntls = " + a / "none" + "\n");
  auto l = load("web.conf", {a.path()});
  EXPECT_TRUE(has_size(l.diag.list(), 2));
}

TEST(SecretBytes, MovingLeavesTheSourceEmpty) {
  SecretBytes a;
  a.data() = "hunter2";
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), "hunter2");
  EXPECT_TRUE(is_empty(a.data()));  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST(LoaderSecrets, SourceBehindASymlinkInAUsersDirectoryExits243) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir a;
  a.write("u/real/key", "x", 0600);
  ASSERT_EQ(symlink((a / "u/real").c_str(), (a / "u/keys").c_str()), 0);
  ASSERT_EQ(chown((a / "u").c_str(), 65534, 65534), 0);
  auto l = load_secret(a, a / "u/keys/key");
  EXPECT_FALSE(l.ok);
  ASSERT_TRUE(has_size(errors_of(l.diag), 1));
  EXPECT_TRUE(starts_with(errors_of(l.diag)[0],
                          a / "web.conf" + ":2: error: secrets: cannot read " + a / "u/keys/key" +
                              ": component " + a / "u/keys" + " is a symlink"));
  EXPECT_EQ(l.diag.exit_code(), kExitCredentials);
}

TEST(LoaderSecrets, SourceThroughARootOwnedSymlinkIsReadAndHiddenAtItsRealPath) {
  TempDir a;
  a.write("real/key", "x", 0600);
  ASSERT_EQ(symlink("real", (a / "keys").c_str()), 0);
  auto l = load_secret(a, a / "keys/key");
  ASSERT_TRUE(l.ok) << errors_of(l.diag)[0];
  ASSERT_TRUE(has_size(l.loaded.secrets, 1));
  EXPECT_EQ(l.loaded.secrets[0].host_path, a / "real/key");
}

}  // namespace
}  // namespace jharden
