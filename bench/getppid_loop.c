/* getppid_loop.c - a syscall-heavy loop for measuring the cost of a seccomp
 * filter inside the sandbox (built by bench/run.sh into the build directory).
 *
 * Usage: getppid-loop [N]   (N calls, default 5000000)
 *
 * Calls getppid(2) N times through syscall(2) (so that no libc cache can
 * hide the system call) and prints one line:
 *   <nanoseconds per call> <total seconds> <N> <Seccomp mode from /proc/self/status>
 * Only the loop is timed (CLOCK_MONOTONIC), not the process start-up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int seccomp_mode(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int mode = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp:", 8) == 0) mode = atoi(line + 8);
    fclose(f);
    return mode;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000L;
    struct timespec t0, t1;
    volatile long sink = 0;
    if (n <= 0) {
        fprintf(stderr, "getppid-loop: bad count\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) sink += syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.2f %.6f %ld %d\n", secs * 1e9 / (double)n, secs, n, seccomp_mode());
    return sink == 0 ? 1 : 0; /* getppid() is never 0 for us; keeps sink alive */
}
