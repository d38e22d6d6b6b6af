// compact_syscall_dispatch on random programs the kernel's checker accepts: nr-searches
// (JEQ/JGT/JGE on constants, JA, reloads of nr) mixed with arithmetic on A, the index
// register, scratch memory, JSET, comparisons with X, `ret A`, jumps from outside into the
// search, loads of the other words. The compacted program must be loadable and answer as the
// original on every input tried: each constant of the program and its neighbours as nr and as
// every other word, plus random words. Fixed seeds; a few seconds.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_machine.h"
#include "seccomp_compact.h"

namespace jharden {
namespace {

using Program = std::vector<sock_filter>;

std::string dump(const Program& p) {
  std::ostringstream out;
  for (size_t i = 0; i < p.size(); ++i)
    out << i << ": {0x" << std::hex << p[i].code << std::dec << ", " << int{p[i].jt} << ", "
        << int{p[i].jf} << ", 0x" << std::hex << p[i].k << std::dec << "}\n";
  return out.str();
}

bool allowed_code(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
    case BPF_LD | BPF_IMM:
    case BPF_LD | BPF_MEM:
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_IMM:
    case BPF_LDX | BPF_MEM:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_ST:
    case BPF_STX:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
    case BPF_JMP | BPF_JA:
      return true;
  }
  if (BPF_CLASS(code) == BPF_ALU) return true;
  if (BPF_CLASS(code) == BPF_JMP)
    return BPF_OP(code) == BPF_JEQ || BPF_OP(code) == BPF_JGT || BPF_OP(code) == BPF_JGE ||
           BPF_OP(code) == BPF_JSET;
  return false;
}

// bpf_check_classic + seccomp_check_filter, short of the scratch-memory initialisation check.
bool loadable(const Program& p, std::string& why) {
  if (p.empty() || p.size() > BPF_MAXINSNS) return why = "size " + std::to_string(p.size()), false;
  for (size_t pc = 0; pc < p.size(); ++pc) {
    const sock_filter& in = p[pc];
    if (!allowed_code(in.code)) return why = "code at " + std::to_string(pc), false;
    if (in.code == (BPF_LD | BPF_W | BPF_ABS) && (in.k % 4 || in.k >= sizeof(seccomp_data)))
      return why = "load at " + std::to_string(pc), false;
    if (BPF_CLASS(in.code) == BPF_JMP) {
      const uint64_t last =
          BPF_OP(in.code) == BPF_JA ? pc + 1 + uint64_t{in.k} : pc + 1 + std::max(in.jt, in.jf);
      if (last >= p.size()) return why = "jump at " + std::to_string(pc), false;
    }
  }
  if (BPF_CLASS(p.back().code) != BPF_RET) return why = "no return at the end", false;
  return true;
}

std::vector<bool> reached(const Program& p) {
  std::vector<bool> seen(p.size());
  std::vector<size_t> todo = {0};
  while (!todo.empty()) {
    size_t pc = todo.back();
    todo.pop_back();
    if (pc >= p.size() || seen[pc]) continue;
    seen[pc] = true;
    const sock_filter& in = p[pc];
    if (BPF_CLASS(in.code) == BPF_RET) continue;
    if (in.code == (BPF_JMP | BPF_JA))
      todo.push_back(pc + 1 + in.k);
    else if (BPF_CLASS(in.code) == BPF_JMP)
      todo.insert(todo.end(), {pc + 1 + in.jt, pc + 1 + in.jf});
    else
      todo.push_back(pc + 1);
  }
  return seen;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  uint32_t below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  uint32_t constant() {
    switch (below(8)) {
      case 0:
        return static_cast<uint32_t>(rng_());
      case 1:
        return below(2) ? 0xffffffffu : 0x40000000u + below(8);
      case 2:
        return AUDIT_ARCH_X86_64;
      default:
        return below(48);
    }
  }

  // A forward target of an instruction at `pc` of a program of `size` (jt/jf <= 255).
  uint32_t offset(size_t pc, size_t size, bool far_ok) {
    const size_t room = size - pc - 2;  // the largest offset
    size_t limit = far_ok ? room : std::min<size_t>(room, 255);
    if (chance(0.6)) limit = std::min<size_t>(limit, 6);
    return below(static_cast<uint32_t>(limit + 1));
  }

  sock_filter jump(uint16_t op, size_t pc, size_t size, uint32_t k) {
    return BPF_JUMP(BPF_JMP | op, k, static_cast<uint8_t>(offset(pc, size, false)),
                    static_cast<uint8_t>(offset(pc, size, false)));
  }

  // An instruction of the search over nr.
  sock_filter search(size_t pc, size_t size) {
    const uint32_t r = below(20);
    if (r < 2) return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
    if (r < 4) return BPF_JUMP(BPF_JMP | BPF_JA, offset(pc, size, true), 0, 0);
    if (r < 17) {
      const uint16_t op = r < 11 ? BPF_JEQ : r < 14 ? BPF_JGT : BPF_JGE;
      sock_filter in = jump(op | BPF_K, pc, size, constant());
      if (chance(0.5)) in.jf = 0;  // libseccomp's chain
      return in;
    }
    return any(pc, size);
  }

  // Any instruction a seccomp program may have; a return only if `returns`.
  sock_filter any(size_t pc, size_t size, bool returns = true) {
    const uint16_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR,
                                BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_NEG};
    switch (below(16)) {
      case 0:
        return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4 * below(16));
      case 1:
        return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, below(2) ? 0u : 4u);
      case 2:
        return BPF_STMT(BPF_LD | BPF_IMM, constant());
      case 3:
        return BPF_STMT(below(2) ? BPF_LD | BPF_MEM : BPF_LDX | BPF_MEM, below(2));
      case 4:
        return BPF_STMT(below(2) ? BPF_ST : BPF_STX, below(2));
      case 5:
        return BPF_STMT(BPF_LDX | BPF_IMM, constant());
      case 6:
        return BPF_STMT(BPF_MISC | (below(2) ? BPF_TAX : BPF_TXA), 0);
      case 7:
      case 8: {
        const uint16_t op = alu_ops[below(11)];
        if (op != BPF_NEG && chance(0.3)) return BPF_STMT(BPF_ALU | op | BPF_X, 0);
        uint32_t k = constant();
        if (op == BPF_LSH || op == BPF_RSH) k %= 32;
        if ((op == BPF_DIV || op == BPF_MOD) && k == 0) k = 3;
        return BPF_STMT(BPF_ALU | op | BPF_K, op == BPF_NEG ? 0 : k);
      }
      case 9:
        return jump(BPF_JSET | BPF_K, pc, size, constant());
      case 10: {
        const uint16_t ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
        return jump(ops[below(4)] | BPF_X, pc, size, 0);
      }
      case 11: {
        const uint16_t ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE};
        return jump(ops[below(3)] | BPF_K, pc, size, constant());
      }
      case 12:
        return BPF_JUMP(BPF_JMP | BPF_JA, offset(pc, size, true), 0, 0);
      case 13:
        if (!returns) return BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, constant());
        return BPF_STMT(BPF_RET | BPF_A, 0);
      default:
        if (!returns) return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4 * below(16));
        return BPF_STMT(BPF_RET | BPF_K, returned());
    }
  }

  uint32_t returned() {
    const uint32_t answers[] = {SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ERRNO | 38,
                                SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP};
    return answers[below(5)];
  }

  // A program of `size` instructions: a prelude (scratch words stored, so that loads of them are
  // valid), then random instructions, a stretch of search, random instructions and returns.
  Program program(size_t size) {
    Program p;
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, chance(0.5) ? 4u : 16u));
    p.push_back(BPF_STMT(BPF_ST, 0));
    p.push_back(BPF_STMT(BPF_LDX | BPF_IMM, constant()));
    p.push_back(BPF_STMT(BPF_STX, 1));
    const size_t before = below(static_cast<uint32_t>(std::min<size_t>(size / 4, 10) + 1));
    const size_t search_len = size * (5 + below(4)) / 10;
    while (p.size() < size - 1) {
      const size_t pc = p.size();
      const bool in_search = pc >= 4 + before && pc < 4 + before + search_len;
      if (pc == 4 + before && chance(0.9))
        p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0));
      else if (in_search)
        p.push_back(search(pc, size));
      else if (pc > 4 + before + search_len && chance(0.35))
        p.push_back(BPF_STMT(BPF_RET | BPF_K, returned()));
      else
        p.push_back(any(pc, size, pc >= 4 + before + search_len));
    }
    if (chance(0.8))
      p.push_back(BPF_STMT(BPF_RET | BPF_K, returned()));
    else
      p.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
    return p;
  }

  std::mt19937 rng_;
};

