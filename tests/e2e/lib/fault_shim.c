// fault_shim.c: a test-only LD_PRELOAD library that takes one protection away from jharden,
// so that the tests can see the --verify row of that protection fail. jharden links
// libseccomp dynamically and makes the Landlock calls through libc's syscall(); this library
// sits in front of both and knows nothing of jharden.
//
// JH_FAULT holds the faults, separated by spaces:
//   no-load          seccomp_load() returns 0 without loading the filter
//   allow:NAME       every rule for syscall NAME becomes one unconditional allow
//   drop:NAME        no rule for syscall NAME is added (the filter's default action answers)
//   default-allow    the filter's default action (for calls without a rule) is allow
//   badarch-allow    calls of another architecture (x32, i386) are allowed
//   no-landlock      landlock_restrict_self() returns 0 without restricting the process
//   landlock-grant-root  the ruleset gets one more rule: every handled right beneath /, so
//                    the domain holds (ptrace scoping) but refuses no write
//   no-chown         fchown() succeeds without changing the owner (secrets stay root's)
//
// Built by the end-to-end scripts: gcc -shared -fPIC -o fault_shim.so fault_shim.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void* next(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    fprintf(stderr, "fault_shim: no %s\n", name);
    abort();
  }
  return f;
}

// Whether JH_FAULT holds the word `fault` exactly.
static bool has_fault(const char* fault) {
  const char* all = getenv("JH_FAULT");
  size_t n = strlen(fault);
  for (const char* p = all; p && *p;) {
    while (*p == ' ') ++p;
    size_t len = strcspn(p, " ");
    if (len == n && strncmp(p, fault, n) == 0) return true;
    p += len;
  }
  return false;
}

// Whether JH_FAULT holds "KIND:NAME" for the syscall numbered `nr`.
static bool syscall_fault(const char* kind, int nr) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (!name) return false;
  char word[128];
  snprintf(word, sizeof word, "%s:%s", kind, name);
  free(name);
  return has_fault(word);
}

scmp_filter_ctx seccomp_init(uint32_t def_action) {
  scmp_filter_ctx (*real)(uint32_t) = (scmp_filter_ctx(*)(uint32_t))next("seccomp_init");
  return real(has_fault("default-allow") ? SCMP_ACT_ALLOW : def_action);
}

int seccomp_load(const scmp_filter_ctx ctx) {
  int (*real)(const scmp_filter_ctx) = (int (*)(const scmp_filter_ctx))next("seccomp_load");
  return has_fault("no-load") ? 0 : real(ctx);
}

int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value) {
  int (*real)(scmp_filter_ctx, enum scmp_filter_attr, uint32_t) =
      (int (*)(scmp_filter_ctx, enum scmp_filter_attr, uint32_t))next("seccomp_attr_set");
  if (attr == SCMP_FLTATR_ACT_BADARCH && has_fault("badarch-allow")) value = SCMP_ACT_ALLOW;
  return real(ctx, attr, value);
}

int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int arg_cnt,
                           const struct scmp_arg_cmp* arg_array) {
  int (*real)(scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp*) =
      (int (*)(scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp*))next(
          "seccomp_rule_add_array");
  static bool allowed[4096];
  if (syscall_fault("drop", nr)) return 0;
  // libseccomp refuses a rule whose action is the default one; leaving the allow rules out
  // changes nothing else, since the deny rules beside them stay.
  if (action == SCMP_ACT_ALLOW && has_fault("default-allow")) return 0;
  if (syscall_fault("allow", nr)) {
    if (nr < 0 || nr >= 4096 || allowed[nr]) return 0;
    allowed[nr] = true;
    return real(ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
  }
  return real(ctx, action, nr, arg_cnt, arg_array);
}

// Landlock has no library on Debian 12: jharden calls syscall() with the raw numbers.
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

long syscall(long nr, ...) {
  long (*real)(long, ...) = (long (*)(long, ...))next("syscall");
  va_list ap;
  va_start(ap, nr);
  long a[6];
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  static uint64_t handled;  // of the last ruleset created with attributes
  if (nr == __NR_landlock_create_ruleset && a[0] != 0 && a[1] >= (long)sizeof(uint64_t))
    memcpy(&handled, (const void*)a[0], sizeof handled);
  if (nr == __NR_landlock_restrict_self) {
    if (has_fault("no-landlock")) return 0;
    if (has_fault("landlock-grant-root")) {
      struct landlock_path_beneath_attr pb = {.allowed_access = handled};
      pb.parent_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (pb.parent_fd < 0 || real(__NR_landlock_add_rule, a[0], LANDLOCK_RULE_PATH_BENEATH, &pb,
                                   0) != 0) {
        perror("fault_shim: landlock-grant-root");
        abort();
      }
      close(pb.parent_fd);
    }
  }
  return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int fchown(int fd, uid_t uid, gid_t gid) {
  int (*real)(int, uid_t, gid_t) = (int (*)(int, uid_t, gid_t))next("fchown");
  return has_fault("no-chown") ? 0 : real(fd, uid, gid);
}
