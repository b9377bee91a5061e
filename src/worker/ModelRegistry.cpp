#include "worker/ModelRegistry.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/Json.h"

namespace npufleet::worker {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kMaxModelBytes = uint64_t{2} * 1024 * 1024 * 1024;
constexpr uint64_t kMaxSidecarBytes = 64 * 1024;

std::optional<std::string> readFile(const fs::path& p, uint64_t limit, std::string& why) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) {
    why = ec.message();
    return std::nullopt;
  }
  if (size > limit) {
    why = "file is larger than " + std::to_string(limit) + " bytes";
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    why = "cannot open the file";
    return std::nullopt;
  }
  std::string data(static_cast<size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (!in) {
    why = "short read";
    return std::nullopt;
  }
  return data;
}

// What a GGUF file says it is, from its header alone (the model is not loaded).
void describeGguf(const std::string& path, ModelEntry& e) {
  e.engine = "llama";
  e.kind = "completion";
#ifdef NPUFLEET_HAS_LLAMA
  auto summary = llama::readGgufSummary(path);
  if (!summary) {
    e.error = summary.error().message;
    return;
  }
  e.kind = llama::llmKindName(summary->kind);
  e.architecture = summary->architecture;
  if (summary->context_length) e.context_length = summary->context_length;
  if (summary->embedding_dim) e.embedding_dim = summary->embedding_dim;
  if (summary->parameters) e.parameters = summary->parameters;
#else
  (void)path;
  e.error = "this worker was built without the llama.cpp engine (NPUFLEET_LLAMA=OFF)";
#endif
}

void readSidecar(const fs::path& p, ModelEntry& e) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return;
  std::string why;
  auto text = readFile(p, kMaxSidecarBytes, why);
  if (!text) {
    e.error = "sidecar " + p.filename().string() + ": " + why;
    return;
  }
  auto obj = json::parseObject(*text);
  if (!obj) {
    e.error = "sidecar " + p.filename().string() + ": " + obj.error().message;
    return;
  }
  auto get = [&](const char* field, std::optional<std::string>& out) {
    auto v = json::optString(*obj, field);
    if (!v) {
      e.error = "sidecar " + p.filename().string() + ": " + v.error().message;
    } else {
      out = *v;
    }
  };
  get("displayName", e.display_name);
  get("version", e.version);
  get("description", e.description);
}

}  // namespace

ModelRegistry::ModelRegistry(std::string models_dir, ModelCheck check,
                             llama::LlamaOptions llama_options)
    : dir_(std::move(models_dir)), check_(std::move(check)), llama_options_(llama_options) {
  rescan();
}

void ModelRegistry::rescan() {
  std::lock_guard lock(mu_);
  rescanLocked();
}

