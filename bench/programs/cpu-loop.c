/*
 * The cpu benchmark's program: a CPU-bound loop of the kind an interpreter spends its life on
 * (integer arithmetic, 64-bit multiplies, loads and stores to a 64 KiB table, branches, calls),
 * with no system call but exit. Built by scripts/build-bench-program.sh; the binary beside it is
 * committed so the benchmark needs no cross compiler.
 */
#define WORDS 16384
#define ROUNDS 40

static unsigned int table[WORDS];

static unsigned long mix(unsigned long state, unsigned int value) {
  return (state ^ value) * 0x9e3779b97f4a7c15UL + (state >> 29);
}

static void sieve(unsigned char *flags, int limit) {
  for (int i = 0; i < limit; i++) flags[i] = 1;
  for (int i = 2; i * i < limit; i++)
    if (flags[i])
      for (int j = i * i; j < limit; j += i) flags[j] = 0;
}

static __attribute__((noreturn)) void exit_with(long status) {
  register long a0 __asm__("a0") = status;
  register long a7 __asm__("a7") = 93;
  __asm__ volatile("ecall" : : "r"(a0), "r"(a7));
  __builtin_unreachable();
}

void _start(void) {
  static unsigned char flags[8192];
  unsigned long state = 1;
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < WORDS; i++) {
      state = mix(state, table[(i * 7) & (WORDS - 1)]);
      table[i] += (unsigned int)(state >> 32);
    }
    sieve(flags, sizeof flags);
  }
  unsigned long primes = 0;
  for (unsigned int i = 2; i < sizeof flags; i++) primes += flags[i];
  exit_with((long)((state ^ primes) & 0x7f));
}
