/*
 * Many small and large allocations: small ones come from brk, blocks above 128 KiB from mmap.
 * Each block is filled with a pattern and checked before it is freed; a checksum is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

static uint32_t state = 12345;
static uint32_t next_random(void) {
  state = state * 1103515245u + 12345u;
  return state >> 8;
}

int main(void) {
  unsigned char *blocks[SLOTS] = {0};
  size_t sizes[SLOTS] = {0};
  uint64_t checksum = 0;
  long mismatches = 0;
  for (int round = 0; round < 6000; round++) {
    int slot = next_random() % SLOTS;
    if (blocks[slot]) {
      for (size_t k = 0; k < sizes[slot]; k += 61)
        if (blocks[slot][k] != (unsigned char)slot) mismatches++;
      checksum += blocks[slot][sizes[slot] - 1];
      free(blocks[slot]);
      blocks[slot] = NULL;
      continue;
    }
    size_t size = (next_random() % 16 == 0) ? 131072 + next_random() % 100000 : 1 + next_random() % 2000;
    unsigned char *p = malloc(size);
    if (!p) {
      printf("malloc(%zu) failed\n", size);
      return 1;
    }
    memset(p, slot, size);
    blocks[slot] = p;
    sizes[slot] = size;
  }
  char *text = NULL;
  size_t length = 0;
  for (int i = 0; i < 300; i++) {
    text = realloc(text, length + 64);
    length += (size_t)snprintf(text + length, 64, "%d,", i * i);
  }
  printf("realloc text: %zu bytes, ends %s\n", length, text + length - 12);
  free(text);
  for (int slot = 0; slot < SLOTS; slot++) free(blocks[slot]);
  printf("checksum %llu, mismatches %ld\n", (unsigned long long)checksum, mismatches);
  return mismatches == 0 ? 0 : 2;
}
