/*
 * Calls a system call number that Linux does not have (500): the kernel answers -ENOSYS, and the
 * program exits with status 38 (ENOSYS) to show that it noticed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  long result = syscall(500);
  int error = errno;
  printf("syscall 500 returned %ld: %s\n", result, strerror(error));
  return result == -1 && error == ENOSYS ? ENOSYS : 0;
}
