#include "cli.h"
#include "error.h"

// The last resort: every failure jharden foresees has its own exit code and message; anything
// else (an allocation failure, a library's exception) still ends with a message and a code,
// never with std::terminate's "terminate called ..." and SIGABRT.
int main(int argc, char** argv) {
  try {
    return jharden::run_cli(argc, argv);
  } catch (...) {
    return jharden::exit_code_of_current_exception();
  }
}
