/* with_fd.c - open FILE read-only on descriptor FD (one pair or more), then execute
 * COMMAND (built statically by bench/run.sh into the build directory).
 *
 * Usage: with-fd FILE FD COMMAND [ARG...]
 *        with-fd FILE FD [FILE FD]... -- COMMAND [ARG...]
 *
 * hyperfine runs commands without a shell (-N), so it cannot give bwrap the
 * "--seccomp 9 9<filter.bpf" redirection it needs (nor "--file 8 8<secret"
 * for the secret); and a descriptor opened once for all runs would be at
 * end-of-file after bwrap's first read. This opens the files afresh for every
 * run at the cost of one execve() of a small static program, which the
 * harness measures (with-fd ... /bin/true) and reports next to bwrap. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_on(const char *file, int want) {
    int fd = open(file, O_RDONLY);
    if (fd < 0) {
        perror(file);
        return -1;
    }
    if (fd != want) {
        if (dup2(fd, want) < 0) {
            perror("dup2");
            return -1;
        }
        close(fd);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: with-fd FILE FD [FILE FD]... [--] COMMAND [ARG...]\n");
        return 2;
    }
    /* With "--", the pairs run up to it; without, there is one pair. */
    int end = 3;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--") == 0) {
            end = i;
            break;
        }
    }
    if ((end - 1) % 2 != 0 || end + (end < argc && strcmp(argv[end], "--") == 0) >= argc) {
        fprintf(stderr, "usage: with-fd FILE FD [FILE FD]... [--] COMMAND [ARG...]\n");
        return 2;
    }
    for (int i = 1; i < end; i += 2)
        if (open_on(argv[i], atoi(argv[i + 1])) != 0) return 1;
    char **cmd = argv + end + (strcmp(argv[end], "--") == 0);
    execv(cmd[0], cmd);
    perror(cmd[0]);
    return 127;
}
