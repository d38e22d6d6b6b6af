/* execve_smaps.c - LD_PRELOAD shim (built by bench/run.sh): just before the
 * program calls execve(), copy its /proc/self/smaps to $BENCH_SMAPS_OUT.
 *
 * Shows what makes up jharden's peak RSS (which it reaches right before it
 * executes the daemon): run
 *   BENCH_SMAPS_OUT=FILE LD_PRELOAD=.../execve-smaps.so jharden POLICY -- /bin/true
 * The file must be writable from inside the sandbox (not under /tmp). Only the
 * first execve() is recorded; a daemon that inherits the shim writes nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

int execve(const char *path, char *const argv[], char *const envp[]) {
    const char *out = getenv("BENCH_SMAPS_OUT");
    if (out && *out) {
        int in = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
        int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        char buf[65536];
        ssize_t n;
        if (in >= 0 && fd >= 0)
            while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(fd, buf, (size_t)n) != n) break;
        if (in >= 0) close(in);
        if (fd >= 0) close(fd);
    }
    execve_fn real = (execve_fn)dlsym(RTLD_NEXT, "execve");
    return real(path, argv, envp);
}
