#include "worker/llama/LlamaModel.h"

#include <ggml-backend.h>
#include <gguf.h>
#include <llama.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "worker/llama/TextAssembly.h"

namespace npufleet::worker::llama {
namespace {

using SteadyClock = std::chrono::steady_clock;

double msSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

// The last error llama.cpp logged on this thread: its loader says why a file fails only there.
thread_local std::string last_llama_error;

// llama.cpp is chatty at info level; its warnings and errors go to the worker's log.
void logToSpdlog(ggml_log_level level, const char* text, void*) {
  std::string line(text ? text : "");
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR) {
    if (line.find("failed to load model") == std::string::npos) last_llama_error = line;
    spdlog::error("llama.cpp: {}", line);
  } else if (level == GGML_LOG_LEVEL_WARN) {
    spdlog::warn("llama.cpp: {}", line);
  } else {
    spdlog::debug("llama.cpp: {}", line);
  }
}

void initBackendOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(logToSpdlog, nullptr);
#ifdef NPUFLEET_LLAMA_BACKEND_DIR
    const char* dir = std::getenv("NPUFLEET_LLAMA_BACKEND_DIR");
    ggml_backend_load_all_from_path(dir && *dir ? dir : NPUFLEET_LLAMA_BACKEND_DIR);
#else
    ggml_backend_load_all();
#endif
    llama_backend_init();
  });
}

std::string metaString(const llama_model* model, const char* key) {
  char buf[512];
  const int32_t n = llama_model_meta_val_str(model, key, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(std::min<int32_t>(n, sizeof buf - 1)));
}

Error loadFailure() {
  std::string why = last_llama_error;
  if (auto at = why.find("error loading model: "); at != std::string::npos) why = why.substr(at + 21);
  if (why.empty()) why = "unsupported architecture, or missing or malformed tensors";
  return Error::badRequest("llama.cpp cannot load the file: " + why);
}

int threadsFor(const LlamaOptions& o) {
  if (o.threads > 0) return o.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Result<std::vector<llama_token>> tokenize(const llama_vocab* vocab, const std::string& text,
                                          bool add_special, bool parse_special = true) {
  std::vector<llama_token> tokens(text.size() + 8);
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, parse_special);
  }
  if (n < 0) return Error::badRequest("the text cannot be tokenized");
  tokens.resize(static_cast<size_t>(n));
  return tokens;
}

std::string piece(const llama_vocab* vocab, llama_token t) {
  char buf[256];
  const int32_t n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, /*special=*/false);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(std::min<int32_t>(n, sizeof buf)));
}

struct SamplerFree {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};

llama_sampler* makeSampler(const GenerationParams& p) {
  auto* chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
  if (p.temperature <= 0.0f) {
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    return chain;
  }
  if (p.top_p < 1.0f) llama_sampler_chain_add(chain, llama_sampler_init_top_p(p.top_p, 1));
  llama_sampler_chain_add(chain, llama_sampler_init_temp(p.temperature));
  llama_sampler_chain_add(chain, llama_sampler_init_dist(p.seed ? *p.seed : LLAMA_DEFAULT_SEED));
  return chain;
}

}  // namespace

const char* llmKindName(LlmKind kind) {
  switch (kind) {
    case LlmKind::kChat: return "chat";
    case LlmKind::kCompletion: return "completion";
    case LlmKind::kEmbedding: return "embedding";
  }
  return "completion";
}

// ---- Generation ----

void Generation::setNotify(std::function<void()> notify) {
  std::lock_guard lock(mu_);
  notify_ = std::move(notify);
}

Generation::Chunk Generation::take() {
  std::lock_guard lock(mu_);
  Chunk out = pending_;
  pending_.text.clear();
  return out;
}

void Generation::cancel() { cancelled_ = true; }

void Generation::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
}

void Generation::append(const std::string& text, int32_t completion_tokens) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    pending_.text += text;
    pending_.completion_tokens = completion_tokens;
    notify = notify_;
  }
  if (notify) notify();
}

void Generation::finish(std::string reason, std::optional<Error> error) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    pending_.finished = true;
    pending_.finish_reason = std::move(reason);
    pending_.error = std::move(error);
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) notify();
}

