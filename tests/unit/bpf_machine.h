// A classic BPF machine for the tests of seccomp programs.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace jharden {

// A classic BPF machine as the kernel's seccomp runs it (Documentation/networking/filter.rst):
// accumulator A, index X, 16 words of scratch memory, loads from the seccomp_data only.
// Anything else the kernel's checker would refuse throws, so that the test fails on it.
inline uint32_t run_filter(std::span<const sock_filter> program, const seccomp_data& data) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  auto load = [&](uint32_t offset) {
    if (offset % 4 != 0 || offset + 4 > sizeof data) throw std::runtime_error("load out of range");
    uint32_t word;
    std::memcpy(&word, reinterpret_cast<const char*>(&data) + offset, 4);
    return word;
  };
  auto scratch = [&](uint32_t k) -> uint32_t& {
    if (k >= BPF_MEMWORDS) throw std::runtime_error("scratch word out of range");
    return mem[k];
  };
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    const uint32_t k = in.k;
    const uint32_t src = BPF_SRC(in.code) == BPF_X ? x : k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        if (in.code == (BPF_LD | BPF_W | BPF_ABS))
          a = load(k);
        else if (in.code == (BPF_LD | BPF_IMM))
          a = k;
        else if (in.code == (BPF_LD | BPF_MEM))
          a = scratch(k);
        else if (in.code == (BPF_LD | BPF_W | BPF_LEN))
          a = sizeof data;
        else
          throw std::runtime_error("unknown load " + std::to_string(in.code));
        break;
      case BPF_LDX:
        if (in.code == (BPF_LDX | BPF_IMM))
          x = k;
        else if (in.code == (BPF_LDX | BPF_MEM))
          x = scratch(k);
        else if (in.code == (BPF_LDX | BPF_W | BPF_LEN))
          x = sizeof data;
        else
          throw std::runtime_error("unknown index load " + std::to_string(in.code));
        break;
      case BPF_ST:
        scratch(k) = a;
        break;
      case BPF_STX:
        scratch(k) = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_MUL:
            a *= src;
            break;
          case BPF_DIV:
            if (src == 0) return SECCOMP_RET_KILL_THREAD;  // as the kernel: the program ends
            a /= src;
            break;
          case BPF_MOD:
            if (src == 0) return SECCOMP_RET_KILL_THREAD;
            a %= src;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_XOR:
            a ^= src;
            break;
          case BPF_LSH:
            a = src < 32 ? a << src : 0;
            break;
          case BPF_RSH:
            a = src < 32 ? a >> src : 0;
            break;
          case BPF_NEG:
            a = -a;
            break;
          default:
            throw std::runtime_error("unknown ALU op " + std::to_string(in.code));
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          pc += k;
          break;
        }
        bool taken;
        switch (BPF_OP(in.code)) {
          case BPF_JEQ:
            taken = a == src;
            break;
          case BPF_JGT:
            taken = a > src;
            break;
          case BPF_JGE:
            taken = a >= src;
            break;
          case BPF_JSET:
            taken = (a & src) != 0;
            break;
          default:
            throw std::runtime_error("unknown jump " + std::to_string(in.code));
        }
        pc += taken ? in.jt : in.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(in.code) == BPF_A ? a : k;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
    }
  }
  throw std::runtime_error("the program ran off its end");
}

// Whether two seccomp programs give the same answer to every call tried, and the first call
// they differ on. Tried: each of the architectures x86_64 (and x32, its numbers from
// 0x40000000), i386, aarch64 and none, with the numbers 0 to 1023 of both ranges, every
// constant of a comparison in either program and its neighbours, and the ends of the range;
// each with arguments all 0, all 1 bits, and, for a number that is one of the constants, each
// constant in every argument word.
inline bool same_answers(std::span<const sock_filter> a, std::span<const sock_filter> b,
                         std::string& difference) {
  std::vector<uint32_t> constants;
  for (auto program : {a, b})
    for (const sock_filter& in : program)
      if (BPF_CLASS(in.code) == BPF_JMP || BPF_CLASS(in.code) == BPF_ALU) constants.push_back(in.k);
  std::sort(constants.begin(), constants.end());
  constants.erase(std::unique(constants.begin(), constants.end()), constants.end());
  std::vector<uint32_t> numbers = {0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  for (uint32_t n = 0; n < 1024; ++n) numbers.insert(numbers.end(), {n, 0x40000000 + n});
  for (uint32_t k : constants) numbers.insert(numbers.end(), {k - 1, k, k + 1});
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0};
  auto differs = [&](const seccomp_data& d) {
    const uint32_t x = run_filter(a, d), y = run_filter(b, d);
    if (x == y) return false;
    difference = "arch 0x" + std::to_string(d.arch) + " nr " + std::to_string(d.nr) + " arg0 " +
                 std::to_string(d.args[0]) + ": " + std::to_string(x) + " vs " + std::to_string(y);
    return true;
  };
  for (uint32_t arch : arches) {
    for (uint32_t nr : numbers) {
      seccomp_data d{};
      d.arch = arch;
      d.nr = static_cast<int>(nr);
      for (uint64_t fill : {uint64_t{0}, ~uint64_t{0}}) {
        for (auto& arg : d.args) arg = fill;
        if (differs(d)) return false;
      }
      if (!std::binary_search(constants.begin(), constants.end(), nr)) continue;
      for (uint32_t k : constants) {
        for (auto& arg : d.args) arg = k;
        if (differs(d)) return false;
        for (auto& arg : d.args) arg = uint64_t{k} << 32;
        if (differs(d)) return false;
      }
    }
  }
  return true;
}

}  // namespace jharden
