#!/bin/sh
# Builds examples/programs/*.c into static RISC-V (rv64gc, lp64d) Linux binaries beside them,
# with Debian's cross compiler (gcc-riscv64-linux-gnu, libc6-dev-riscv64-cross). The binaries are
# committed, so running them (pageframe exec, the playground) needs no cross compiler.
set -eu
cd "$(dirname "$0")/../examples/programs"
CC=${CC:-riscv64-linux-gnu-gcc}
for source in *.c; do
  program=${source%.c}
  "$CC" -static -O2 -Wall -Wextra -o "$program" "$source" -lm
  riscv64-linux-gnu-strip "$program"
  echo "built $program ($(wc -c < "$program") bytes)"
done