void Generation::setPromptTokens(int32_t n) {
  std::lock_guard lock(mu_);
  pending_.prompt_tokens = n;
}

void Generation::setFirstToken(double ttft_ms) {
  std::lock_guard lock(mu_);
  pending_.ttft_ms = ttft_ms;
}

// ---- the model ----

struct LlamaModel::Impl {
  llama_model* model = nullptr;
  llama_context* ctx = nullptr;
  const llama_vocab* vocab = nullptr;
  LlamaOptions options;
  bool embedding = false;
  int32_t n_batch = 0;

  // One running sequence, owned by the decode thread.
  struct Seq {
    int32_t id = 0;  // llama seq_id = slot
    std::shared_ptr<Generation> gen;
    GenerationParams params;
    std::vector<llama_token> prompt;
    size_t prompt_done = 0;  // prompt tokens already decoded
    int32_t n_past = 0;      // cells used
    llama_token last = 0;    // the last sampled token, fed at the next step
    int32_t generated = 0;
    int32_t batch_index = -1;  // where this sequence's logits are in the current batch
    SteadyClock::time_point started;
    bool first = true;
    std::unique_ptr<llama_sampler, SamplerFree> sampler;
    TextAssembly text;
  };

  mutable std::mutex mu;  // guards incoming, free_slots, counters, kv figures
  std::condition_variable cv;
  std::deque<std::unique_ptr<Seq>> incoming;
  std::vector<int32_t> free_slots;
  bool stopping = false;
  LlamaCounters counters;
  int64_t used_cells = 0;
  int32_t running = 0;  // sequences holding a slot: started and not yet ended
  std::thread decoder;

  std::mutex embed_mu;  // one embedding batch at a time on the context

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (decoder.joinable()) decoder.join();
    if (ctx) llama_free(ctx);
    if (model) llama_model_free(model);
  }

  void endSeq(Seq& s, std::string reason, std::optional<Error> error = {}) {
    llama_memory_seq_rm(llama_get_memory(ctx), s.id, -1, -1);
    std::string tail = s.text.flush();
    if (!tail.empty()) s.gen->append(tail, s.generated);
    {
      // Counted free before the waiter wakes: whoever sees the generation end sees its slot free.
      std::lock_guard lock(mu);
      free_slots.push_back(s.id);
      --running;
      used_cells = std::max<int64_t>(0, used_cells - s.n_past);
      if (s.gen->cancelled()) ++counters.sequences_cancelled;
    }
    s.gen->finish(std::move(reason), std::move(error));
  }

  // The decode loop: admits new sequences, decodes one step for all, samples, repeats.
  void run() {
    std::vector<std::unique_ptr<Seq>> active;
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !incoming.empty() || !active.empty(); });
        if (stopping) break;
        while (!incoming.empty()) {
          active.push_back(std::move(incoming.front()));
          incoming.pop_front();
        }
      }
      // Sequences that ended outside the engine: the client left, or the deadline passed.
      const auto now = SteadyClock::now();
      for (auto& s : active) {
        if (s->gen->cancelled()) {
          endSeq(*s, "cancelled", Error::unavailable("the client went away"));
          s.reset();
        } else if (now >= s->params.deadline) {
          endSeq(*s, "deadline", Error{ErrorCode::kGatewayTimeout,
                                       "generation ran past its deadline", {}});
          s.reset();
        }
      }
      std::erase(active, nullptr);
      if (active.empty()) {
        publish(active);
        continue;
      }

      // One token for each generating sequence first, then prompt tokens with what is left.
      batch.n_tokens = 0;
      auto add = [&](Seq& s, llama_token t, bool logits) {
        const int32_t i = batch.n_tokens++;
        batch.token[i] = t;
        batch.pos[i] = s.n_past++;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = s.id;
        batch.logits[i] = logits;
        if (logits) s.batch_index = i;
      };
      uint64_t in_batch = 0;
      for (auto& s : active) {
        s->batch_index = -1;
        if (s->prompt_done == s->prompt.size()) {
          add(*s, s->last, true);
          ++in_batch;
        }
      }
      for (auto& s : active) {
        if (s->prompt_done == s->prompt.size()) continue;
        bool any = false;
        while (s->prompt_done < s->prompt.size() && batch.n_tokens < n_batch) {
          const bool last = s->prompt_done + 1 == s->prompt.size();
          add(*s, s->prompt[s->prompt_done++], last);
          any = true;
        }
        if (any) ++in_batch;
      }
      const int32_t rc = llama_decode(ctx, batch);
      {
        std::lock_guard lock(mu);
        ++counters.decode_calls;
        counters.max_sequences_in_one_decode =
            std::max(counters.max_sequences_in_one_decode, in_batch);
      }
      if (rc != 0) {
        for (auto& s : active) {
          endSeq(*s, "error", Error::internal("llama_decode failed (" + std::to_string(rc) + ")"));
        }
        active.clear();
        publish(active);
        continue;
      }
      uint64_t generated_now = 0;
      for (auto& s : active) {
        if (s->batch_index < 0) continue;  // still reading its prompt
        const llama_token t = llama_sampler_sample(s->sampler.get(), ctx, s->batch_index);
        if (s->first) {
          s->first = false;
          s->gen->setFirstToken(msSince(s->started));
        }
        if (llama_vocab_is_eog(vocab, t)) {
          endSeq(*s, "stop");
          s.reset();
          continue;
        }
        ++s->generated;
        ++generated_now;
        s->last = t;
        auto out = s->text.add(piece(vocab, t));
        if (!out.text.empty()) s->gen->append(out.text, s->generated);
        if (out.stopped) {
          endSeq(*s, "stop");
          s.reset();
        } else if (s->generated >= s->params.max_tokens ||
                   s->n_past >= options.context_per_slot) {
          endSeq(*s, "length");
          s.reset();
        }
      }
      std::erase(active, nullptr);
      {
        std::lock_guard lock(mu);
        counters.generated_tokens += generated_now;
      }
      publish(active);
    }
    for (auto& s : active) endSeq(*s, "error", Error::unavailable("the worker is stopping"));
    llama_batch_free(batch);
  }

  void publish(const std::vector<std::unique_ptr<Seq>>& active) {
    int64_t cells = 0;
    for (const auto& s : active) cells += s->n_past;
    std::lock_guard lock(mu);
    used_cells = cells;
  }
};

