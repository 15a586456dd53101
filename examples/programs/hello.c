/* The smallest program: one line to stdout, argv echoed, exit status 0. */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("hello from pageframe\n");
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  return 0;
}
