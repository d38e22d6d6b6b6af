// The command line (jharden(8)).
#pragma once

namespace jharden {

int run_cli(int argc, char** argv);

}  // namespace jharden
