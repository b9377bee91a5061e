// One GGUF model loaded with llama.cpp (the worker's `llama` engine). llama.cpp stays inside
// LlamaModel.cpp; this header is plain C++.
//
// Text models: every request is one sequence of one shared context. A decode thread per model
// puts all running sequences into each llama_decode call (continuous batching): a new sequence's
// prompt joins the batch while the others generate, so `slots` concurrent requests cost one
// model in memory and one KV cache of slots x context_per_slot cells, not N copies. A sequence
// ends at an end-of-generation token, a stop string, max_tokens, its context, its deadline or
// cancel(), and its cells are freed at once.
//
// Embedding models (an encoder without a decoder, such as BERT): each input is a sequence of
// one batch; the model's pooling gives one vector per input, L2-normalised.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"

namespace npufleet::worker::llama {

enum class LlmKind { kChat, kCompletion, kEmbedding };
const char* llmKindName(LlmKind kind);  // "chat", "completion", "embedding"

struct LlamaOptions {
  int slots = 4;                // sequences decoded together (the worker's max_concurrent)
  int context_per_slot = 2048;  // KV cells per sequence: prompt + generated tokens
  int threads = 0;              // 0: every core
};

struct ChatMessage {
  std::string role;  // system, user, assistant
  std::string content;
};

struct GenerationParams {
  std::string prompt;  // as the model reads it: chat already templated
  int32_t max_tokens = 256;
  float temperature = 0.8f;
  float top_p = 1.0f;
  std::optional<uint32_t> seed;
  std::vector<std::string> stop;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// One running sequence. The decode thread appends text and finishes it; the request's handler
// takes the text as it comes (take()) and may cancel it. Thread-safe.
class Generation {
 public:
  struct Chunk {
    std::string text;  // whole UTF-8 characters only
    bool finished = false;
    std::string finish_reason;       // "stop" or "length" once finished without an error
    std::optional<Error> error;      // set when it ended by a failure, a deadline or a cancel
    int32_t prompt_tokens = 0;
    int32_t completion_tokens = 0;
    std::optional<double> ttft_ms;   // from start to the first generated token
  };
  // Called by the decode thread after new text or the end; must not block.
  void setNotify(std::function<void()> notify);
  Chunk take();              // the text since the last take(), and the state
  void cancel();             // the client went away: free the sequence at the next step
  void wait();               // blocks until finished
  bool cancelled() const { return cancelled_.load(); }

  // Decode-thread side.
  void append(const std::string& text, int32_t completion_tokens);
  void finish(std::string reason, std::optional<Error> error = {});
  void setPromptTokens(int32_t n);
  void setFirstToken(double ttft_ms);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> notify_;
  Chunk pending_;
  bool finished_ = false;
  std::atomic<bool> cancelled_{false};
};

struct KvCacheUse {
  int64_t used_cells = 0;
  int64_t capacity_cells = 0;
  int32_t sequences = 0;  // running now
  int32_t slots = 0;
};

// The engine's own counters: batching shows in them, not in timing.
struct LlamaCounters {
  uint64_t decode_calls = 0;
  uint64_t max_sequences_in_one_decode = 0;
  uint64_t prompt_tokens = 0;
  uint64_t generated_tokens = 0;
  uint64_t sequences_started = 0;
  uint64_t sequences_cancelled = 0;
};

struct LlamaModelInfo {
  LlmKind kind = LlmKind::kCompletion;
  std::string architecture;
  std::string description;
  int64_t context_length = 0;   // the model's training context
  int64_t embedding_dim = 0;
  uint64_t parameters = 0;
  uint64_t size_bytes = 0;      // tensors in memory
  bool has_chat_template = false;
};

class LlamaModel {
 public:
  static Result<std::shared_ptr<LlamaModel>> load(const std::string& name, const std::string& path,
                                                  const LlamaOptions& options);
  ~LlamaModel();
  LlamaModel(const LlamaModel&) = delete;
  LlamaModel& operator=(const LlamaModel&) = delete;

  const std::string& name() const { return name_; }
  const LlamaModelInfo& info() const { return info_; }

  // The model's own chat template (from its GGUF metadata) applied to `messages`, ending with
  // the assistant's turn; 400 when the model has no template llama.cpp knows.
  Result<std::string> applyChatTemplate(const std::vector<ChatMessage>& messages) const;
  // The model's tokenizer: `special` adds BOS/EOS as the model wants and reads control tokens
  // written in the text (as prompts are read); without it, the text is only text.
  Result<std::vector<int32_t>> tokenize(const std::string& text, bool special) const;

  // Starts a sequence; 400 when the prompt does not fit the context per slot, 503 when every
  // slot is taken (the worker's queue keeps that from happening). Text models only.
  Result<std::shared_ptr<Generation>> generate(GenerationParams params);

  // One unit vector per input; blocking (call on an engine thread). Embedding models only.
  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& inputs,
                                                int32_t* prompt_tokens = nullptr);

  KvCacheUse kvCache() const;
  LlamaCounters counters() const;

 private:
  struct Impl;
  LlamaModel(std::string name, LlamaModelInfo info, std::unique_ptr<Impl> impl);
  std::string name_;
  LlamaModelInfo info_;
  std::unique_ptr<Impl> impl_;
};

// Reads a GGUF file's header without loading it: magic, version, and sane counts, so that a
// truncated or foreign file is refused with its reason before llama.cpp sees it.
Status checkGgufHeader(const std::string& path);

// What a GGUF file's metadata says, without loading its tensors (for /models before a load).
struct GgufSummary {
  LlmKind kind = LlmKind::kCompletion;
  std::string architecture;
  int64_t context_length = 0;
  int64_t embedding_dim = 0;
  uint64_t parameters = 0;
};
Result<GgufSummary> readGgufSummary(const std::string& path);

// Refuses a model whose tensors would not fit in the memory the host has available now, naming
// both sizes (llama.cpp would otherwise be killed by the kernel, taking the worker with it).
Status checkFitsInMemory(const std::string& path);

// Loads the model in this process and frees it (the body of `npufleet models check x.gguf`).
Status checkGgufLoads(const std::string& path);

}  // namespace npufleet::worker::llama