void ModelRegistry::rescanLocked() {
  std::map<std::string, bool> present;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    const bool gguf = p.extension() == ".gguf";
    if (p.extension() != ".onnx" && !gguf) continue;
    std::error_code sec;
    if (!it->is_regular_file(sec)) continue;
    std::string name = p.stem().string();
    if (!isValidModelName(name)) continue;
    // One file per name: an ONNX file and a GGUF file of the same stem, the ONNX one serves.
    if (gguf && fs::exists(fs::path(dir_) / (name + ".onnx"), sec)) continue;
    present[name] = true;
    auto size = fs::file_size(p, sec);
    auto mtime = fs::last_write_time(p, sec).time_since_epoch().count();
    auto& slot = slots_[name];
    if (slot.entry.path == p.string() && slot.mtime_ns == mtime && slot.entry.size_bytes == size) {
      continue;  // unchanged; keep its parsed info and load state
    }
    slot.mtime_ns = mtime;
    ModelEntry e;
    e.name = name;
    e.path = p.string();
    e.size_bytes = size;
    e.loaded = slot.isLoaded();
    std::string why;
    if (gguf) {
      describeGguf(p.string(), e);
      readSidecar(fs::path(dir_) / (name + ".json"), e);
      slot.entry = std::move(e);
      continue;
    }
    auto bytes = readFile(p, kMaxModelBytes, why);
    if (!bytes) {
      e.error = why;
    } else {
      auto info = parseOnnxModel(*bytes);
      if (info) {
        e.info = std::move(*info);
      } else {
        e.error = info.error().message;
      }
    }
    readSidecar(fs::path(dir_) / (name + ".json"), e);
    slot.entry = std::move(e);
  }
  for (auto it = slots_.begin(); it != slots_.end();) {
    // A loaded model whose file vanished keeps serving until it is unloaded.
    if (!present.contains(it->first) && !it->second.isLoaded()) {
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<ModelEntry> ModelRegistry::list() {
  std::lock_guard lock(mu_);
  rescanLocked();
  std::vector<ModelEntry> out;
  for (const auto& [name, slot] : slots_) out.push_back(slot.entry);
  return out;
}

bool ModelRegistry::known(const std::string& name) {
  if (!isValidModelName(name)) return false;
  std::lock_guard lock(mu_);
  if (!slots_.contains(name)) rescanLocked();
  return slots_.contains(name);
}

namespace {
std::string llmEndpoint(const std::string& kind) {
  if (kind == "embedding") return "/v1/embeddings";
  if (kind == "chat") return "/v1/chat/completions and /v1/completions";
  return "/v1/completions";
}

// Callers see the name, not where the models live on the worker's disk.
Error unknownModel(const std::string& name) {
  return Error::notFound("no model named '" + name + "' in the worker's models directory");
}
}  // namespace

Status ModelRegistry::load(const std::string& name) {
  if (!known(name)) return unknownModel(name);
  std::lock_guard load_lock(load_mu_);
  std::string path;
  {
    std::lock_guard lock(mu_);
    auto& slot = slots_.at(name);
    if (slot.isLoaded()) return okStatus();  // already loaded: loading is idempotent
    path = slot.entry.path;
  }
  if (fs::path(path).extension() == ".gguf") return loadGguf(name, path);
  auto fail = [&](Error err) { return loadFailed(name, std::move(err)); };
  std::string why;
  auto bytes = readFile(path, kMaxModelBytes, why);
  if (!bytes) return fail(Error::badRequest(why));
  auto info = parseOnnxModel(*bytes);
  if (!info) return fail(info.error());
  auto model = OnnxModel::load(name, std::move(*bytes), *info, check_, path);
  if (!model) return fail(model.error());
  std::lock_guard lock(mu_);
  auto& slot = slots_[name];
  slot.model = std::move(*model);
  slot.entry.loaded = true;
  slot.entry.info = std::move(*info);
  slot.entry.error.reset();
  return okStatus();
}

Status ModelRegistry::loadFailed(const std::string& name, Error err) {
  std::lock_guard lock(mu_);
  if (auto it = slots_.find(name); it != slots_.end()) it->second.entry.error = err.message;
  err.message = "cannot load model '" + name + "': " + err.message;
  err.field = "model";
  return err;
}

Status ModelRegistry::loadGguf(const std::string& name, const std::string& path) {
  auto fail = [&](Error err) { return loadFailed(name, std::move(err)); };
#ifdef NPUFLEET_HAS_LLAMA
  if (auto st = llama::checkGgufHeader(path); !st) return fail(st.error());
  if (auto st = llama::checkFitsInMemory(path); !st) return fail(st.error());
  if (auto st = checkModelInChild(check_, path, "llama.cpp's loader",
                                  [&] { (void)llama::checkGgufLoads(path); });
      !st) {
    return fail(st.error());
  }
  auto model = llama::LlamaModel::load(name, path, llama_options_);
  if (!model) return fail(model.error());
  std::lock_guard lock(mu_);
  auto& slot = slots_[name];
  const auto& info = (*model)->info();
  slot.entry.kind = llama::llmKindName(info.kind);
  slot.entry.architecture = info.architecture;
  slot.entry.context_length = info.context_length;
  slot.entry.embedding_dim = info.embedding_dim;
  slot.entry.parameters = info.parameters;
  slot.llm = std::move(*model);
  slot.entry.loaded = true;
  slot.entry.error.reset();
  return okStatus();
#else
  (void)path;
  return fail(Error::badRequest("this worker was built without the llama.cpp engine"));
#endif
}

Status ModelRegistry::unload(const std::string& name) {
  if (!known(name)) return unknownModel(name);
  std::lock_guard lock(mu_);
  auto& slot = slots_.at(name);
  if (!slot.isLoaded()) return Error::conflict("model '" + name + "' is not loaded", "model");
  // Runs in flight hold their own reference and finish normally.
  slot.model.reset();
  slot.llm.reset();
  slot.entry.loaded = false;
  return okStatus();
}

Result<std::shared_ptr<OnnxModel>> ModelRegistry::get(const std::string& name) {
  if (!known(name)) return Error::notFound("no model named '" + name + "'");
  std::lock_guard lock(mu_);
  auto& slot = slots_.at(name);
  if (slot.entry.engine == "llama") {
    return Error::badRequest("model '" + name + "' is a " + slot.entry.kind +
                                 " model; it is served on " + llmEndpoint(slot.entry.kind),
                             "model");
  }
  if (!slot.model) {
    return Error::conflict("model '" + name + "' is not loaded; POST /models/" + name + "/load",
                           "model");
  }
  return slot.model;
}

Result<std::shared_ptr<llama::LlamaModel>> ModelRegistry::getLlm(const std::string& name) {
  if (!known(name)) return Error::notFound("no model named '" + name + "'");
  std::lock_guard lock(mu_);
  auto& slot = slots_.at(name);
  if (slot.entry.engine != "llama") {
    return Error::badRequest("model '" + name + "' is a tensor model; it is served on "
                             "/inference and /v2/models/" + name + "/infer",
                             "model");
  }
  if (!slot.llm) {
    return Error::conflict("model '" + name + "' is not loaded; POST /models/" + name + "/load",
                           "model");
  }
  return slot.llm;
}

std::vector<std::shared_ptr<llama::LlamaModel>> ModelRegistry::loadedLlms() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<llama::LlamaModel>> out;
  for (const auto& [name, slot] : slots_) {
    if (slot.llm) out.push_back(slot.llm);
  }
  return out;
}

std::vector<std::string> ModelRegistry::loadedNames() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, slot] : slots_) {
    if (slot.isLoaded()) out.push_back(name);
  }
  return out;
}

}  // namespace npufleet::worker
