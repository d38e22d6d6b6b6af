#include "seccomp_compact.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

namespace jharden {
namespace {

constexpr uint16_t kLoadWord = BPF_LD | BPF_W | BPF_ABS;
constexpr uint64_t kLastNumber = UINT32_MAX;

bool loads_number(const sock_filter& in) {
  return in.code == kLoadWord && in.k == offsetof(seccomp_data, nr);
}

bool is_conditional(const sock_filter& in) {
  return BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) != BPF_JA;
}

// The instructions that can run after the one at `pc` (indices past the end included).
std::vector<size_t> successors(std::span<const sock_filter> program, size_t pc) {
  const sock_filter& in = program[pc];
  if (BPF_CLASS(in.code) == BPF_RET) return {};
  if (in.code == (BPF_JMP | BPF_JA)) return {pc + 1 + in.k};
  if (is_conditional(in)) return {pc + 1 + in.jt, pc + 1 + in.jf};
  return {pc + 1};
}

// Where the search leaves the number: an instruction of the program, or the return of a
// constant (two returns of the same constant are the same answer).
struct Leaf {
  bool is_return;
  uint32_t value;  // the constant returned, or the instruction's index
  auto operator<=>(const Leaf&) const = default;
};

struct Run {
  uint64_t first, last;
  Leaf leaf;
};

// The runs of numbers, in order, that the search from `root` sends to the same leaf; nullopt
// when the program leaves its bounds.
std::optional<std::vector<Run>> search_runs(std::span<const sock_filter> program, size_t root) {
  std::vector<Run> runs;
  std::vector<std::pair<size_t, Run>> pending = {{root, {0, kLastNumber, {}}}};
  while (!pending.empty()) {
    auto [pc, run] = pending.back();
    pending.pop_back();
    while (pc < program.size() &&
           (loads_number(program[pc]) || program[pc].code == (BPF_JMP | BPF_JA)))
      pc += loads_number(program[pc]) ? 1 : 1 + size_t{program[pc].k};
    if (pc >= program.size()) return std::nullopt;
    const sock_filter& in = program[pc];
    const uint64_t k = in.k;
    std::optional<std::pair<uint64_t, uint64_t>> taken;  // the numbers for which the jump is taken
    switch (in.code) {
      case BPF_JMP | BPF_JEQ | BPF_K:
        taken = {k, k};
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        taken = {k + 1, kLastNumber};
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        taken = {k, kLastNumber};
        break;
      default:
        break;
    }
    if (!taken) {
      const bool returns = in.code == (BPF_RET | BPF_K);
      runs.push_back({run.first, run.last, {returns, returns ? in.k : static_cast<uint32_t>(pc)}});
      continue;
    }
    const uint64_t lo = std::max(run.first, taken->first), hi = std::min(run.last, taken->second);
    const size_t to_true = pc + 1 + in.jt, to_false = pc + 1 + in.jf;
    if (lo > hi) {
      pending.push_back({to_false, run});
      continue;
    }
    pending.push_back({to_true, {lo, hi, {}}});
    if (run.first < lo) pending.push_back({to_false, {run.first, lo - 1, {}}});
    if (hi < run.last) pending.push_back({to_false, {hi + 1, run.last, {}}});
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.first < b.first; });
  std::vector<Run> merged;
  for (const Run& r : runs) {
    if (!merged.empty() && merged.back().leaf == r.leaf && merged.back().last + 1 == r.first)
      merged.back().last = r.last;
    else
      merged.push_back(r);
  }
  return merged;
}

// An instruction of the new program; its jump targets are indices into the layout.
struct Node {
  sock_filter in;
  size_t taken = 0, not_taken = 0;  // conditional: both; JA: taken
};

// The layout: the instructions still reached, in their order, with the new search where the
// first load of the number was.
class Layout {
 public:
  Layout(std::span<const sock_filter> program, size_t root, const std::vector<Run>& runs)
      : program_(program), root_(root), runs_(runs), position_(program.size(), kNone) {}

  std::vector<Node> build() {
    mark_reached();
    for (size_t pc = 0; pc < program_.size(); ++pc) {
      if (pc == root_) {
        search_start_ = nodes_.size();
        emit_search();
      } else if (reached_[pc]) {
        position_[pc] = nodes_.size();
        nodes_.push_back({program_[pc]});
      }
    }
    for (const LeafJump& jump : leaf_jumps_) resolve(jump);
    for (size_t pc = 0; pc < program_.size(); ++pc)
      if (pc != root_ && reached_[pc]) link_original(pc);
    return std::move(nodes_);
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;

  struct LeafJump {
    size_t node;
    bool taken;  // the jump taken or not taken goes to the leaf (a JA's is taken)
    Leaf leaf;
  };

  // Every instruction reached from the start, the edges into `root_` now going to the search
  // (whose own exits are its leaves).
  void mark_reached() {
    reached_.assign(program_.size(), false);
    std::vector<size_t> pending = {0};
    while (!pending.empty()) {
      const size_t pc = pending.back();
      pending.pop_back();
      if (pc >= program_.size()) throw std::logic_error("seccomp program: jump out of range");
      if (reached_[pc]) continue;
      reached_[pc] = true;
      if (pc == root_) {
        for (const Run& r : runs_)
          if (!r.leaf.is_return) pending.push_back(r.leaf.value);
        continue;
      }
      for (size_t next : successors(program_, pc)) pending.push_back(next);
    }
  }

  // The load of the number, a binary search over the runs (a JGE on the first number of the
  // middle run per node), the returns of constants it ends in.
  void emit_search() {
    nodes_.push_back({BPF_STMT(kLoadWord, offsetof(seccomp_data, nr))});
    if (runs_.size() == 1) {
      nodes_.push_back({BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0)});
      leaf_jumps_.push_back({nodes_.size() - 1, true, runs_[0].leaf});
    } else {
      emit_node(0, runs_.size());
    }
    for (const LeafJump& jump : leaf_jumps_) {
      const Leaf& leaf = jump.leaf;
      if (!leaf.is_return || returns_.contains(leaf.value)) continue;
      returns_[leaf.value] = nodes_.size();
      nodes_.push_back({BPF_STMT(BPF_RET | BPF_K, leaf.value)});
    }
  }

