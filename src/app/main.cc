// cityid: the single binary. Wiring only; every subcommand lives in src/cli/.
#include "cli/common.h"

int main(int argc, char** argv) { return cityid::cli::RunCli(argc, argv); }
