/* getppid_loop.c - a syscall-heavy loop for measuring the cost of a seccomp
 * filter inside the sandbox (built by bench/run.sh into the build directory).
 *
 * Usage: getppid-loop [--allow-filter] [N]   (N calls, default 5000000)
 *
 * Calls getppid(2) N times through syscall(2) (so that no libc cache can
 * hide the system call) and prints one line:
 *   <nanoseconds per call> <total seconds> <N> <Seccomp mode from /proc/self/status>
 * Only the loop is timed (CLOCK_MONOTONIC), not the process start-up.
 *
 * --allow-filter first installs the smallest seccomp filter there is, one
 * instruction that allows every call (with no_new_privs and SPEC_ALLOW, as
 * jharden loads its own): what any filter costs a system call on this kernel,
 * before its program is looked at. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
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

static int allow_everything(void) {
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = 1, .filter = &allow};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                        &program);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--allow-filter") == 0) {
        if (allow_everything() != 0) {
            perror("getppid-loop: seccomp");
            return 2;
        }
        argc--;
        argv++;
    }
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
