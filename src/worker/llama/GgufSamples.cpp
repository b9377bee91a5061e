#include "worker/llama/GgufSamples.h"

#include <ggml.h>
#include <gguf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include <boost/json.hpp>

namespace npufleet::worker::llama {
namespace fs = std::filesystem;
namespace {

struct Arch {
  const char* name;     // sample name
  const char* arch;     // general.architecture
  const char* vocab;    // ggml-vocab-<vocab>.gguf
  const char* description;
  int64_t n_embd, n_head, n_head_kv, n_layer, n_ff, n_ctx;
};

constexpr Arch kChat{"tiny-chat", "llama", "phi-3",
                     "Chat model of the llama architecture with Phi-3's tokenizer and chat "
                     "template; random weights: its answers are gibberish",
                     64, 4, 2, 2, 128, 4096};
constexpr Arch kEmbed{"tiny-embed", "bert", "bert-bge",
                      "Text-embedding model of the BERT architecture with BGE's WordPiece "
                      "tokenizer and mean pooling; random weights: its vectors carry no meaning",
                      64, 4, 4, 2, 128, 512};

const Arch* findArch(const std::string& name) {
  if (name == kChat.name) return &kChat;
  if (name == kEmbed.name) return &kEmbed;
  return nullptr;
}

struct GgufFree {
  void operator()(gguf_context* c) const { gguf_free(c); }
};
struct GgmlFree {
  void operator()(ggml_context* c) const { ggml_free(c); }
};

// Adds tensors with random (or constant) values to one ggml context and the GGUF being written.
class TensorWriter {
 public:
  TensorWriter(gguf_context* out, size_t bytes, uint32_t seed) : out_(out), rng_(seed) {
    ggml_init_params p{bytes, nullptr, false};
    ctx_.reset(ggml_init(p));
  }
  bool ok() const { return ctx_ != nullptr; }

  // ne0 is the input (row) length, as llama.cpp names shapes.
  void random(const std::string& name, int64_t ne0, int64_t ne1 = 1, bool f16 = false) {
    std::normal_distribution<float> dist(0.0f, 0.05f);
    ggml_tensor* t = ne1 == 1 && !f16 ? ggml_new_tensor_1d(ctx_.get(), GGML_TYPE_F32, ne0)
                                      : ggml_new_tensor_2d(ctx_.get(), f16 ? GGML_TYPE_F16 : GGML_TYPE_F32, ne0, ne1);
    const int64_t n = ne0 * ne1;
    if (f16) {
      auto* d = static_cast<ggml_fp16_t*>(t->data);
      for (int64_t i = 0; i < n; ++i) d[i] = ggml_fp32_to_fp16(dist(rng_));
    } else {
      auto* d = static_cast<float*>(t->data);
      for (int64_t i = 0; i < n; ++i) d[i] = dist(rng_);
    }
    add(t, name);
  }
  void constant(const std::string& name, int64_t ne0, float value) {
    ggml_tensor* t = ggml_new_tensor_1d(ctx_.get(), GGML_TYPE_F32, ne0);
    auto* d = static_cast<float*>(t->data);
    for (int64_t i = 0; i < ne0; ++i) d[i] = value;
    add(t, name);
  }

