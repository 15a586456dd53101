/*
 * malloc-recorder: an LD_PRELOAD library that logs every malloc, calloc, realloc, free and
 * aligned allocation (memalign, posix_memalign, aligned_alloc, valloc, pvalloc) of a program,
 * for pageframe's `npm run record`, which turns the log into a malloc-lab .rep trace.
 *
 * Log: one event a line, pointers in hex, sizes in decimal, to $PAGEFRAME_RECORD.<pid>.log:
 *   m PTR SIZE      malloc            c PTR SIZE      calloc (SIZE = count * size)
 *   a PTR SIZE      aligned forms     f PTR           free
 *   r OLD NEW SIZE  realloc (NEW 0 with SIZE 0: OLD was freed)
 *
 * Care taken:
 * - dlsym may itself call malloc or calloc before the real functions are known: those calls are
 *   served from a static bootstrap buffer, and free/realloc recognise its pointers.
 * - Nothing here allocates: the log is formatted by hand into a static buffer and written with
 *   write(2); a per-thread flag stops recursion if anything we call does allocate.
 * - Threads: a spin lock guards the buffer, so events of different threads never interleave.
 * - fork: the buffer is flushed before the fork; the child drops the parent's file and opens
 *   its own, named by its own pid, on its next event.
 * - exit: a destructor flushes the buffer. A program that ends in _exit loses the events since
 *   the last flush. exec keeps the pid: the new image's first event truncates the file, so the
 *   log holds the last program the process ran.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

/* Allocations made while dlsym runs. */
static char boot_buffer[256 * 1024] __attribute__((aligned(64)));
static size_t boot_used;
static volatile int resolving;

static __thread int in_hook;

static char log_buffer[1 << 16];
static size_t log_used;
static int log_fd = -1;
static volatile int log_lock;
static int log_disabled;

static void lock(void) {
  while (__atomic_test_and_set(&log_lock, __ATOMIC_ACQUIRE)) {
  }
}

static void unlock(void) { __atomic_clear(&log_lock, __ATOMIC_RELEASE); }

static int is_boot(const void *p) {
  return (const char *)p >= boot_buffer && (const char *)p < boot_buffer + sizeof boot_buffer;
}

static void *boot_alloc(size_t size, size_t alignment) {
  if (alignment < 16) alignment = 16;
  size_t start = (boot_used + alignment - 1) & ~(alignment - 1);
  if (start + size > sizeof boot_buffer) return NULL;
  boot_used = start + size;
  return boot_buffer + start; /* static memory: already zero */
}

static void resolve(void) {
  if (real_malloc || resolving) return;
  resolving = 1;
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_free = dlsym(RTLD_NEXT, "free");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  real_valloc = dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
  resolving = 0;
}

