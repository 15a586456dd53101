#!/bin/sh
# Builds the riscv-tests user ISA programs (rv64ui, um, ua, uc, uf, ud) as static Linux
# executables with the project's user-mode environment (test/cpu/riscv-env). The tests in
# test/cpu run them on the hart and under qemu-riscv64.
# Usage: scripts/build-riscv-tests.sh [SOURCE_DIR [OUTPUT_DIR]]
# Defaults: ../shared/riscv-tests/isa (or $RISCV_TESTS) and test-output/riscv-tests.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
source=${1:-${RISCV_TESTS:-$here/../shared/riscv-tests/isa}}
output=${2:-$here/test-output/riscv-tests}
cc=${RISCV_CC:-riscv64-linux-gnu-gcc}
mkdir -p "$output"
for suite in rv64ui rv64um rv64ua rv64uc rv64uf rv64ud; do
  for file in "$source/$suite"/*.S; do
    name="$suite-$(basename "$file" .S)"
    target="$output/$name"
    [ "$target" -nt "$file" ] && [ "$target" -nt "$here/test/cpu/riscv-env/riscv_test.h" ] && continue
    echo "$file $target"
  done
done | while read -r file target; do
  # Two tests write to their own code (rvc stores into a data block inside .text; fence_i runs
  # code it wrote to .data): -N links them as one writable, executable segment, as the
  # repository's bare-metal environment has it.
  case "$target" in */rv64uc-rvc | */rv64ui-fence_i) layout=-Wl,-N ;; *) layout= ;; esac
  "$cc" -march=rv64gc -mabi=lp64d -static -nostdlib -nostartfiles -Wl,--no-warn-rwx-segments $layout \
    -I"$here/test/cpu/riscv-env" -I"$source/macros/scalar" -o "$target.tmp" "$file"
  mv "$target.tmp" "$target"
done
