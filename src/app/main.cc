// cityid: the single binary. Wiring only; every subcommand lives in src/cli/.
#include <sys/resource.h>

#include "cli/common.h"

int main(int argc, char** argv) {
  // The process holds the data keys and decrypted records: a crash (for example a SIGBUS on a
  // disk read error during a memory-mapped `enroll --batch`) must not write them to a core file.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  return cityid::cli::RunCli(argc, argv);
}
