// Runs the libFuzzer target's entry point in the ordinary test build: every seed of the corpus,
// then deterministic byte mutations of them, so that `make test` exercises the fuzz target even
// where clang/libFuzzer is not used. The fuzzer aborts on a broken property, failing the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(NPUFLEET_FUZZ_CORPUS)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

void feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(SignatureVerifierFuzzReplay, SeedCorpusRunsClean) {
  const auto corpus = seeds();
  ASSERT_GE(corpus.size(), 4u);
  for (const auto& s : corpus) feed(s);
}

TEST(SignatureVerifierFuzzReplay, TwentyThousandMutationsRunClean) {
  const auto corpus = seeds();
  ASSERT_FALSE(corpus.empty());
  std::mt19937 rng(20260204);
  for (int i = 0; i < 20'000; ++i) {
    std::string s = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s.erase(pos, 1 + rng() % 8); break;
        default: s.insert(pos, 1, static_cast<char>(rng())); break;
      }
    }
    feed(s);
  }
}

}  // namespace
