// fault_shim.c: a test-only LD_PRELOAD library that takes one protection away from jharden,
// so that the tests can see the --verify row of that protection fail. jharden links
// libseccomp dynamically; this library sits in front of it and knows nothing of jharden.
//
// JH_FAULT holds the faults, separated by spaces:
//   no-load          seccomp_load() returns 0 without loading the filter
//   allow:NAME       every rule for syscall NAME becomes one unconditional allow
//   drop:NAME        no rule for syscall NAME is added (the filter's default action answers)
//   default-allow    the filter's default action (for calls without a rule) is allow
//   badarch-allow    calls of another architecture (x32, i386) are allowed
//   keep-bound:NAME  cap_drop_bound() of capability NAME (libcap's name, cap_setfcap) returns
//                    0 without dropping it
//
// Built by the end-to-end scripts: gcc -shared -fPIC -o fault_shim.so fault_shim.c -ldl -lcap
#define _GNU_SOURCE
#include <dlfcn.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cap_drop_bound(cap_value_t cap) {
  int (*real)(cap_value_t) = (int (*)(cap_value_t))next("cap_drop_bound");
  char* name = cap_to_name(cap);
  char word[128];
  snprintf(word, sizeof word, "keep-bound:%s", name ? name : "?");
  cap_free(name);
  return has_fault(word) ? 0 : real(cap);
}
