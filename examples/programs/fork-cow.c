/*
 * fork with copy-on-write: the child changes its copy of a buffer and exits with a status; the
 * parent waits, then shows that its own copy is unchanged. Output order is fixed by wait4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char buffer[3 * 4096];

int main(void) {
  memset(buffer, 'p', sizeof buffer);
  char *heap = malloc(100000);
  memset(heap, 'h', 100000);
  printf("parent before fork: %c %c\n", buffer[0], heap[99999]);
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    buffer[4096] = 'c';
    heap[50000] = 'c';
    printf("child sees: %c %c %c\n", buffer[0], buffer[4096], heap[50000]);
    fflush(stdout);
    _exit(7);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    perror("waitpid");
    return 1;
  }
  printf("child exited: %d, status %d\n", WIFEXITED(status), WEXITSTATUS(status));
  printf("parent after: %c %c %c\n", buffer[0], buffer[4096], heap[50000]);
  free(heap);
  return 0;
}
