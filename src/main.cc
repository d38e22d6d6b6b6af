#include "cli.h"

int main(int argc, char** argv) { return jharden::run_cli(argc, argv); }
