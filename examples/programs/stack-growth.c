/*
 * Grows the stack past 4 MiB: a recursion with a 64 KiB frame each, 80 deep (5 MiB), touching every
 * page of every frame; the stack region grows down on demand. Prints a checksum of the frames.
 */
#include <stdio.h>
#include <string.h>

#define FRAME_BYTES 65536

static unsigned long descend(int depth) {
  volatile unsigned char frame[FRAME_BYTES];
  for (int k = 0; k < FRAME_BYTES; k += 512) frame[k] = (unsigned char)(depth + k / 512);
  unsigned long below = depth > 1 ? descend(depth - 1) : 0;
  unsigned long sum = 0;
  for (int k = 0; k < FRAME_BYTES; k += 512) sum += frame[k];
  return below + sum;
}

int main(void) {
  unsigned long total = descend(80);
  printf("stack of %d KiB used, checksum %lu\n", 80 * FRAME_BYTES / 1024, total);
  return 0;
}
