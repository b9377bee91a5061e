// The models a worker can serve: every `<name>.onnx` in the models directory, with an optional
// `<name>.json` sidecar (displayName, version, description). Tracks which are loaded, and why a
// model failed to load, so that one broken file never stops the others from serving.
// Thread-safe; load() is blocking (file read + OpenCV import) and belongs on an engine thread.
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
};

class ModelRegistry {
 public:
  // Each load tries the file in a child process first (`check`).
  explicit ModelRegistry(std::string models_dir, ModelCheck check = {});

  // Re-reads the directory: new files appear, removed unloaded ones disappear.
  void rescan();
  std::vector<ModelEntry> list();
  bool known(const std::string& name);

  // 404 for an unknown name; the model's own error (400) when it cannot be loaded.
  Status load(const std::string& name);
  // 404 for an unknown name; 409 when it is not loaded.
  Status unload(const std::string& name);
  // 404 unknown, 409 known but not loaded.
  Result<std::shared_ptr<OnnxModel>> get(const std::string& name);
  std::vector<std::string> loadedNames();

  const std::string& directory() const { return dir_; }

 private:
  struct Slot {
    ModelEntry entry;
    int64_t mtime_ns = 0;
    std::shared_ptr<OnnxModel> model;
  };
  void rescanLocked();

  std::string dir_;
  ModelCheck check_;
  std::mutex mu_;
  std::mutex load_mu_;  // one import at a time: imports are memory-heavy
  std::map<std::string, Slot> slots_;
};

}  // namespace npufleet::worker
