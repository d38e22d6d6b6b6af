// Splitting `exec` like systemd's ExecStart= (exec_split.h, jharden.conf(5) "exec").
#include "exec_split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace jharden {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The words of `line`, or the error prefixed by "error: ".
std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> words;
  std::string why = split_command_line(line, words);
  if (!why.empty()) return {"error: " + why};
  return words;
}

TEST(SplitCommandLine, EmptyLineHasNoWords) {
  EXPECT_THAT(split(""), IsEmpty());
  EXPECT_THAT(split(" \t "), IsEmpty());
}

TEST(SplitCommandLine, WhiteSpaceSeparatesWords) {
  EXPECT_THAT(split("  /bin/echo  a\tb   c "), ElementsAre("/bin/echo", "a", "b", "c"));
}

TEST(SplitCommandLine, DoubleQuotesKeepWhiteSpace) {
  EXPECT_THAT(split("/usr/sbin/nginx -g \"daemon off; master_process on;\""),
              ElementsAre("/usr/sbin/nginx", "-g", "daemon off; master_process on;"));
}

TEST(SplitCommandLine, SingleQuotesKeepWhiteSpace) {
  EXPECT_THAT(split("/bin/echo 'a  b'"), ElementsAre("/bin/echo", "a  b"));
}

TEST(SplitCommandLine, OtherQuoteIsOrdinaryInsideQuotes) {
  EXPECT_THAT(split("/bin/echo \"it's\" 'say \"hi\"'"),
              ElementsAre("/bin/echo", "it's", "say \"hi\""));
}

TEST(SplitCommandLine, EmptyQuotesGiveAnEmptyWord) {
  EXPECT_THAT(split("/bin/echo \"\" ''"), ElementsAre("/bin/echo", "", ""));
}

TEST(SplitCommandLine, NoVariableExpansionOrSpecifiers) {
  EXPECT_THAT(split("/bin/echo $HOME ${X} %i"), ElementsAre("/bin/echo", "$HOME", "${X}", "%i"));
}

TEST(SplitCommandLine, SimpleEscapes) {
  EXPECT_THAT(split(R"(/bin/x a\\b a\"b a\'b \n \t \r \a \b \f \v a\sb a\ b)"),
              ElementsAre("/bin/x", "a\\b", "a\"b", "a'b", "\n", "\t", "\r", "\a", "\b", "\f",
                          "\v", "a b", "a b"));
}

TEST(SplitCommandLine, HexAndOctalEscapes) {
  EXPECT_THAT(split(R"(/bin/x \x41\x7a \101\172)"), ElementsAre("/bin/x", "Az", "Az"));
}

TEST(SplitCommandLine, EscapesInsideDoubleQuotes) {
  EXPECT_THAT(split(R"(/bin/x "a\"b\tc")"), ElementsAre("/bin/x", "a\"b\tc"));
}

// jharden.conf(5): "a backslash escapes, inside quotes and outside", as in systemd.
TEST(SplitCommandLine, EscapesInsideSingleQuotes) {
  EXPECT_THAT(split(R"(/bin/x 'a\tb')"), ElementsAre("/bin/x", "a\tb"));
}

TEST(SplitCommandLine, UnterminatedQuoteIsError) {
  EXPECT_THAT(split("/bin/echo \"abc"), ElementsAre("error: unterminated quote"));
  EXPECT_THAT(split("/bin/echo 'abc"), ElementsAre("error: unterminated quote"));
}

TEST(SplitCommandLine, TrailingBackslashIsError) {
  EXPECT_THAT(split("/bin/echo abc\\"), ElementsAre("error: trailing backslash"));
}

TEST(SplitCommandLine, UnknownEscapeIsError) {
  EXPECT_THAT(split(R"(/bin/echo \q)"), ElementsAre("error: unknown escape \\q"));
}

TEST(SplitCommandLine, EscapeYieldingNulIsError) {
  EXPECT_THAT(split(R"(/bin/echo \x00)"), ElementsAre("error: escape yields a NUL byte"));
  EXPECT_THAT(split(R"(/bin/echo \000)"), ElementsAre("error: invalid octal escape"));
}

TEST(SplitCommandLine, MalformedHexEscapeIsError) {
  EXPECT_THAT(split(R"(/bin/echo \x4)"), ElementsAre("error: incomplete \\x escape"));
  EXPECT_THAT(split(R"(/bin/echo \xg1)"), ElementsAre("error: invalid \\x escape"));
}

TEST(SplitCommandLine, MalformedOctalEscapeIsError) {
  EXPECT_THAT(split(R"(/bin/echo \18)"), ElementsAre("error: incomplete octal escape"));
  EXPECT_THAT(split(R"(/bin/echo \189)"), ElementsAre("error: invalid octal escape"));
  EXPECT_THAT(split(R"(/bin/echo \477)"), ElementsAre("error: invalid octal escape"));
}

// jharden.conf(5): "the quote must open at the start of a word and close at its end; a quote
// character inside an unquoted word ... [is an error]".
TEST(SplitCommandLine, QuoteInsideUnquotedWordIsError) {
  EXPECT_THAT(split("/bin/echo a\"b c\""), ::testing::SizeIs(1));
  EXPECT_THAT(split("/bin/echo a\"b c\"")[0], ::testing::StartsWith("error: "));
}

TEST(SplitCommandLine, QuoteNotClosingAtWordEndIsError) {
  EXPECT_THAT(split("/bin/echo \"a\"b"), ::testing::SizeIs(1));
  EXPECT_THAT(split("/bin/echo \"a\"b")[0], ::testing::StartsWith("error: "));
}

}  // namespace
}  // namespace jharden
