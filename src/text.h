// Small formatting helpers shared by the printers.
#pragma once

#include <sys/types.h>

#include <string>

namespace jharden {

// "0755": a file mode as administrators write it.
std::string octal_mode(mode_t mode);

}  // namespace jharden