// The inputs tried: every constant of the program and its neighbours as nr, with the other
// words either all one value of the same set or random picks from it.
// At most `most` numbers when there are more (a random choice of them).
bool same_on_inputs(const Program& a, const Program& b, std::mt19937& rng, size_t budget,
                    std::string& difference, size_t most = SIZE_MAX) {
  std::set<uint32_t> set = {
      0, 1, 0xffffffff, 0x7fffffff, 0x80000000, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386};
  for (const Program* p : {&a, &b})
    for (const sock_filter& in : *p)
      for (uint32_t d : {0u, 1u, ~0u}) set.insert(in.k + d);
  const std::vector<uint32_t> values(set.begin(), set.end());
  std::vector<uint32_t> numbers = values;
  if (numbers.size() > most) {
    std::shuffle(numbers.begin(), numbers.end(), rng);
    numbers.resize(most);
  }
  auto pick = [&] {
    return rng() % 8 == 0 ? static_cast<uint32_t>(rng()) : values[rng() % values.size()];
  };
  auto check = [&](const uint32_t(&words)[16]) {
    seccomp_data d;
    std::memcpy(&d, words, sizeof d);
    const uint32_t x = run_filter(a, d), y = run_filter(b, d);
    if (x == y) return true;
    std::ostringstream out;
    out << "words";
    for (uint32_t w : words) out << " 0x" << std::hex << w;
    out << ": original 0x" << std::hex << x << " compacted 0x" << y;
    difference = out.str();
    return false;
  };
  for (uint32_t nr : numbers) {
    uint32_t words[16];
    for (uint32_t fill : {0u, ~0u, uint32_t{AUDIT_ARCH_X86_64}}) {
      std::fill(std::begin(words), std::end(words), fill);
      words[0] = nr;
      if (!check(words)) return false;
    }
    const size_t per = std::max<size_t>(2, budget / values.size());
    for (size_t i = 0; i < per; ++i) {
      for (uint32_t& w : words) w = pick();
      words[0] = nr;
      if (!check(words)) return false;
    }
  }
  return true;
}

