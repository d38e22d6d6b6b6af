/* seccomp_bpf.c - write a compiled seccomp filter for bwrap's --seccomp FD
 * (built by bench/run.sh into the build directory; links libseccomp).
 *
 * Usage: seccomp-bpf OUTPUT SYSCALL...
 *
 * Builds the same kind of filter as jharden's default deny list: every named
 * system call fails with EPERM, everything else is allowed, and any call
 * through a non-native ABI (i386, x32 on x86-64) fails with EPERM too. Names
 * this architecture does not have are skipped, as libseccomp does. The
 * filter is exported as raw BPF to OUTPUT, the format bwrap --seccomp reads. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: seccomp-bpf OUTPUT SYSCALL...\n");
        return 2;
    }
    /* Default action: allow. A non-native ABI: EPERM (the native-only rule). */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM)) != 0) {
        fprintf(stderr, "seccomp-bpf: cannot initialise libseccomp\n");
        return 1;
    }
    int added = 0;
    for (int i = 2; i < argc; i++) {
        int nr = seccomp_syscall_resolve_name(argv[i]);
        if (nr == __NR_SCMP_ERROR || nr < 0) continue; /* not on this architecture */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (rc != 0) {
            fprintf(stderr, "seccomp-bpf: %s: rule refused (%d)\n", argv[i], rc);
            return 1;
        }
        added++;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0 || close(fd) != 0) {
        perror("seccomp-bpf: export");
        return 1;
    }
    seccomp_release(ctx);
    fprintf(stderr, "seccomp-bpf: %d system calls denied\n", added);
    return 0;
}
