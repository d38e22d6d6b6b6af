// Small formatting helpers shared by the printers.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace jharden {

// "0755": a file mode as administrators write it.
std::string octal_mode(mode_t mode);

// The words with `sep` between them ("" for none).
std::string join(const std::vector<std::string>& words, const char* sep = " ");

// Appends `value` unless `list` holds it already: a list shown in order, each name once.
void add_once(std::vector<std::string>& list, const std::string& value);

}  // namespace jharden
