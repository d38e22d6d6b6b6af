// Splitting `exec` like systemd's ExecStart= (exec_split.h, jharden.conf(5) "exec").
#include "exec_split.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace jharden {
namespace {

using test::has_size;
using test::is_empty;
using test::starts_with;
using test::Strings;

// The words of `line`, or the error prefixed by "error: ".
std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> words;
  std::string why = split_command_line(line, words);
  if (!why.empty()) return {"error: " + why};
  return words;
}

TEST(SplitCommandLine, EmptyLineHasNoWords) {
  EXPECT_TRUE(is_empty(split("")));
  EXPECT_TRUE(is_empty(split(" \t ")));
}

TEST(SplitCommandLine, WhiteSpaceSeparatesWords) {
  EXPECT_EQ(split("  /bin/echo  a\tb   c "), (Strings{"/bin/echo", "a", "b", "c"}));
}

TEST(SplitCommandLine, DoubleQuotesKeepWhiteSpace) {
  EXPECT_EQ(split("/usr/sbin/nginx -g \"daemon off; master_process on;\""),
            (Strings{"/usr/sbin/nginx", "-g", "daemon off; master_process on;"}));
}

TEST(SplitCommandLine, SingleQuotesKeepWhiteSpace) {
  EXPECT_EQ(split("/bin/echo 'a  b'"), (Strings{"/bin/echo", "a  b"}));
}

TEST(SplitCommandLine, OtherQuoteIsOrdinaryInsideQuotes) {
  EXPECT_EQ(split("/bin/echo \"it's\" 'say \"hi\"'"), (Strings{"/bin/echo", "it's", "say \"hi\""}));
}

TEST(SplitCommandLine, EmptyQuotesGiveAnEmptyWord) {
  EXPECT_EQ(split("/bin/echo \"\" ''"), (Strings{"/bin/echo", "", ""}));
}

TEST(SplitCommandLine, NoVariableExpansionOrSpecifiers) {
  EXPECT_EQ(split("/bin/echo $HOME ${X} %i"), (Strings{"/bin/echo", "$HOME", "${X}", "%i"}));
}

TEST(SplitCommandLine, SimpleEscapes) {
  EXPECT_EQ(split(R"(/bin/x a\\b a\"b a\'b \n \t \r \a \b \f \v a\sb a\ b)"),
            (Strings{"/bin/x", "a\\b", "a\"b", "a'b", "\n", "\t", "\r", "\a", "\b", "\f", "\v",
                     "a b", "a b"}));
}

TEST(SplitCommandLine, HexAndOctalEscapes) {
  EXPECT_EQ(split(R"(/bin/x \x41\x7a \101\172)"), (Strings{"/bin/x", "Az", "Az"}));
}

TEST(SplitCommandLine, EscapesInsideDoubleQuotes) {
  EXPECT_EQ(split(R"(/bin/x "a\"b\tc")"), (Strings{"/bin/x", "a\"b\tc"}));
}

// jharden.conf(5): "a backslash escapes, inside quotes and outside", as in systemd.
TEST(SplitCommandLine, EscapesInsideSingleQuotes) {
  EXPECT_EQ(split(R"(/bin/x 'a\tb')"), (Strings{"/bin/x", "a\tb"}));
}

TEST(SplitCommandLine, UnterminatedQuoteIsError) {
  EXPECT_EQ(split("/bin/echo \"abc"), (Strings{"error: unterminated quote"}));
  EXPECT_EQ(split("/bin/echo 'abc"), (Strings{"error: unterminated quote"}));
}

TEST(SplitCommandLine, TrailingBackslashIsError) {
  EXPECT_EQ(split("/bin/echo abc\\"), (Strings{"error: trailing backslash"}));
}

TEST(SplitCommandLine, UnknownEscapeIsError) {
  EXPECT_EQ(split(R"(/bin/echo \q)"), (Strings{"error: unknown escape \\q"}));
}

TEST(SplitCommandLine, EscapeYieldingNulIsError) {
  EXPECT_EQ(split(R"(/bin/echo \x00)"), (Strings{"error: escape yields a NUL byte"}));
  EXPECT_EQ(split(R"(/bin/echo \000)"), (Strings{"error: invalid octal escape"}));
}

TEST(SplitCommandLine, MalformedHexEscapeIsError) {
  EXPECT_EQ(split(R"(/bin/echo \x4)"), (Strings{"error: incomplete \\x escape"}));
  EXPECT_EQ(split(R"(/bin/echo \xg1)"), (Strings{"error: invalid \\x escape"}));
}

TEST(SplitCommandLine, MalformedOctalEscapeIsError) {
  EXPECT_EQ(split(R"(/bin/echo \18)"), (Strings{"error: incomplete octal escape"}));
  EXPECT_EQ(split(R"(/bin/echo \189)"), (Strings{"error: invalid octal escape"}));
  EXPECT_EQ(split(R"(/bin/echo \477)"), (Strings{"error: invalid octal escape"}));
}

// jharden.conf(5): "the quote must open at the start of a word and close at its end; a quote
// character inside an unquoted word ... [is an error]".
TEST(SplitCommandLine, QuoteInsideUnquotedWordIsError) {
  EXPECT_TRUE(has_size(split("/bin/echo a\"b c\""), 1));
  EXPECT_TRUE(starts_with(split("/bin/echo a\"b c\"")[0], "error: "));
}

TEST(SplitCommandLine, QuoteNotClosingAtWordEndIsError) {
  EXPECT_TRUE(has_size(split("/bin/echo \"a\"b"), 1));
  EXPECT_TRUE(starts_with(split("/bin/echo \"a\"b")[0], "error: "));
}

}  // namespace
}  // namespace jharden
