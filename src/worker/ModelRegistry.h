// The models a worker can serve: every `<name>.onnx` (OpenCV DNN, kind "tensor") and every
// `<name>.gguf` (llama.cpp: kind "chat", "completion" or "embedding", from its metadata) in the
// models directory, with an optional `<name>.json` sidecar (displayName, version, description).
// Tracks which are loaded, and why a model failed to load, so that one broken file never stops
// the others from serving. Thread-safe; load() is blocking (file read + import) and belongs on
// an engine thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"
#include "common/ModelName.h"
#include "worker/ModelCheck.h"
#include "worker/OnnxModel.h"
#include "worker/OnnxModelInfo.h"
#include "worker/llama/LlamaModel.h"

namespace npufleet::worker {

struct ModelEntry {
  std::string name;
  std::string path;
  uint64_t size_bytes = 0;
  bool loaded = false;
  std::optional<OnnxModelInfo> info;  // absent when the file could not be parsed
  std::optional<std::string> display_name;
  std::optional<std::string> version;
  std::optional<std::string> description;
  std::optional<std::string> error;  // last parse or load failure
  std::string engine = "opencv";     // "opencv" or "llama"
  std::string kind = "tensor";       // tensor, chat, completion, embedding
  // GGUF models, from the file's metadata (and, once loaded, from llama.cpp).
  std::optional<std::string> architecture;
  std::optional<int64_t> context_length;
  std::optional<int64_t> embedding_dim;
  std::optional<uint64_t> parameters;
};

class ModelRegistry {
 public:
  // Each load tries the file in a child process first (`check`).
  explicit ModelRegistry(std::string models_dir, ModelCheck check = {},
                         llama::LlamaOptions llama_options = {});

  // Re-reads the directory: new files appear, removed unloaded ones disappear.
  void rescan();
  std::vector<ModelEntry> list();
  bool known(const std::string& name);

  // 404 for an unknown name; the model's own error (400) when it cannot be loaded.
  Status load(const std::string& name);
  // 404 for an unknown name; 409 when it is not loaded.
  Status unload(const std::string& name);
  // 404 unknown, 409 known but not loaded; 400 for a GGUF model (it is not a tensor model).
  Result<std::shared_ptr<OnnxModel>> get(const std::string& name);
  // 404 unknown, 409 known but not loaded; 400 for an ONNX model.
  Result<std::shared_ptr<llama::LlamaModel>> getLlm(const std::string& name);
  // The loaded GGUF models (for their KV-cache figures and counters).
  std::vector<std::shared_ptr<llama::LlamaModel>> loadedLlms();
  std::vector<std::string> loadedNames();

  const std::string& directory() const { return dir_; }

 private:
  struct Slot {
    ModelEntry entry;
    int64_t mtime_ns = 0;
    std::shared_ptr<OnnxModel> model;
    std::shared_ptr<llama::LlamaModel> llm;
    bool isLoaded() const { return model != nullptr || llm != nullptr; }
  };
  Status loadGguf(const std::string& name, const std::string& path);
  // Records why `name` failed to load (shown in /models) and returns the error for the caller.
  Status loadFailed(const std::string& name, Error err);
  void rescanLocked();

  std::string dir_;
  ModelCheck check_;
  llama::LlamaOptions llama_options_;
  std::mutex mu_;
  std::mutex load_mu_;  // one import at a time: imports are memory-heavy
  std::map<std::string, Slot> slots_;
};

}  // namespace npufleet::worker