LlamaModel::LlamaModel(std::string name, LlamaModelInfo info, std::unique_ptr<Impl> impl)
    : name_(std::move(name)), info_(std::move(info)), impl_(std::move(impl)) {}

LlamaModel::~LlamaModel() = default;

Result<std::shared_ptr<LlamaModel>> LlamaModel::load(const std::string& name,
                                                     const std::string& path,
                                                     const LlamaOptions& options) {
  if (auto st = checkGgufHeader(path); !st) return st.error();
  initBackendOnce();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->options.slots = std::max(1, options.slots);
  impl->options.context_per_slot = std::max(64, options.context_per_slot);
  auto mp = llama_model_default_params();
  last_llama_error.clear();
  impl->model = llama_model_load_from_file(path.c_str(), mp);
  if (!impl->model) return loadFailure();
  impl->vocab = llama_model_get_vocab(impl->model);
  LlamaModelInfo info;
  info.architecture = metaString(impl->model, "general.architecture");
  info.description = metaString(impl->model, "general.description");
  info.context_length = llama_model_n_ctx_train(impl->model);
  info.embedding_dim = llama_model_n_embd(impl->model);
  info.parameters = llama_model_n_params(impl->model);
  info.size_bytes = llama_model_size(impl->model);
  info.has_chat_template = llama_model_chat_template(impl->model, nullptr) != nullptr;
  impl->embedding = llama_model_has_encoder(impl->model) && !llama_model_has_decoder(impl->model);
  if (!impl->embedding && metaString(impl->model, (info.architecture + ".pooling_type").c_str()) != "") {
    impl->embedding = true;  // a decoder-only embedding model (its GGUF names a pooling)
  }
  info.kind = impl->embedding ? LlmKind::kEmbedding
                              : (info.has_chat_template ? LlmKind::kChat : LlmKind::kCompletion);

  auto cp = llama_context_default_params();
  cp.n_threads = threadsFor(options);
  cp.n_threads_batch = cp.n_threads;
  if (impl->embedding) {
    // Each input is one sequence of one batch; an encoder reads a sequence in one ubatch.
    const auto per = static_cast<uint32_t>(std::min<int64_t>(info.context_length, 8192));
    cp.n_seq_max = 32;
    cp.n_ctx = per;
    cp.n_batch = per * 4;  // several inputs per batch (no KV cache: n_batch may exceed n_ctx)
    cp.n_ubatch = cp.n_batch;
    cp.embeddings = true;
    cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;  // the model's own
    cp.kv_unified = true;
  } else {
    cp.n_seq_max = static_cast<uint32_t>(impl->options.slots);
    cp.n_ctx = static_cast<uint32_t>(impl->options.slots * impl->options.context_per_slot);
    cp.n_batch = static_cast<uint32_t>(std::max(512, impl->options.slots));
    cp.n_ubatch = cp.n_batch;
    cp.kv_unified = false;  // each sequence gets its own context_per_slot cells
  }
  impl->n_batch = static_cast<int32_t>(cp.n_batch);
  impl->ctx = llama_init_from_model(impl->model, cp);
  if (!impl->ctx) {
    return Error::badRequest("llama.cpp cannot create a context of " + std::to_string(cp.n_ctx) +
                             " cells for the model (not enough memory?)");
  }
  if (!impl->embedding) {
    for (int32_t i = impl->options.slots - 1; i >= 0; --i) impl->free_slots.push_back(i);
    impl->decoder = std::thread([p = impl.get()] { p->run(); });
  }
  return std::shared_ptr<LlamaModel>(new LlamaModel(name, std::move(info), std::move(impl)));
}

