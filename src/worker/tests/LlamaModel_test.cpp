// The llama engine on the project's own GGUF samples (random weights, real architectures and
// tokenizers): tokenization against llama.cpp's own test vectors, generation, continuous
// batching shown by the engine's counters, cancel, embeddings, and files it must refuse.
#include "worker/llama/LlamaModel.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "worker/llama/GgufSamples.h"

namespace npufleet::worker::llama {
namespace {
namespace fs = std::filesystem;

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class LlamaModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/npufleet-llama-XXXXXX";
    dir_ = new std::string(mkdtemp(tmpl));
    auto written = writeGgufSamples(*dir_);
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string path(const std::string& name) { return *dir_ + "/" + name + ".gguf"; }
  static std::shared_ptr<LlamaModel> load(const std::string& name, LlamaOptions o = {}) {
    if (o.context_per_slot == 2048) o.context_per_slot = 256;
    auto m = LlamaModel::load(name, path(name), o);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? *m : nullptr;
  }
  static std::string generateAll(LlamaModel& m, GenerationParams p, Generation::Chunk* last = nullptr) {
    auto g = m.generate(std::move(p));
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
    if (!g.ok()) return {};
    (*g)->wait();
    auto c = (*g)->take();
    if (last) *last = c;
    return c.text;
  }
  static std::string* dir_;
};
std::string* LlamaModelTest::dir_ = nullptr;

// llama.cpp's models/ggml-vocab-<v>.gguf.inp/.out: texts and the token ids they must give.
void expectVectors(const LlamaModel& m, const std::string& vocab) {
  const std::string base = defaultVocabDir() + "/ggml-vocab-" + vocab + ".gguf";
  const std::string inp = readAll(base + ".inp");
  std::istringstream out(readAll(base + ".out"));
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t start = 0, cases = 0;
  for (size_t at; (at = inp.find(sep, start)) != std::string::npos; start = at + sep.size()) {
    const std::string text = inp.substr(start, at - start);
    std::string line;
    ASSERT_TRUE(std::getline(out, line)) << "fewer outputs than inputs";
    std::vector<int32_t> want;
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) want.push_back(id);
    auto got = m.tokenize(text, /*special=*/false);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, want) << vocab << ": '" << text << "'";
    ++cases;
  }
  EXPECT_GT(cases, 30u);
}

TEST_F(LlamaModelTest, SamplesAreWhatTheySayTheyAre) {
  auto chat = load("tiny-chat");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->info().kind, LlmKind::kChat);
  EXPECT_EQ(chat->info().architecture, "llama");
  EXPECT_TRUE(chat->info().has_chat_template);
  EXPECT_GT(chat->info().parameters, 1'000'000u);
  auto embed = load("tiny-embed");
  ASSERT_TRUE(embed);
  EXPECT_EQ(embed->info().kind, LlmKind::kEmbedding);
  EXPECT_EQ(embed->info().architecture, "bert");
  EXPECT_EQ(embed->info().embedding_dim, 64);
  EXPECT_TRUE(fs::exists(*dir_ + "/tiny-chat.json"));
  EXPECT_NE(readAll(*dir_ + "/tiny-chat.json").find("random"), std::string::npos);
}

TEST_F(LlamaModelTest, TokenizationReproducesLlamaCppsTestVectors) {
  auto chat = load("tiny-chat");
  auto embed = load("tiny-embed");
  ASSERT_TRUE(chat && embed);
  expectVectors(*chat, "phi-3");
  expectVectors(*embed, "bert-bge");
}

TEST_F(LlamaModelTest, TheChatTemplateComesFromTheModel) {
  auto chat = load("tiny-chat");
  ASSERT_TRUE(chat);
  auto prompt = chat->applyChatTemplate({{"system", "Be brief."}, {"user", "Hello"}});
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  EXPECT_NE(prompt->find("<|user|>"), std::string::npos) << *prompt;
  EXPECT_NE(prompt->find("Hello"), std::string::npos);
  EXPECT_EQ(prompt->rfind("<|assistant|>\n"), prompt->size() - 14) << *prompt;
}

TEST_F(LlamaModelTest, GreedyAndSeededGenerationIsReproducibleAndHonoursMaxTokens) {
  auto chat = load("tiny-chat");
  ASSERT_TRUE(chat);
  GenerationParams p;
  p.prompt = "Once upon a time";
  p.max_tokens = 12;
  p.temperature = 0;
  Generation::Chunk last;
  const std::string a = generateAll(*chat, p, &last);
  EXPECT_EQ(a, generateAll(*chat, p));
  EXPECT_TRUE(last.finished);
  EXPECT_TRUE(last.finish_reason == "length" || last.finish_reason == "stop") << last.finish_reason;
  if (last.finish_reason == "length") {
    EXPECT_EQ(last.completion_tokens, 12);
  }
  EXPECT_LE(last.completion_tokens, 12);
  EXPECT_GT(last.prompt_tokens, 3);
  ASSERT_TRUE(last.ttft_ms.has_value());
  p.temperature = 0.9f;
  p.seed = 42;
  EXPECT_EQ(generateAll(*chat, p), generateAll(*chat, p));
}

