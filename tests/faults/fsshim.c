/* A storage fault shim for tests and benchmarks, loaded with LD_PRELOAD.
 *
 * For files under $CCG_FAULT_DIR only:
 * - while the file named by $CCG_FAULT_TRIGGER exists, every write and flush fails with EIO
 *   (a failing SD card), or with EROFS when the file says "EROFS" (the kernel remounted the
 *   card read-only after errors, which it does whatever is open);
 * - every fsync/fdatasync sleeps $CCG_FSYNC_DELAY_MS, and every $CCG_FSYNC_SLOW_EVERY-th one
 *   $CCG_FSYNC_SLOW_MS instead (an SD card's flush latency).
 * Everything else goes straight to the C library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int under_fault_dir(int fd) {
    const char *dir = getenv("CCG_FAULT_DIR");
    if (dir == NULL || *dir == '\0') return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = '\0';
    return strncmp(path, dir, strlen(dir)) == 0;
}

/* 0: no fault now; else the errno to fail with. */
static int failing(int fd) {
    const char *trigger = getenv("CCG_FAULT_TRIGGER");
    struct stat st;
    if (trigger == NULL || stat(trigger, &st) != 0 || !under_fault_dir(fd)) return 0;
    return st.st_size >= 5 ? EROFS : EIO;
}

static void flush_latency(int fd) {
    const char *delay = getenv("CCG_FSYNC_DELAY_MS");
    if (delay == NULL || !under_fault_dir(fd)) return;
    static unsigned long flushes;
    long ms = atol(delay);
    const char *every = getenv("CCG_FSYNC_SLOW_EVERY"), *slow = getenv("CCG_FSYNC_SLOW_MS");
    if (every != NULL && slow != NULL && atol(every) > 0 && ++flushes % atol(every) == 0)
        ms = atol(slow);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef int (*sync_fn)(int);

#define REAL(name, type) static type real_##name; \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write, write_fn);
    int fault = failing(fd);
    if (fault) { errno = fault; return -1; }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    REAL(pwrite, pwrite_fn);
    int fault = failing(fd);
    if (fault) { errno = fault; return -1; }
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
    REAL(pwrite64, pwrite64_fn);
    int fault = failing(fd);
    if (fault) { errno = fault; return -1; }
    return real_pwrite64(fd, buf, n, off);
}

int fsync(int fd) {
    REAL(fsync, sync_fn);
    int fault = failing(fd);
    if (fault) { errno = fault; return -1; }
    flush_latency(fd);
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync, sync_fn);
    int fault = failing(fd);
    if (fault) { errno = fault; return -1; }
    flush_latency(fd);
    return real_fdatasync(fd);
}