static void flush_locked(void) {
  size_t done = 0;
  while (done < log_used && log_fd >= 0) {
    ssize_t n = write(log_fd, log_buffer + done, log_used - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  log_used = 0;
}

static void open_log_locked(void) {
  if (log_fd >= 0 || log_disabled) return;
  const char *prefix = getenv("PAGEFRAME_RECORD");
  if (!prefix) {
    log_disabled = 1;
    return;
  }
  char path[4096];
  size_t n = strlen(prefix);
  if (n > sizeof path - 32) {
    log_disabled = 1;
    return;
  }
  memcpy(path, prefix, n);
  path[n++] = '.';
  char digits[24];
  int d = 0;
  unsigned long pid = (unsigned long)getpid();
  do {
    digits[d++] = (char)('0' + pid % 10);
    pid /= 10;
  } while (pid);
  while (d) path[n++] = digits[--d];
  memcpy(path + n, ".log", 5);
  log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) log_disabled = 1;
}

static char *put_hex(char *out, uintptr_t v) {
  char digits[2 * sizeof v];
  int d = 0;
  do {
    digits[d++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  while (d) *out++ = digits[--d];
  return out;
}

static char *put_dec(char *out, size_t v) {
  char digits[24];
  int d = 0;
  do {
    digits[d++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (d) *out++ = digits[--d];
  return out;
}

/* One event: kind, up to two pointers, and a size (when has_size). */
static void record(char kind, const void *p1, const void *p2, int pointers, size_t size, int has_size) {
  if (in_hook) return;
  in_hook = 1;
  char line[80];
  char *out = line;
  *out++ = kind;
  *out++ = ' ';
  out = put_hex(out, (uintptr_t)p1);
  if (pointers > 1) {
    *out++ = ' ';
    out = put_hex(out, (uintptr_t)p2);
  }
  if (has_size) {
    *out++ = ' ';
    out = put_dec(out, size);
  }
  *out++ = '\n';
  size_t len = (size_t)(out - line);
  lock();
  open_log_locked();
  if (log_fd >= 0) {
    if (log_used + len > sizeof log_buffer) flush_locked();
    memcpy(log_buffer + log_used, line, len);
    log_used += len;
  }
  unlock();
  in_hook = 0;
}

static void before_fork(void) {
  lock();
  flush_locked();
}

static void after_fork_parent(void) { unlock(); }

static void after_fork_child(void) {
  if (log_fd >= 0) close(log_fd);
  log_fd = -1;
  log_used = 0;
  unlock();
}

__attribute__((constructor)) static void recorder_start(void) {
  resolve();
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

__attribute__((destructor)) static void recorder_stop(void) {
  lock();
  flush_locked();
  unlock();
}

void *malloc(size_t size) {
  if (!real_malloc) {
    resolve();
    if (!real_malloc) return boot_alloc(size, 16);
  }
  void *p = real_malloc(size);
  if (p) record('m', p, NULL, 1, size, 1);
  return p;
}

void *calloc(size_t count, size_t size) {
  if (!real_calloc) {
    resolve();
    if (!real_calloc) {
      if (size && count > SIZE_MAX / size) return NULL;
      return boot_alloc(count * size, 16);
    }
  }
  void *p = real_calloc(count, size);
  if (p) record('c', p, NULL, 1, count * size, 1);
  return p;
}

void free(void *p) {
  if (!p || is_boot(p)) return;
  if (!real_free) resolve();
  record('f', p, NULL, 1, 0, 0);
  real_free(p);
}

void *realloc(void *old, size_t size) {
  if (!real_realloc) resolve();
  if (old && is_boot(old)) {
    /* Moved out of the bootstrap buffer: a new block as far as the log is concerned. */
    void *p = malloc(size);
    if (p) {
      size_t room = (size_t)(boot_buffer + sizeof boot_buffer - (char *)old);
      memcpy(p, old, size < room ? size : room);
    }
    return p;
  }
  if (!real_realloc) return NULL;
  void *p = real_realloc(old, size);
  if (p || size == 0) record('r', old, p, 2, size, 1);
  return p;
}

void *memalign(size_t alignment, size_t size) {
  if (!real_memalign) {
    resolve();
    if (!real_memalign) return boot_alloc(size, alignment);
  }
  void *p = real_memalign(alignment, size);
  if (p) record('a', p, NULL, 1, size, 1);
  return p;
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (!real_posix_memalign) resolve();
  if (!real_posix_memalign) return ENOMEM;
  int error = real_posix_memalign(out, alignment, size);
  if (error == 0 && *out) record('a', *out, NULL, 1, size, 1);
  return error;
}

void *aligned_alloc(size_t alignment, size_t size) {
  if (!real_aligned_alloc) resolve();
  if (!real_aligned_alloc) return NULL;
  void *p = real_aligned_alloc(alignment, size);
  if (p) record('a', p, NULL, 1, size, 1);
  return p;
}

void *valloc(size_t size) {
  if (!real_valloc) resolve();
  if (!real_valloc) return NULL;
  void *p = real_valloc(size);
  if (p) record('a', p, NULL, 1, size, 1);
  return p;
}

void *pvalloc(size_t size) {
  if (!real_pvalloc) resolve();
  if (!real_pvalloc) return NULL;
  void *p = real_pvalloc(size);
  if (p) record('a', p, NULL, 1, size, 1);
  return p;
}