struct Stats {
  size_t programs = 0, compacted = 0, dead_root = 0;
};

// FUZZ_SCALE=n runs n times as many programs, FUZZ_SEED=s other ones (for a longer search by
// hand).
void fuzz(uint32_t seed, size_t count, size_t min_size, size_t max_size, size_t budget,
          Stats& stats) {
  if (const char* scale = getenv("FUZZ_SCALE")) count *= std::strtoul(scale, nullptr, 10);
  if (const char* more = getenv("FUZZ_SEED"))
    seed += 1000 * static_cast<uint32_t>(std::strtoul(more, nullptr, 10));
  Generator gen(seed);
  std::mt19937 inputs(seed ^ 0x9e3779b9u);
  for (size_t i = 0; i < count; ++i) {
    const size_t size = min_size + gen.below(static_cast<uint32_t>(max_size - min_size + 1));
    const Program original = gen.program(size);
    std::string why;
    ASSERT_TRUE(loadable(original, why)) << why << "\n" << dump(original);
    // A first load of nr that nothing reaches: see DeadFirstLoadOfTheNumber.
    const auto seen = reached(original);
    size_t root = 0;
    while (root < original.size() &&
           !(original[root].code == (BPF_LD | BPF_W | BPF_ABS) && original[root].k == 0))
      ++root;
    if (root < original.size() && !seen[root]) ++stats.dead_root;
    ++stats.programs;
    Program compact;
    ASSERT_NO_THROW(compact = compact_syscall_dispatch(original)) << dump(original);
    if (compact.size() < original.size()) ++stats.compacted;
    ASSERT_TRUE(loadable(compact, why)) << why << "\noriginal:\n"
                                        << dump(original) << "compacted:\n"
                                        << dump(compact);
    ASSERT_LE(compact.size(), original.size());
    std::string difference;
    ASSERT_TRUE(same_on_inputs(original, compact, inputs, budget, difference))
        << difference << "\noriginal:\n"
        << dump(original) << "compacted:\n"
        << dump(compact);
  }
}

TEST(SeccompCompactFuzz, SmallRandomProgramsAnswerAsBefore) {
  Stats stats;
  fuzz(1, 12000, 8, 60, 200, stats);
  RecordProperty("programs", static_cast<int>(stats.programs));
  std::printf("small: %zu programs, %zu compacted, %zu with a dead first load of nr\n",
              stats.programs, stats.compacted, stats.dead_root);
  EXPECT_GT(stats.compacted, stats.programs / 10);
}

TEST(SeccompCompactFuzz, ProgramsWithFarJumpsAnswerAsBefore) {
  Stats stats;
  fuzz(2, 400, 256, 900, 100, stats);
  std::printf("far: %zu programs, %zu compacted, %zu with a dead first load of nr\n",
              stats.programs, stats.compacted, stats.dead_root);
}

TEST(SeccompCompactFuzz, ProgramsNearTheLimitAnswerAsBefore) {
  Stats stats;
  fuzz(3, 12, 3900, 4096, 8, stats);
  std::printf("near 4096: %zu programs, %zu compacted, %zu with a dead first load of nr\n",
              stats.programs, stats.compacted, stats.dead_root);
}