Result<std::string> LlamaModel::applyChatTemplate(const std::vector<ChatMessage>& messages) const {
  const char* tmpl = llama_model_chat_template(impl_->model, nullptr);
  if (!tmpl) {
    return Error::badRequest("model '" + name_ + "' has no chat template; use /v1/completions");
  }
  std::vector<llama_chat_message> chat;
  size_t total = 0;
  for (const auto& m : messages) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    total += m.content.size() + m.role.size();
  }
  std::vector<char> buf(total * 2 + 1024);
  int32_t n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buf.data(),
                                        static_cast<int32_t>(buf.size()));
  if (n > static_cast<int32_t>(buf.size())) {
    buf.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buf.data(),
                                  static_cast<int32_t>(buf.size()));
  }
  if (n < 0) {
    return Error::badRequest("model '" + name_ + "' has a chat template llama.cpp does not know");
  }
  return std::string(buf.data(), static_cast<size_t>(n));
}

Result<std::vector<int32_t>> LlamaModel::tokenize(const std::string& text, bool special) const {
  auto t = llama::tokenize(impl_->vocab, text, special, special);
  if (!t) return t.error();
  return std::vector<int32_t>(t->begin(), t->end());
}

Result<std::shared_ptr<Generation>> LlamaModel::generate(GenerationParams params) {
  if (impl_->embedding) {
    return Error::badRequest("model '" + name_ + "' is an embedding model; use /v1/embeddings");
  }
  auto tokens = llama::tokenize(impl_->vocab, params.prompt, true);
  if (!tokens) return tokens.error();
  if (tokens->empty()) return Error::badRequest("the prompt is empty", "prompt");
  const auto ctx_slot = impl_->options.context_per_slot;
  if (static_cast<int32_t>(tokens->size()) >= ctx_slot) {
    return Error::badRequest("the prompt is " + std::to_string(tokens->size()) +
                                 " tokens; this worker's context per request is " +
                                 std::to_string(ctx_slot) + " tokens",
                             "messages");
  }
  auto s = std::make_unique<Impl::Seq>();
  s->gen = std::make_shared<Generation>();
  s->gen->setPromptTokens(static_cast<int32_t>(tokens->size()));
  s->prompt = std::move(*tokens);
  s->sampler.reset(makeSampler(params));
  s->text = TextAssembly(params.stop);
  s->params = std::move(params);
  s->started = SteadyClock::now();
  auto gen = s->gen;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->free_slots.empty()) {
      return Error::unavailable("every generation slot of '" + name_ + "' is in use");
    }
    s->id = impl_->free_slots.back();
    impl_->free_slots.pop_back();
    ++impl_->counters.sequences_started;
    ++impl_->running;
    impl_->counters.prompt_tokens += s->prompt.size();
    impl_->incoming.push_back(std::move(s));
  }
  impl_->cv.notify_all();
  return gen;
}

