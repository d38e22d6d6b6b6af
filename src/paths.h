// Path syntax: the policy accepts only absolute, normalized paths, so that what the
// administrator wrote is exactly what gets mounted (no "..", no "//", no trailing "/").
#pragma once

#include <string>
#include <string_view>

namespace jharden {

// Empty when `path` is absolute and normalized; otherwise why not.
std::string path_problem(std::string_view path);

// True when `child` is `parent` or lies below it ("/" is above everything).
bool path_is_under(std::string_view child, std::string_view parent);

// Number of components: "/" has 0, "/usr" 1, "/usr/lib" 2.
int path_depth(std::string_view path);

// `path` as seen from `root` (root "/" leaves it unchanged): join_root("/srv/r", "/usr") is
// "/srv/r/usr".
std::string join_root(std::string_view root, std::string_view path);

// A plain file name: not empty, no "/", not "." or "..".
bool is_plain_file_name(std::string_view name);

}  // namespace jharden
