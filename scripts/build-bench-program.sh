#!/bin/sh
# Rebuilds the cpu benchmark's program (bench/programs/cpu-loop) from its C source. The binary
# is committed: run this only after changing the source.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
riscv64-linux-gnu-gcc -O2 -march=rv64gc -mabi=lp64d -static -nostdlib -nostartfiles -fno-pie -no-pie -fno-tree-loop-distribute-patterns -Wl,--no-relax -Wl,-z,separate-code \
  -o "$here/bench/programs/cpu-loop" "$here/bench/programs/cpu-loop.c"
riscv64-linux-gnu-strip "$here/bench/programs/cpu-loop"