Result<std::vector<std::vector<float>>> LlamaModel::embed(const std::vector<std::string>& inputs,
                                                          int32_t* prompt_tokens) {
  if (!impl_->embedding) {
    return Error::badRequest("model '" + name_ +
                             "' generates text; use /v1/chat/completions or /v1/completions");
  }
  std::vector<std::vector<llama_token>> tokenized;
  const auto per = std::min<int64_t>(info_.context_length, 8192);
  int32_t total = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto t = llama::tokenize(impl_->vocab, inputs[i], true);
    if (!t) return t.error();
    if (t->empty()) return Error::badRequest("input " + std::to_string(i) + " is empty", "input");
    if (static_cast<int64_t>(t->size()) > per) {
      return Error::badRequest("input " + std::to_string(i) + " is " + std::to_string(t->size()) +
                                   " tokens; model '" + name_ + "' reads at most " +
                                   std::to_string(per),
                               "input");
    }
    total += static_cast<int32_t>(t->size());
    tokenized.push_back(std::move(*t));
  }
  if (prompt_tokens) *prompt_tokens = total;
  std::lock_guard lock(impl_->embed_mu);
  llama_context* ctx = impl_->ctx;
  const int32_t n_embd = llama_model_n_embd(impl_->model);
  const auto cap = static_cast<int32_t>(llama_n_batch(ctx));
  const auto max_seqs = static_cast<int32_t>(llama_n_seq_max(ctx));
  std::vector<std::vector<float>> out(inputs.size());
  llama_batch batch = llama_batch_init(cap, 0, 1);
  size_t next = 0;
  Status status = okStatus();
  while (next < tokenized.size() && status) {
    batch.n_tokens = 0;
    std::vector<size_t> members;
    while (next < tokenized.size() && static_cast<int32_t>(members.size()) < max_seqs &&
           batch.n_tokens + static_cast<int32_t>(tokenized[next].size()) <= cap) {
      const auto seq = static_cast<llama_seq_id>(members.size());
      for (size_t p = 0; p < tokenized[next].size(); ++p) {
        const int32_t i = batch.n_tokens++;
        batch.token[i] = tokenized[next][p];
        batch.pos[i] = static_cast<llama_pos>(p);
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = seq;
        batch.logits[i] = true;
      }
      members.push_back(next++);
    }
    if (auto* memory = llama_get_memory(ctx)) llama_memory_clear(memory, true);
    const int32_t rc = llama_model_has_encoder(impl_->model) && !llama_model_has_decoder(impl_->model)
                           ? llama_encode(ctx, batch)
                           : llama_decode(ctx, batch);
    if (rc != 0) {
      status = Error::internal("llama.cpp failed to compute embeddings (" + std::to_string(rc) + ")");
      break;
    }
    for (size_t k = 0; k < members.size(); ++k) {
      const float* e = llama_get_embeddings_seq(ctx, static_cast<llama_seq_id>(k));
      if (!e) {
        status = Error::internal("llama.cpp returned no pooled embedding");
        break;
      }
      std::vector<float> v(e, e + n_embd);
      double norm = 0;
      for (float x : v) norm += static_cast<double>(x) * x;
      norm = std::sqrt(norm);
      if (norm > 0) {
        for (float& x : v) x = static_cast<float>(x / norm);
      }
      out[members[k]] = std::move(v);
    }
  }
  llama_batch_free(batch);
  {
    std::lock_guard l(impl_->mu);
    impl_->counters.prompt_tokens += static_cast<uint64_t>(total);
    ++impl_->counters.decode_calls;
  }
  if (!status) return status.error();
  return out;
}

KvCacheUse LlamaModel::kvCache() const {
  std::lock_guard lock(impl_->mu);
  KvCacheUse k;
  k.used_cells = impl_->used_cells;
  k.slots = impl_->embedding ? 0 : impl_->options.slots;
  k.capacity_cells = impl_->embedding ? 0
                                      : int64_t{impl_->options.slots} * impl_->options.context_per_slot;
  k.sequences = impl_->running;
  return k;
}

LlamaCounters LlamaModel::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