// Long libseccomp-like chains (JEQ k, jf=1 over a JA to one of three returns): with neighbours
// sharing answers or not, so that the far targets go through JA or the program stays as it is.
TEST(SeccompCompactFuzz, LongChainsAnswerAsBefore) {
  std::mt19937 rng(4);
  for (int variant = 0; variant < 4; ++variant) {
    Program p = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
                 BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                 BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                 BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
    const size_t n = variant < 2 ? 1000 : 2000, first_ret = 4 + 2 * n;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t k = variant % 2 ? static_cast<uint32_t>(i * 7 % n) : static_cast<uint32_t>(i);
      const size_t which = variant < 2 ? i / 50 % 3 : rng() % 3;
      const size_t pc_ja = p.size() + 1;
      p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1));
      p.push_back(
          BPF_JUMP(BPF_JMP | BPF_JA, static_cast<uint32_t>(first_ret + which - pc_ja - 1), 0, 0));
    }
    p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38));
    p.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
    std::string why;
    ASSERT_TRUE(loadable(p, why)) << why;
    const Program compact = compact_syscall_dispatch(p);
    ASSERT_TRUE(loadable(compact, why)) << why << " variant " << variant;
    std::printf("chain %d: %zu -> %zu\n", variant, p.size(), compact.size());
    std::string difference;
    EXPECT_TRUE(same_on_inputs(p, compact, rng, 3, difference))
        << "variant " << variant << ": " << difference;
  }
}

// Searches whose comparisons go to the same place either way (jt == jf) split the numbers at
// every instruction: the pieces that reach an instruction are as many as the constants before
// it, some 8 million in all for 4096 instructions; and a join reached by 2000 single numbers
// that each go through 2000 more comparisons. A search that walked every piece would not end
// within the test's time limit.
TEST(SeccompCompactFuzz, SearchesOfManyPiecesEndQuickly) {
  for (uint16_t op : {uint16_t{BPF_JEQ}, uint16_t{BPF_JGT}, uint16_t{BPF_JGE}}) {
    Program p = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
    while (p.size() < BPF_MAXINSNS - 1)
      p.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, static_cast<uint32_t>(p.size() * 3), 0, 0));
    p.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
    const Program compact = compact_syscall_dispatch(p);
    std::string why;
    ASSERT_TRUE(loadable(compact, why)) << why;
    EXPECT_LT(compact.size(), 8u);
    std::mt19937 rng(6);
    std::string difference;
    EXPECT_TRUE(same_on_inputs(p, compact, rng, 1, difference, 800)) << difference;
  }
  Program p = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
  const size_t n = 2000, join = 1 + n;
  for (size_t i = 0; i < n; ++i) {
    const size_t pc = p.size(), to = std::min<size_t>(join - pc - 1, 255);
    // Far from the join: a JEQ to a JA chain is long; jump to the next JEQ's true side instead.
    p.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(i), static_cast<uint8_t>(to), 0));
  }
  while (p.size() < BPF_MAXINSNS - 2)
    p.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(1000000 + p.size()), 1, 0));
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  p.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
  std::string why;
  ASSERT_TRUE(loadable(p, why)) << why;
  const Program compact = compact_syscall_dispatch(p);
  ASSERT_TRUE(loadable(compact, why)) << why;
  std::mt19937 rng(7);
  std::string difference;
  EXPECT_TRUE(same_on_inputs(p, compact, rng, 1, difference, 800)) << difference;
}

// The first load of nr in the text is dead code (the live search loads nr later, or there is
// none): the leaves of the dead search are never marked reached, so its jumps to them had no
// target in the layout.
TEST(SeccompCompactFuzz, DeadFirstLoadOfTheNumber) {
  const Program original = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),                // 0: A = arch
      BPF_STMT(BPF_RET | BPF_A, 0),                         // 1: return A
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),                // 2: dead: A = nr
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1),         // 3
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),  // 4
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),               // 5: a leaf, not a return
      BPF_STMT(BPF_RET | BPF_A, 0),                         // 6
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),         // 7
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),         // 8
  };
  std::string why;
  ASSERT_TRUE(loadable(original, why)) << why;
  Program compact;
  ASSERT_NO_THROW(compact = compact_syscall_dispatch(original));
  ASSERT_TRUE(loadable(compact, why)) << why << "\n" << dump(compact);
  std::mt19937 rng(5);
  std::string difference;
  EXPECT_TRUE(same_on_inputs(original, compact, rng, 50, difference)) << difference;
}

}  // namespace
}  // namespace jharden