 private:
  void add(ggml_tensor* t, const std::string& name) {
    ggml_set_name(t, name.c_str());
    gguf_add_tensor(out_, t);
  }
  gguf_context* out_;
  std::unique_ptr<ggml_context, GgmlFree> ctx_;
  std::mt19937 rng_;
};

std::string key(const Arch& a, const char* suffix) { return std::string(a.arch) + "." + suffix; }

void llamaTensors(const Arch& a, int64_t n_vocab, TensorWriter& w) {
  const int64_t head = a.n_embd / a.n_head;
  w.random("token_embd.weight", a.n_embd, n_vocab, /*f16=*/true);  // tied with the output
  w.constant("output_norm.weight", a.n_embd, 1.0f);
  for (int64_t i = 0; i < a.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    w.constant(b + "attn_norm.weight", a.n_embd, 1.0f);
    w.random(b + "attn_q.weight", a.n_embd, head * a.n_head);
    w.random(b + "attn_k.weight", a.n_embd, head * a.n_head_kv);
    w.random(b + "attn_v.weight", a.n_embd, head * a.n_head_kv);
    w.random(b + "attn_output.weight", head * a.n_head, a.n_embd);
    w.constant(b + "ffn_norm.weight", a.n_embd, 1.0f);
    w.random(b + "ffn_gate.weight", a.n_embd, a.n_ff);
    w.random(b + "ffn_up.weight", a.n_embd, a.n_ff);
    w.random(b + "ffn_down.weight", a.n_ff, a.n_embd);
  }
}

void bertTensors(const Arch& a, int64_t n_vocab, int64_t n_types, TensorWriter& w) {
  w.random("token_embd.weight", a.n_embd, n_vocab, /*f16=*/true);
  w.random("token_types.weight", a.n_embd, n_types);
  w.random("position_embd.weight", a.n_embd, a.n_ctx);
  w.constant("token_embd_norm.weight", a.n_embd, 1.0f);
  w.constant("token_embd_norm.bias", a.n_embd, 0.0f);
  for (int64_t i = 0; i < a.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    for (const char* t : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
      w.random(b + t + ".weight", a.n_embd, a.n_embd);
      w.constant(b + t + ".bias", a.n_embd, 0.0f);
    }
    w.constant(b + "attn_output_norm.weight", a.n_embd, 1.0f);
    w.constant(b + "attn_output_norm.bias", a.n_embd, 0.0f);
    w.random(b + "ffn_up.weight", a.n_embd, a.n_ff);
    w.constant(b + "ffn_up.bias", a.n_ff, 0.0f);
    w.random(b + "ffn_down.weight", a.n_ff, a.n_embd);
    w.constant(b + "ffn_down.bias", a.n_embd, 0.0f);
    w.constant(b + "layer_output_norm.weight", a.n_embd, 1.0f);
    w.constant(b + "layer_output_norm.bias", a.n_embd, 0.0f);
  }
}

Status writeSidecar(const Arch& a, const std::string& gguf_path) {
  fs::path p(gguf_path);
  p.replace_extension(".json");
  boost::json::object o{{"displayName", a.name},
                        {"version", "random-weights"},
                        {"description", a.description}};
  std::ofstream out(p);
  out << boost::json::serialize(o) << "\n";
  if (!out) return Error::internal("cannot write " + p.string());
  return okStatus();
}

}  // namespace

std::string defaultVocabDir() {
#ifdef NPUFLEET_LLAMA_VOCAB_DIR
  return NPUFLEET_LLAMA_VOCAB_DIR;
#else
  return {};
#endif
}

std::vector<GgufSample> ggufSamples() {
  return {{kChat.name, kChat.description}, {kEmbed.name, kEmbed.description}};
}

Status writeGgufSample(const std::string& name, const std::string& path,
                       const std::string& vocab_dir_in) {
  const Arch* a = findArch(name);
  if (!a) return Error::badRequest("there is no GGUF sample named '" + name + "'");
  const std::string vocab_dir = vocab_dir_in.empty() ? defaultVocabDir() : vocab_dir_in;
  if (vocab_dir.empty()) {
    return Error::unavailable("this build has no llama.cpp tokenizer vocabularies to make GGUF "
                              "samples with");
  }
  const std::string vocab_path = vocab_dir + "/ggml-vocab-" + a->vocab + ".gguf";
  gguf_init_params ip{/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, GgufFree> vocab(gguf_init_from_file(vocab_path.c_str(), ip));
  if (!vocab) return Error::badRequest("cannot read the tokenizer vocabulary " + vocab_path);

  std::unique_ptr<gguf_context, GgufFree> out(gguf_init_empty());
  // The tokenizer, as the vocabulary file has it; everything else is this sample's own.
  gguf_set_kv(out.get(), vocab.get());
  for (int64_t i = gguf_get_n_kv(out.get()) - 1; i >= 0; --i) {
    const std::string k = gguf_get_key(out.get(), i);
    if (k.rfind("tokenizer.", 0) != 0) gguf_remove_key(out.get(), k.c_str());
  }
  const int64_t tokens = gguf_find_key(out.get(), "tokenizer.ggml.tokens");
  if (tokens < 0) return Error::badRequest(vocab_path + " has no tokenizer.ggml.tokens");
  const auto n_vocab = static_cast<int64_t>(gguf_get_arr_n(out.get(), tokens));

  gguf_set_val_str(out.get(), "general.architecture", a->arch);
  gguf_set_val_str(out.get(), "general.name", a->name);
  gguf_set_val_str(out.get(), "general.description", a->description);
  gguf_set_val_u32(out.get(), key(*a, "context_length").c_str(), static_cast<uint32_t>(a->n_ctx));
  gguf_set_val_u32(out.get(), key(*a, "embedding_length").c_str(), static_cast<uint32_t>(a->n_embd));
  gguf_set_val_u32(out.get(), key(*a, "block_count").c_str(), static_cast<uint32_t>(a->n_layer));
  gguf_set_val_u32(out.get(), key(*a, "feed_forward_length").c_str(), static_cast<uint32_t>(a->n_ff));
  gguf_set_val_u32(out.get(), key(*a, "attention.head_count").c_str(), static_cast<uint32_t>(a->n_head));

  // Tensor bytes with room for ggml's per-tensor overhead.
  const int64_t n_types = 2;
  const size_t bytes = static_cast<size_t>(n_vocab * a->n_embd * 2 + a->n_ctx * a->n_embd * 4 +
                                           a->n_layer * (8 * a->n_embd * a->n_embd +
                                                         4 * a->n_embd * a->n_ff) * 4 +
                                           (1 << 20));
  TensorWriter w(out.get(), bytes, /*seed=*/20261203);
  if (!w.ok()) return Error::internal("cannot allocate the sample's tensors");
  if (std::string(a->arch) == "llama") {
    gguf_set_val_u32(out.get(), key(*a, "attention.head_count_kv").c_str(),
                     static_cast<uint32_t>(a->n_head_kv));
    gguf_set_val_u32(out.get(), key(*a, "rope.dimension_count").c_str(),
                     static_cast<uint32_t>(a->n_embd / a->n_head));
    gguf_set_val_f32(out.get(), key(*a, "attention.layer_norm_rms_epsilon").c_str(), 1e-5f);
    gguf_set_val_u32(out.get(), key(*a, "vocab_size").c_str(), static_cast<uint32_t>(n_vocab));
    llamaTensors(*a, n_vocab, w);
  } else {
    gguf_set_val_f32(out.get(), key(*a, "attention.layer_norm_epsilon").c_str(), 1e-12f);
    gguf_set_val_bool(out.get(), key(*a, "attention.causal").c_str(), false);
    gguf_set_val_u32(out.get(), key(*a, "pooling_type").c_str(), 1);  // mean
    gguf_set_val_u32(out.get(), "tokenizer.ggml.token_type_count", static_cast<uint32_t>(n_types));
    bertTensors(*a, n_vocab, n_types, w);
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".partial";
  if (!gguf_write_to_file(out.get(), tmp.c_str(), false)) {
    return Error::internal("cannot write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return Error::internal("cannot rename " + tmp + ": " + ec.message());
  return writeSidecar(*a, path);
}

Result<std::vector<std::string>> writeGgufSamples(const std::string& out_dir,
                                                  const std::string& vocab_dir) {
  std::vector<std::string> paths;
  for (const auto& s : ggufSamples()) {
    const std::string path = out_dir + "/" + s.name + ".gguf";
    if (auto st = writeGgufSample(s.name, path, vocab_dir); !st) return st.error();
    paths.push_back(path);
  }
  return paths;
}

}  // namespace npufleet::worker::llama
