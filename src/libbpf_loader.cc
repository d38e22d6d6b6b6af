// libbpf, loaded when the observer of --complain and --learn first calls it (observer.cc and
// its skeleton call the functions below). Linked as a dependency, libbpf and its own (libelf,
// libz) were mapped and relocated at every start, for the few starts that observe: some
// 100,000 cycles in the dynamic loader, 40 page faults and 800 KiB of peak RSS
// (docs/performance.md). Each function forwards to libbpf's, from the library at the
// absolute path JHARDEN_LIBBPF, as for libsystemd: a search ($LD_LIBRARY_PATH of the unit)
// could find a daemon's copy. Without the library each fails with ELIBACC, and the observer
// says that it cannot load its BPF program.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dlfcn.h>

#include <cerrno>

namespace {

void* libbpf() {
  static void* const handle = dlopen(JHARDEN_LIBBPF, RTLD_NOW | RTLD_LOCAL);
  return handle;
}

// libbpf's function `name`, of the type of ours (the same declaration, from its headers).
template <typename F>
F* real(F*, const char* name) {
  void* handle = libbpf();
  return handle ? reinterpret_cast<F*>(dlsym(handle, name)) : nullptr;
}

}  // namespace

// Forwards a call to libbpf's function of the same name; `fail` when it cannot be found.
#define JHARDEN_FORWARD(name, fail, ...)             \
  static auto* const forward = real(&(name), #name); \
  if (!forward) {                                    \
    errno = ELIBACC;                                 \
    return fail;                                     \
  }                                                  \
  return forward(__VA_ARGS__)

int bpf_map__fd(const struct bpf_map* map) { JHARDEN_FORWARD(bpf_map__fd, -ELIBACC, map); }

int bpf_map_get_next_key(int fd, const void* key, void* next_key) {
  JHARDEN_FORWARD(bpf_map_get_next_key, -ELIBACC, fd, key, next_key);
}

int bpf_map_lookup_elem(int fd, const void* key, void* value) {
  JHARDEN_FORWARD(bpf_map_lookup_elem, -ELIBACC, fd, key, value);
}

int bpf_map_update_elem(int fd, const void* key, const void* value, __u64 flags) {
  JHARDEN_FORWARD(bpf_map_update_elem, -ELIBACC, fd, key, value, flags);
}

int bpf_object__open_skeleton(struct bpf_object_skeleton* s,
                              const struct bpf_object_open_opts* opts) {
  JHARDEN_FORWARD(bpf_object__open_skeleton, -ELIBACC, s, opts);
}

int bpf_object__load_skeleton(struct bpf_object_skeleton* s) {
  JHARDEN_FORWARD(bpf_object__load_skeleton, -ELIBACC, s);
}

int bpf_object__attach_skeleton(struct bpf_object_skeleton* s) {
  JHARDEN_FORWARD(bpf_object__attach_skeleton, -ELIBACC, s);
}

void bpf_object__destroy_skeleton(struct bpf_object_skeleton* s) {
  // Opened by libbpf, or nothing to destroy.
  static auto* const forward = real(&bpf_object__destroy_skeleton, "bpf_object__destroy_skeleton");
  if (forward) forward(s);
}

int bpf_program__set_autoload(struct bpf_program* prog, bool autoload) {
  JHARDEN_FORWARD(bpf_program__set_autoload, -ELIBACC, prog, autoload);
}

int libbpf_num_possible_cpus(void) { JHARDEN_FORWARD(libbpf_num_possible_cpus, -ELIBACC); }

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn) {
  JHARDEN_FORWARD(libbpf_set_print, nullptr, fn);
}

struct ring_buffer* ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void* ctx,
                                     const struct ring_buffer_opts* opts) {
  JHARDEN_FORWARD(ring_buffer__new, nullptr, map_fd, sample_cb, ctx, opts);
}

void ring_buffer__free(struct ring_buffer* rb) {
  static auto* const forward = real(&ring_buffer__free, "ring_buffer__free");
  if (forward) forward(rb);
}

int ring_buffer__consume(struct ring_buffer* rb) {
  JHARDEN_FORWARD(ring_buffer__consume, -ELIBACC, rb);
}

int ring_buffer__epoll_fd(const struct ring_buffer* rb) {
  JHARDEN_FORWARD(ring_buffer__epoll_fd, -ELIBACC, rb);
}