  // The search over runs [begin, end), two runs or more.
  void emit_node(size_t begin, size_t end) {
    const size_t middle = begin + (end - begin) / 2;
    const size_t node = nodes_.size();
    nodes_.push_back(
        {BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(runs_[middle].first), 0, 0)});
    auto branch = [&](size_t from, size_t to, bool taken) {
      if (to - from == 1) {
        leaf_jumps_.push_back({node, taken, runs_[from].leaf});
        return;
      }
      (taken ? nodes_[node].taken : nodes_[node].not_taken) = nodes_.size();
      emit_node(from, to);
    };
    branch(begin, middle, false);
    branch(middle, end, true);
  }

  void resolve(const LeafJump& jump) {
    const Leaf& leaf = jump.leaf;
    const size_t target = leaf.is_return ? returns_.at(leaf.value) : position_.at(leaf.value);
    (jump.taken ? nodes_[jump.node].taken : nodes_[jump.node].not_taken) = target;
  }

  size_t target_of(size_t pc) const { return pc == root_ ? search_start_ : position_.at(pc); }

  void link_original(size_t pc) {
    Node& node = nodes_[position_[pc]];
    const sock_filter& in = program_[pc];
    if (in.code == (BPF_JMP | BPF_JA)) {
      node.taken = target_of(pc + 1 + in.k);
    } else if (is_conditional(in)) {
      node.taken = target_of(pc + 1 + in.jt);
      node.not_taken = target_of(pc + 1 + in.jf);
    } else if (BPF_CLASS(in.code) != BPF_RET && target_of(pc + 1) != position_[pc] + 1) {
      throw std::logic_error("seccomp program: an instruction no longer falls through");
    }
  }

  std::span<const sock_filter> program_;
  size_t root_;
  const std::vector<Run>& runs_;
  std::vector<bool> reached_;
  std::vector<size_t> position_;
  std::vector<Node> nodes_;
  size_t search_start_ = 0;
  std::vector<LeafJump> leaf_jumps_;
  std::map<uint32_t, size_t> returns_;
};

// The instructions of `nodes`, from the last: a node's targets are placed when it is, so its
// offsets are known; a conditional jump's offset has 8 bits, and a target farther goes through
// a JA placed right after the jump (nothing falls through into it: the jump before it has two
// explicit targets).
std::vector<sock_filter> encode(const std::vector<Node>& nodes) {
  std::vector<sock_filter> reversed;
  std::vector<size_t> from_end(nodes.size());  // 1 for the last instruction
  auto offset_to = [&](size_t target_from_end) { return reversed.size() - target_from_end; };
  for (size_t n = nodes.size(); n-- > 0;) {
    sock_filter in = nodes[n].in;
    if (in.code == (BPF_JMP | BPF_JA)) {
      in.k = static_cast<uint32_t>(offset_to(from_end[nodes[n].taken]));
    } else if (is_conditional(in)) {
      const size_t taken_target = from_end[nodes[n].taken];
      const size_t not_taken_target = from_end[nodes[n].not_taken];
      // Up to two JAs may come between: the margin keeps the other target within reach.
      auto near = [&](size_t target) {
        if (offset_to(target) <= 253) return target;
        reversed.push_back(
            BPF_JUMP(BPF_JMP | BPF_JA, static_cast<uint32_t>(offset_to(target)), 0, 0));
        return reversed.size();
      };
      const size_t taken = near(taken_target);
      const size_t not_taken = not_taken_target == taken_target ? taken : near(not_taken_target);
      in.jt = static_cast<uint8_t>(offset_to(taken));
      in.jf = static_cast<uint8_t>(offset_to(not_taken));
    }
    reversed.push_back(in);
    from_end[n] = reversed.size();
  }
  return {reversed.rbegin(), reversed.rend()};
}

}  // namespace

std::vector<sock_filter> compact_syscall_dispatch(std::span<const sock_filter> program) {
  std::vector<sock_filter> same(program.begin(), program.end());
  // The first load of the number a path reaches: an unreached one leads no search.
  std::vector<bool> reached(program.size());
  if (!program.empty()) reached[0] = true;
  size_t root = 0;
  for (; root < program.size(); ++root) {
    if (!reached[root]) continue;
    if (loads_number(program[root])) break;
    for (size_t next : successors(program, root))
      if (next < program.size()) reached[next] = true;
  }
  if (root == program.size()) return same;
  std::optional<std::vector<Run>> runs = search_runs(program, root);
  if (!runs) return same;
  std::vector<sock_filter> compact = encode(Layout(program, root, *runs).build());
  return compact.size() < same.size() ? compact : same;
}

}  // namespace jharden
