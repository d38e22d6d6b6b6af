// compact_syscall_dispatch on programs made for the purpose: far targets, a search whose
// comparisons are also reached from outside it, instructions between the header and the
// search, a program without a search. The shipped policies' programs are compared in
// seccomp_programs_test.cc.
#include "seccomp_compact.h"

#include <gtest/gtest.h>
#include <linux/audit.h>

#include <string>
#include <vector>

#include "bpf_machine.h"

namespace jharden {
namespace {

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kErrno = SECCOMP_RET_ERRNO | 1;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | 38;
constexpr uint32_t kKill = SECCOMP_RET_KILL_PROCESS;

sock_filter load(uint32_t offset) { return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset); }
sock_filter ret(uint32_t value) { return BPF_STMT(BPF_RET | BPF_K, value); }
sock_filter jeq(uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}
sock_filter ja(uint32_t k) { return BPF_JUMP(BPF_JMP | BPF_JA, k, 0, 0); }

// What the kernel's checker asks of a seccomp program (bpf_check_classic): at most 4096
// instructions, every jump within the program, a return at the end.
bool loadable(const std::vector<sock_filter>& program) {
  if (program.empty() || program.size() > BPF_MAXINSNS) return false;
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    if (BPF_CLASS(in.code) != BPF_JMP) continue;
    const size_t last = BPF_OP(in.code) == BPF_JA ? pc + 1 + in.k : pc + 1 + std::max(in.jt, in.jf);
    if (last >= program.size()) return false;
  }
  return BPF_CLASS(program.back().code) == BPF_RET;
}

// `original` compacted: loadable, the same answers, never longer (`shorter`: under half).
void expect_compacted(const std::vector<sock_filter>& original, bool shorter = true) {
  const std::vector<sock_filter> compact = compact_syscall_dispatch(original);
  ASSERT_TRUE(loadable(compact));
  std::string difference;
  EXPECT_TRUE(same_answers(original, compact, difference)) << difference;
  EXPECT_LE(compact.size(), original.size());
  if (shorter) {
    EXPECT_LT(compact.size() * 2, original.size());
  }
  // Compacting again changes nothing.
  const std::vector<sock_filter> again = compact_syscall_dispatch(compact);
  EXPECT_EQ(again.size(), compact.size());
}

// The header of libseccomp's programs: another architecture is killed.
std::vector<sock_filter> header() {
  return {load(offsetof(seccomp_data, arch)), jeq(AUDIT_ARCH_X86_64, 1, 0), ret(kKill)};
}

// A search with one JEQ per number, each answered by a return of its own: 300 numbers from 0,
// odd ones refused, even ones allowed, the rest ENOSYS. The new search has some 300
// comparisons; its returns sit after them, so the first ones are reached through JAs.
TEST(SeccompCompact, TargetsBeyondAJumpsReachGoThroughJa) {
  std::vector<sock_filter> p = header();
  p.push_back(load(offsetof(seccomp_data, nr)));
  for (uint32_t nr = 0; nr < 300; ++nr) p.push_back(jeq(nr, 0, 1)), p.push_back(ja(0));
  // Each JA above goes to the return of its number, placed after the search.
  const size_t search = 4, returns = p.size() + 1;
  p.push_back(ret(kEnosys));
  for (uint32_t nr = 0; nr < 300; ++nr) {
    p[search + 2 * nr + 1].k = static_cast<uint32_t>(returns + nr - (search + 2 * nr + 2));
    p.push_back(ret(nr % 2 ? kErrno : kAllow));
  }
  expect_compacted(p);
  bool through_ja = false;
  for (const sock_filter& in : compact_syscall_dispatch(p))
    through_ja |= in.code == (BPF_JMP | BPF_JA);
  EXPECT_TRUE(through_ja);
}

// An argument check reached from the search, and 300 instructions of it before its return:
// the search's jump to it is farther than 255.
TEST(SeccompCompact, AFarArgumentCheckIsReached) {
  std::vector<sock_filter> p = header();
  p.push_back(load(offsetof(seccomp_data, nr)));
  p.push_back(jeq(5, 2, 0));
  p.push_back(jeq(6, 0, 2));
  p.push_back(ret(kErrno));
  p.push_back(ret(kAllow));
  p.push_back(ja(1));
  p.push_back(ret(kEnosys));
  for (int i = 0; i < 300; ++i) p.push_back(load(offsetof(seccomp_data, args)));
  p.push_back(jeq(7, 0, 1));
  p.push_back(ret(kErrno));
  p.push_back(ret(kAllow));
  // 6 is the argument check, 5 is refused, the rest allowed: what the search must keep.
  expect_compacted(p, false);
}

// libseccomp may jump from an argument check on into its search (to try the next rule):
// those comparisons stay, with whatever the accumulator then holds.
TEST(SeccompCompact, ComparisonsReachedFromOutsideTheSearchStay) {
  std::vector<sock_filter> p = header();
  p.push_back(load(offsetof(seccomp_data, nr)));
  p.push_back(jeq(0, 0, 4));  // number 0: the check; the others: the comparisons below
  // The check: the first argument word against 40; if it differs, on into the comparisons of
  // the accumulator (the argument now) with 1 to 40.
  p.push_back(load(offsetof(seccomp_data, args)));
  p.push_back(jeq(40, 0, 1));
  p.push_back(ret(kErrno));
  p.push_back(ja(0));
  for (uint32_t nr = 1; nr <= 40; ++nr)
    p.push_back(jeq(nr, 0, 1)), p.push_back(ret(nr % 2 ? kAllow : kErrno));
  p.push_back(ret(kEnosys));
  expect_compacted(p, false);
}

// Instructions between the header and the load of the number (libseccomp's x32 check loads it
// twice) and a search entered by falling through.
TEST(SeccompCompact, TheSearchMayStartAfterOtherInstructions) {
  std::vector<sock_filter> p = {load(offsetof(seccomp_data, arch)),
                                BPF_STMT(BPF_MISC | BPF_TAX, 0),
                                load(offsetof(seccomp_data, nr)),
                                jeq(1, 2, 0),
                                load(offsetof(seccomp_data, nr)),
                                jeq(2, 0, 1),
                                ret(kErrno),
                                ret(kAllow)};
  expect_compacted(p, false);
}

TEST(SeccompCompact, AProgramWithoutSearchIsReturnedAsItIs) {
  const std::vector<sock_filter> p = {load(offsetof(seccomp_data, arch)), ret(kAllow)};
  const std::vector<sock_filter> compact = compact_syscall_dispatch(p);
  ASSERT_EQ(compact.size(), p.size());
  std::string difference;
  EXPECT_TRUE(same_answers(p, compact, difference)) << difference;
}

}  // namespace
}  // namespace jharden
