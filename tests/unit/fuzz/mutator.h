// Seeded mutations of sample inputs for the parser fuzz tests: byte flips,
// insertions of JSON and framing tokens, deletions, duplications, truncation.
// The same seed gives the same cases, so a failure replays from its number.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace herd::fuzz {

// Cases per parser: HERD_FUZZ_CASES, else a few thousand.
inline int CaseCount() {
  const char* env = std::getenv("HERD_FUZZ_CASES");
  return env != nullptr ? std::atoi(env) : 3000;
}

// The base seed: HERD_FUZZ_SEED, else a fixed one (deterministic CI).
inline uint64_t BaseSeed() {
  const char* env = std::getenv("HERD_FUZZ_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20261202;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::string Mutate(const std::vector<std::string>& corpus) {
    std::string text = corpus[Below(corpus.size())];
    const size_t rounds = 1 + Below(8);
    for (size_t i = 0; i < rounds; ++i) MutateOnce(text);
    return text;
  }

  size_t Below(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

 private:
  void MutateOnce(std::string& text) {
    static const std::vector<std::string> kTokens = {"{",
                                                     "}",
                                                     "[",
                                                     "]",
                                                     "\"",
                                                     ":",
                                                     ",",
                                                     "null",
                                                     "true",
                                                     "false",
                                                     "0",
                                                     "-1",
                                                     "1e999",
                                                     "18446744073709551616",
                                                     "-9223372036854775809",
                                                     "\"\\u0000\"",
                                                     "\\",
                                                     "\x03",
                                                     "\n",
                                                     "\"OP_ID\"",
                                                     "\"method\"",
                                                     "\"args\"",
                                                     "%",
                                                     "%zz",
                                                     "&",
                                                     "=",
                                                     "?",
                                                     "/",
                                                     "..",
                                                     "\xff\xfe",
                                                     "{\"a\":",
                                                     "[[[[[[[[",
                                                     "]]]]]]]]",
                                                     "1.5",
                                                     "\"\"",
                                                     "{}",
                                                     "[]"};
    const size_t pos = Below(text.size() + 1);
    switch (Below(6)) {
      case 0:  // flip a byte
        if (!text.empty()) text[Below(text.size())] ^= static_cast<char>(1 << Below(8));
        break;
      case 1:  // insert a token
        text.insert(pos, kTokens[Below(kTokens.size())]);
        break;
      case 2:  // delete a range
        if (!text.empty()) text.erase(Below(text.size()), 1 + Below(16));
        break;
      case 3: {  // duplicate a range
        if (text.empty()) break;
        const size_t from = Below(text.size());
        text.insert(pos, text.substr(from, 1 + Below(32)));
        break;
      }
      case 4:  // truncate
        text.resize(Below(text.size() + 1));
        break;
      default:  // random bytes
        for (size_t n = 1 + Below(4); n > 0; --n) {
          text.insert(Below(text.size() + 1), 1, static_cast<char>(Below(256)));
        }
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace herd::fuzz