TEST_F(LlamaModelTest, EightConcurrentGenerationsDecodeInTheSameBatch) {
  LlamaOptions o;
  o.slots = 8;
  auto chat = load("tiny-chat", o);
  ASSERT_TRUE(chat);
  std::vector<std::shared_ptr<Generation>> gens;
  for (int i = 0; i < 8; ++i) {
    GenerationParams p;
    p.prompt = "Request number " + std::to_string(i);
    p.max_tokens = 40;
    p.temperature = 0;
    auto g = chat->generate(p);
    ASSERT_TRUE(g.ok()) << g.error().message;
    gens.push_back(*g);
  }
  GenerationParams extra;
  extra.prompt = "a ninth";
  auto refused = chat->generate(extra);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  for (auto& g : gens) g->wait();
  const auto c = chat->counters();
  EXPECT_EQ(c.max_sequences_in_one_decode, 8u);
  EXPECT_EQ(c.sequences_started, 8u);
  // Batched: far fewer decode calls than tokens generated.
  EXPECT_LT(c.decode_calls * 4, c.generated_tokens + c.prompt_tokens) << c.decode_calls;
  EXPECT_EQ(chat->kvCache().sequences, 0);
}

TEST_F(LlamaModelTest, CancelFreesTheSlotAtOnce) {
  LlamaOptions o;
  o.slots = 1;
  auto chat = load("tiny-chat", o);
  ASSERT_TRUE(chat);
  GenerationParams p;
  p.prompt = "Tell me everything";
  p.max_tokens = 1'000'000;  // ends by its context unless cancelled
  p.temperature = 0;
  auto g = chat->generate(p);
  ASSERT_TRUE(g.ok());
  (*g)->cancel();
  (*g)->wait();
  auto c = (*g)->take();
  EXPECT_TRUE(c.finished);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(chat->counters().sequences_cancelled, 1u);
  // The only slot is free again.
  p.max_tokens = 2;
  Generation::Chunk again;
  generateAll(*chat, p, &again);
  EXPECT_TRUE(again.finished);
  EXPECT_FALSE(again.error.has_value());
  EXPECT_EQ(chat->kvCache().sequences, 0);
}

TEST_F(LlamaModelTest, APromptLongerThanTheContextIsRefusedNamingBoth) {
  auto chat = load("tiny-chat");
  ASSERT_TRUE(chat);
  GenerationParams p;
  for (int i = 0; i < 400; ++i) p.prompt += "word ";
  auto g = chat->generate(p);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(g.error().message.find("256"), std::string::npos) << g.error().message;
}

TEST_F(LlamaModelTest, EmbeddingsAreUnitVectorsOfTheModelsDimension) {
  auto embed = load("tiny-embed");
  ASSERT_TRUE(embed);
  int32_t tokens = 0;
  auto v = embed->embed({"hello world", "a different sentence", "hello world"}, &tokens);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->size(), 3u);
  for (const auto& e : *v) {
    ASSERT_EQ(e.size(), 64u);
    double n = 0;
    for (float x : e) n += x * x;
    EXPECT_NEAR(std::sqrt(n), 1.0, 1e-4);
  }
  EXPECT_EQ((*v)[0], (*v)[2]);
  EXPECT_NE((*v)[0], (*v)[1]);
  EXPECT_GT(tokens, 6);
  auto alone = embed->embed({"hello world"});
  ASSERT_TRUE(alone.ok());
  for (size_t i = 0; i < 64; ++i) EXPECT_NEAR((*alone)[0][i], (*v)[0][i], 1e-4);
  auto chat = load("tiny-chat");
  ASSERT_TRUE(chat);
  EXPECT_FALSE(chat->embed({"x"}).ok());
  EXPECT_FALSE(embed->generate(GenerationParams{}).ok());
}

TEST_F(LlamaModelTest, CorruptAndTruncatedFilesAreRefusedWithTheReason) {
  const std::string good = readAll(path("tiny-chat"));
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(*dir_ + "/" + name, std::ios::binary) << bytes;
    return *dir_ + "/" + name;
  };
  auto bad_magic = LlamaModel::load("m", write("magic.gguf", "GGUX" + good.substr(4)), {});
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_NE(bad_magic.error().message.find("magic"), std::string::npos);
  auto tiny = LlamaModel::load("m", write("tiny.gguf", good.substr(0, 10)), {});
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.error().message.find("short"), std::string::npos);
  auto truncated = LlamaModel::load("m", write("cut.gguf", good.substr(0, good.size() / 2)), {});
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("llama.cpp"), std::string::npos);
  std::string huge_counts = good;
  huge_counts[15] = '\x7f';  // the tensor count's top byte
  auto counts = LlamaModel::load("m", write("counts.gguf", huge_counts), {});
  ASSERT_FALSE(counts.ok());
  EXPECT_NE(counts.error().message.find("corrupt"), std::string::npos);
  // Larger than the host's memory (a sparse file: it takes no disk).
  const std::string huge = write("huge.gguf", good);
  fs::resize_file(huge, uintmax_t{1} << 42);
  auto fits = checkFitsInMemory(huge);
  ASSERT_FALSE(fits.ok());
  EXPECT_NE(fits.error().message.find("available"), std::string::npos) << fits.error().message;
  EXPECT_TRUE(checkFitsInMemory(path("tiny-chat")).ok());
}

TEST_F(LlamaModelTest, TheFilesMetadataSaysWhatItIsBeforeItLoads) {
  auto chat = readGgufSummary(path("tiny-chat"));
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  EXPECT_EQ(chat->kind, LlmKind::kChat);
  EXPECT_EQ(chat->architecture, "llama");
  EXPECT_EQ(chat->context_length, 4096);
  EXPECT_EQ(chat->embedding_dim, 64);
  EXPECT_GT(chat->parameters, 1'000'000u);
  auto embed = readGgufSummary(path("tiny-embed"));
  ASSERT_TRUE(embed.ok());
  EXPECT_EQ(embed->kind, LlmKind::kEmbedding);
  EXPECT_EQ(embed->architecture, "bert");
}

}  // namespace
}  // namespace npufleet::worker::llama
