#include "exec_split.h"

#include <cctype>

namespace jharden {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the escape starting after a backslash at line[i]; advances i past it.
std::string decode_escape(std::string_view line, size_t& i, char& out) {
  if (i >= line.size()) return "trailing backslash";
  char c = line[i++];
  switch (c) {
    case '\\':
      out = '\\';
      return "";
    case '"':
      out = '"';
      return "";
    case '\'':
      out = '\'';
      return "";
    case 'n':
      out = '\n';
      return "";
    case 't':
      out = '\t';
      return "";
    case 'r':
      out = '\r';
      return "";
    case 'a':
      out = '\a';
      return "";
    case 'b':
      out = '\b';
      return "";
    case 'f':
      out = '\f';
      return "";
    case 'v':
      out = '\v';
      return "";
    case 's':
      out = ' ';
      return "";
    case ' ':
      out = ' ';
      return "";
    case 'x': {
      if (i + 2 > line.size()) return "incomplete \\x escape";
      int hi = hex_value(line[i]), lo = hex_value(line[i + 1]);
      if (hi < 0 || lo < 0) return "invalid \\x escape";
      int v = hi * 16 + lo;
      if (v == 0) return "escape yields a NUL byte";
      out = static_cast<char>(v);
      i += 2;
      return "";
    }
    default:
      if (c >= '0' && c <= '7') {
        if (i + 2 > line.size()) return "incomplete octal escape";
        int v = c - '0';
        for (int k = 0; k < 2; ++k) {
          char d = line[i++];
          if (d < '0' || d > '7') return "invalid octal escape";
          v = v * 8 + (d - '0');
        }
        if (v == 0 || v > 0377) return "invalid octal escape";
        out = static_cast<char>(v);
        return "";
      }
      return std::string("unknown escape \\") + c;
  }
}

}  // namespace

std::string split_command_line(std::string_view line, std::vector<std::string>& words) {
  words.clear();
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string word;
    char quote = 0;
    // As in systemd, a quote opens a word and closes it: "a"b and a"b" are errors.
    const size_t start = i;
    bool quoted_word = false;
    while (i < line.size()) {
      char c = line[i];
      if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) break;
      if (quoted_word && quote == 0) return "a closing quote must end the word";
      ++i;
      if (c == '\\') {
        char decoded = 0;
        std::string err = decode_escape(line, i, decoded);
        if (!err.empty()) return err;
        word += decoded;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        if (i - 1 != start) return "a quote may only open a word";
        quote = c;
      } else if (c == quote) {
        quote = 0;
        quoted_word = true;
      } else {
        word += c;
      }
    }
    if (quote != 0) return "unterminated quote";
    words.push_back(std::move(word));
  }
  return "";
}

}  // namespace jharden