Status checkGgufHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest("cannot open the file");
  unsigned char head[24] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  if (in.gcount() < static_cast<std::streamsize>(sizeof head)) {
    return Error::badRequest("the file is too short to be GGUF (truncated?)");
  }
  if (std::memcmp(head, "GGUF", 4) != 0) return Error::badRequest("not a GGUF file (bad magic)");
  uint32_t version = 0;
  uint64_t n_tensors = 0, n_kv = 0;
  std::memcpy(&version, head + 4, 4);
  std::memcpy(&n_tensors, head + 8, 8);
  std::memcpy(&n_kv, head + 16, 8);
  if (version < 2 || version > 3) {
    return Error::badRequest("GGUF version " + std::to_string(version) + " is not supported (2 or 3)");
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  // Every tensor and key takes at least a few bytes of header: more than the file can hold is
  // a corrupt or truncated file.
  if (n_tensors > size / 8 || n_kv > size / 8) {
    return Error::badRequest("the GGUF header claims " + std::to_string(n_tensors) + " tensors and " +
                             std::to_string(n_kv) + " keys, more than the file holds (corrupt)");
  }
  return okStatus();
}

Result<GgufSummary> readGgufSummary(const std::string& path) {
  if (auto st = checkGgufHeader(path); !st) return st.error();
  gguf_init_params ip{/*no_alloc=*/true, /*ctx=*/nullptr};
  ggml_context* meta = nullptr;
  ip.ctx = &meta;
  gguf_context* g = gguf_init_from_file(path.c_str(), ip);
  if (!g) return Error::badRequest("the GGUF metadata cannot be read (corrupt or truncated)");
  GgufSummary s;
  auto str = [&](const std::string& key) -> std::string {
    const int64_t id = gguf_find_key(g, key.c_str());
    return id >= 0 && gguf_get_kv_type(g, id) == GGUF_TYPE_STRING ? gguf_get_val_str(g, id) : "";
  };
  auto u32 = [&](const std::string& key) -> int64_t {
    const int64_t id = gguf_find_key(g, key.c_str());
    return id >= 0 && gguf_get_kv_type(g, id) == GGUF_TYPE_UINT32 ? gguf_get_val_u32(g, id) : 0;
  };
  s.architecture = str("general.architecture");
  const std::string& a = s.architecture;
  s.context_length = u32(a + ".context_length");
  s.embedding_dim = u32(a + ".embedding_length");
  for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
    const int64_t* ne = gguf_get_tensor_ne(g, i);
    uint64_t n = 1;
    for (int d = 0; d < GGML_MAX_DIMS; ++d) n *= static_cast<uint64_t>(ne[d]);
    s.parameters += n;
  }
  const bool encoder = a == "bert" || a == "nomic-bert" || a == "nomic-bert-moe" ||
                       a == "jina-bert-v2" || a == "jina-bert-v3" || a == "neo-bert" ||
                       a == "modern-bert" || a == "eurobert";
  if (encoder || gguf_find_key(g, (a + ".pooling_type").c_str()) >= 0) {
    s.kind = LlmKind::kEmbedding;
  } else if (gguf_find_key(g, "tokenizer.chat_template") >= 0) {
    s.kind = LlmKind::kChat;
  }
  gguf_free(g);
  if (meta) ggml_free(meta);
  if (a.empty()) return Error::badRequest("the GGUF file names no general.architecture");
  return s;
}

Status checkFitsInMemory(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error::badRequest("cannot read the file's size");
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") break;
    kib = 0;
  }
  if (kib == 0) return okStatus();  // no figure: let the loader try
  const uint64_t available = kib * 1024;
  if (size > available) {
    auto gib = [](uint64_t b) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(b) / (1024.0 * 1024 * 1024));
      return std::string(buf);
    };
    return Error::badRequest("the model needs about " + gib(size) + " of memory; the host has " +
                             gib(available) + " available");
  }
  return okStatus();
}

Status checkGgufLoads(const std::string& path) {
  if (auto st = checkGgufHeader(path); !st) return st;
  initBackendOnce();
  auto mp = llama_model_default_params();
  last_llama_error.clear();
  llama_model* model = llama_model_load_from_file(path.c_str(), mp);
  if (!model) return loadFailure();
  llama_model_free(model);
  return okStatus();
}

}  // namespace npufleet::worker::llama
