/* with_fd.c - open FILE read-only on descriptor FD, then execute COMMAND
 * (built statically by bench/run.sh into the build directory).
 *
 * Usage: with-fd FILE FD COMMAND [ARG...]
 *
 * hyperfine runs commands without a shell (-N), so it cannot give bwrap the
 * "--seccomp 9 9<filter.bpf" redirection it needs; and a descriptor opened
 * once for all runs would be at end-of-file after bwrap's first read. This
 * opens the filter afresh for every run at the cost of one execve() of a
 * small static program, which the harness measures (with-fd ... /bin/true)
 * and reports next to bwrap. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: with-fd FILE FD COMMAND [ARG...]\n");
        return 2;
    }
    int want = atoi(argv[2]);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    if (fd != want) {
        if (dup2(fd, want) < 0) {
            perror("dup2");
            return 1;
        }
        close(fd);
    }
    execv(argv[3], argv + 3);
    perror(argv[3]);
    return 127;
}
