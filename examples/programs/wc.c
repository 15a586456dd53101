/*
 * wc: counts the lines, words and bytes of each file named (standard input when none), with
 * open, fstat, read, lseek and close on read-only host files.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int count(int fd, const char *name) {
  char buffer[1024];
  long lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    for (ssize_t k = 0; k < n; k++) {
      if (buffer[k] == '\n') lines++;
      if (isspace((unsigned char)buffer[k])) in_word = 0;
      else if (!in_word) in_word = 1, words++;
    }
    bytes += n;
  }
  if (n < 0) return 1;
  printf("%7ld %7ld %7ld %s\n", lines, words, bytes, name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return count(0, "-");
  int status = 0;
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      perror(argv[i]);
      status = 1;
      continue;
    }
    struct stat info;
    if (fstat(fd, &info) == 0 && lseek(fd, info.st_size / 2, SEEK_SET) == info.st_size / 2) {
      char middle;
      if (read(fd, &middle, 1) == 1) printf("middle byte of %s: %d\n", argv[i], middle);
      lseek(fd, 0, SEEK_SET);
    }
    status |= count(fd, argv[i]);
    close(fd);
  }
  return status;
}
