/*
 * mmap, munmap and mprotect on sub-ranges, mremap and madvise(DONTNEED): each step prints what it
 * sees, and a write to a PROT_NONE guard page at the end kills the program with SIGSEGV.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  (void)argv;
  long page = sysconf(_SC_PAGESIZE);
  char *area = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return 1;
  for (int i = 0; i < 8; i++) area[i * page] = (char)('a' + i);
  printf("page size %ld, pages: %.1s%.1s%.1s%.1s%.1s%.1s%.1s%.1s\n", page, area, area + page,
         area + 2 * page, area + 3 * page, area + 4 * page, area + 5 * page, area + 6 * page,
         area + 7 * page);
  printf("munmap middle: %d\n", munmap(area + 2 * page, 2 * page));
  printf("mprotect read-only: %d\n", mprotect(area + 5 * page, page, PROT_READ));
  printf("still readable: %c %c\n", area[5 * page], area[7 * page]);
  printf("mprotect unmapped: %d\n", mprotect(area + 2 * page, page, PROT_READ));
  char *again = mmap(area + 2 * page, page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed mmap back in the hole: %d, fresh page holds %d\n", again == area + 2 * page, again[0]);
  char *grown = mremap(area, 2 * page, 6 * page, MREMAP_MAYMOVE);
  printf("mremap grow: %s, contents kept: %c %c, new part zero: %d\n", grown == MAP_FAILED ? "failed" : "ok",
         grown[0], grown[page], grown[5 * page]);
  char *shrunk = mremap(grown, 6 * page, page, 0);
  printf("mremap shrink in place: %d\n", shrunk == grown);
  char *scratch = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(scratch, 'z', 4 * page);
  printf("madvise DONTNEED: %d, ", madvise(scratch + page, 2 * page, MADV_DONTNEED));
  printf("after: %d %d %c\n", scratch[page], scratch[2 * page + 9], scratch[3 * page]);
  char *shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  strcpy(shared, "shared memory");
  printf("%s\n", shared);
  char *guarded = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(guarded + page, page, PROT_NONE);
  guarded[0] = 'g';
  printf("guard page set up; writing past the end%s\n", argc > 1 ? "" : " is skipped");
  fflush(stdout);
  if (argc > 1) guarded[page] = 'x';
  return 0;
}
