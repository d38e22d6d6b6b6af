// seccomp_compact.h - a shorter program for the same filter: libseccomp's search over the
// system call number, rewritten over ranges.
//
// libseccomp tests each call of a rule with a JEQ of its own, and the default filter gives
// every call it knows a rule (the others get ENOSYS): some 450 comparisons, two thirds of a
// 750-instruction program. The kernel converts and JIT-compiles the whole program at each
// load, which made the load the dearest system call of a start. Most neighbouring numbers
// share an answer, so a binary search over the runs of numbers with the same answer takes
// some 80 comparisons instead.
#pragma once

#include <linux/filter.h>

#include <span>
#include <vector>

namespace jharden {

// `program` with its search over the system call number replaced. The search starts at the
// first load of the number (seccomp_data.nr) that a path from the start reaches, and goes on
// through comparisons of it with constants (JEQ, JGT, JGE) and jumps; where it leaves them,
// for each number, is found by following the program over intervals of numbers. The new
// search reaches the same instruction for every number, with the number in the accumulator
// as before; the index register and the scratch memory are untouched by both. Instructions
// no path reaches any more are dropped, conditional jumps farther than 255 go through an
// unconditional jump. A program without such a load is returned as it is.
std::vector<sock_filter> compact_syscall_dispatch(std::span<const sock_filter> program);

}  // namespace jharden
