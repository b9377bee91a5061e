#include "worker/OpenAiApi.h"

#include <boost/json.hpp>
#include <cstring>
#include <random>

#include "common/Json.h"
#include "common/ModelName.h"

namespace npufleet::worker::openai {
namespace bj = boost::json;
namespace {

constexpr size_t kMaxStops = 4;      // as OpenAI's API
constexpr size_t kMaxInputs = 2048;  // embedding inputs per request, as OpenAI's API

Status badField(const std::string& field, const std::string& message) {
  return Error::badRequest("'" + field + "' " + message, field);
}

Result<std::string> requireModel(const bj::object& o) {
  auto m = json::optString(o, "model");
  if (!m) return m.error();
  if (!*m || (*m)->empty()) return Error::badRequest("'model' is required", "model");
  if (!isValidModelName(**m)) {
    return Error::badRequest("'model' must match [A-Za-z0-9._-]{1,128}", "model");
  }
  return **m;
}

// Fields every generation request shares.
Status parseSampling(const bj::object& o, GenerationRequest& r) {
  for (const char* f : {"max_tokens", "max_completion_tokens"}) {
    auto v = json::optInt(o, f);
    if (!v) return v.error();
    if (*v) {
      if (**v < 1 || **v > 1'000'000) return badField(f, "must be between 1 and 1000000");
      r.max_tokens = static_cast<int32_t>(**v);
    }
  }
  auto temp = json::optNumber(o, "temperature");
  if (!temp) return temp.error();
  if (*temp) {
    if (**temp < 0 || **temp > 2) return badField("temperature", "must be between 0 and 2");
    r.temperature = static_cast<float>(**temp);
  }
  auto top_p = json::optNumber(o, "top_p");
  if (!top_p) return top_p.error();
  if (*top_p) {
    if (**top_p <= 0 || **top_p > 1) return badField("top_p", "must be above 0 and at most 1");
    r.top_p = static_cast<float>(**top_p);
  }
  auto seed = json::optInt(o, "seed");
  if (!seed) return seed.error();
  if (*seed) r.seed = static_cast<uint32_t>(static_cast<uint64_t>(**seed) & 0xffffffffu);
  auto n = json::optInt(o, "n");
  if (!n) return n.error();
  if (*n && **n != 1) return badField("n", "must be 1 (one choice per request)");
  if (auto* stop = o.if_contains("stop"); stop && !stop->is_null()) {
    if (stop->is_string()) {
      r.stop.emplace_back(stop->as_string());
    } else if (stop->is_array()) {
      for (const auto& s : stop->as_array()) {
        if (!s.is_string()) return badField("stop", "must be a string or a list of strings");
        r.stop.emplace_back(s.as_string());
      }
    } else {
      return badField("stop", "must be a string or a list of strings");
    }
    if (r.stop.size() > kMaxStops) return badField("stop", "holds at most 4 strings");
  }
  auto stream = json::optBool(o, "stream");
  if (!stream) return stream.error();
  r.stream = stream->value_or(false);
  if (auto* so = o.if_contains("stream_options"); so && !so->is_null()) {
    if (!so->is_object()) return badField("stream_options", "must be an object");
    auto usage = json::optBool(so->as_object(), "include_usage");
    if (!usage) return badField("stream_options.include_usage", "must be a boolean");
    r.include_usage = usage->value_or(false);
  }
  auto user = json::optString(o, "user");
  if (!user) return user.error();
  return okStatus();
}

}  // namespace

Result<GenerationRequest> parseChatRequest(std::string_view body) {
  auto o = json::parseObject(body);
  if (!o) return o.error();
  GenerationRequest r;
  r.chat = true;
  auto model = requireModel(*o);
  if (!model) return model.error();
  r.model = *model;
  auto* messages = o->if_contains("messages");
  if (!messages) return Error::badRequest("'messages' is required", "messages");
  if (!messages->is_array()) return Error::badRequest("'messages' must be a list", "messages");
  if (messages->as_array().empty()) {
    return Error::badRequest("'messages' must hold at least one message", "messages");
  }
  size_t i = 0;
  for (const auto& m : messages->as_array()) {
    const std::string at = "messages[" + std::to_string(i++) + "]";
    if (!m.is_object()) return Error::badRequest("'" + at + "' must be an object", "messages");
    const auto& mo = m.as_object();
    auto role = json::optString(mo, "role");
    if (!role || !*role) return Error::badRequest("'" + at + ".role' must be a string", "messages");
    if (**role != "system" && **role != "user" && **role != "assistant" && **role != "developer") {
      return Error::badRequest("'" + at + ".role' must be system, user or assistant, not '" +
                                   **role + "'",
                               "messages");
    }
    std::string content;
    const auto* c = mo.if_contains("content");
    if (c && c->is_string()) {
      content = std::string(c->as_string());
    } else if (c && c->is_array()) {
      // Content parts: the text ones are read; any other kind is not served here.
      for (const auto& part : c->as_array()) {
        const auto* po = part.if_object();
        const auto* type = po ? po->if_contains("type") : nullptr;
        const auto* text = po ? po->if_contains("text") : nullptr;
        if (!type || !type->is_string() || type->as_string() != "text" || !text ||
            !text->is_string()) {
          return Error::badRequest("'" + at + ".content' parts must be {\"type\": \"text\", "
                                   "\"text\": ...}; other kinds are not served by this model",
                                   "messages");
        }
        content += std::string(text->as_string());
      }
    } else if (!(c && c->is_null() && **role == "assistant")) {
      return Error::badRequest("'" + at + ".content' must be a string", "messages");
    }
    r.messages.push_back({**role == "developer" ? "system" : **role, std::move(content)});
  }
  if (auto st = parseSampling(*o, r); !st) return st.error();
  return r;
}

Result<GenerationRequest> parseCompletionRequest(std::string_view body) {
  auto o = json::parseObject(body);
  if (!o) return o.error();
  GenerationRequest r;
  auto model = requireModel(*o);
  if (!model) return model.error();
  r.model = *model;
  const auto* p = o->if_contains("prompt");
  if (!p) return Error::badRequest("'prompt' is required", "prompt");
  if (p->is_string()) {
    r.prompt = std::string(p->as_string());
  } else if (p->is_array() && p->as_array().size() == 1 && p->as_array()[0].is_string()) {
    r.prompt = std::string(p->as_array()[0].as_string());
  } else {
    return Error::badRequest("'prompt' must be a string (or a list of one string)", "prompt");
  }
  if (r.prompt.empty()) return Error::badRequest("'prompt' must not be empty", "prompt");
  if (auto st = parseSampling(*o, r); !st) return st.error();
  return r;
}

Result<EmbeddingRequest> parseEmbeddingRequest(std::string_view body) {
  auto o = json::parseObject(body);
  if (!o) return o.error();
  EmbeddingRequest r;
  auto model = requireModel(*o);
  if (!model) return model.error();
  r.model = *model;
  const auto* in = o->if_contains("input");
  if (!in) return Error::badRequest("'input' is required", "input");
  if (in->is_string()) {
    r.input.emplace_back(in->as_string());
  } else if (in->is_array()) {
    for (const auto& s : in->as_array()) {
      if (!s.is_string()) {
        return Error::badRequest("'input' must be a string or a list of strings (token ids are "
                                 "not accepted)",
                                 "input");
      }
      r.input.emplace_back(s.as_string());
    }
  } else {
    return Error::badRequest("'input' must be a string or a list of strings", "input");
  }
  if (r.input.empty()) return Error::badRequest("'input' must not be empty", "input");
  if (r.input.size() > kMaxInputs) {
    return Error::badRequest("'input' holds at most 2048 strings", "input");
  }
  for (size_t i = 0; i < r.input.size(); ++i) {
    if (r.input[i].empty()) {
      return Error::badRequest("'input[" + std::to_string(i) + "]' is empty", "input");
    }
  }
  auto enc = json::optString(*o, "encoding_format");
  if (!enc) return enc.error();
  if (*enc && **enc != "float" && **enc != "base64") {
    return Error::badRequest("'encoding_format' must be float or base64", "encoding_format");
  }
  r.base64 = *enc && **enc == "base64";
  auto dims = json::optInt(*o, "dimensions");
  if (!dims) return dims.error();
  if (*dims) return Error::badRequest("'dimensions' is not supported: the model's own is used",
                                      "dimensions");
  return r;
}

bj::object usageJson(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

bj::object completionJson(const GenerationRequest& r, const std::string& id, int64_t created,
                          const std::string& text, const std::string& finish_reason,
                          const Usage& usage) {
  bj::object choice{{"index", 0}, {"finish_reason", finish_reason}, {"logprobs", nullptr}};
  if (r.chat) {
    choice["message"] = bj::object{{"role", "assistant"}, {"content", text}};
  } else {
    choice["text"] = text;
  }
  return {{"id", id},
          {"object", r.chat ? "chat.completion" : "text_completion"},
          {"created", created},
          {"model", r.model},
          {"choices", bj::array{std::move(choice)}},
          {"usage", usageJson(usage)}};
}

bj::object chunkJson(const GenerationRequest& r, const std::string& id, int64_t created,
                     const std::string& text, bool first, const std::string& finish_reason) {
  bj::object choice{{"index", 0}, {"logprobs", nullptr}};
  if (finish_reason.empty()) {
    choice["finish_reason"] = nullptr;
  } else {
    choice["finish_reason"] = finish_reason;
  }
  if (r.chat) {
    bj::object delta;
    if (first) delta["role"] = "assistant";
    if (!text.empty() || finish_reason.empty()) delta["content"] = text;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  bj::object out{{"id", id},
                 {"object", r.chat ? "chat.completion.chunk" : "text_completion"},
                 {"created", created},
                 {"model", r.model},
                 {"choices", bj::array{std::move(choice)}}};
  if (r.include_usage) out["usage"] = nullptr;
  return out;
}

bj::object usageChunkJson(const GenerationRequest& r, const std::string& id, int64_t created,
                          const Usage& usage) {
  return {{"id", id},
          {"object", r.chat ? "chat.completion.chunk" : "text_completion"},
          {"created", created},
          {"model", r.model},
          {"choices", bj::array{}},
          {"usage", usageJson(usage)}};
}

namespace {
std::string base64Floats(const std::vector<float>& v) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());  // little-endian float32, as OpenAI's
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                       uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(n >> (6 * k)) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}
}  // namespace

bj::object embeddingsJson(const EmbeddingRequest& r, const std::vector<std::vector<float>>& vectors,
                          int32_t prompt_tokens) {
  bj::array data;
  for (size_t i = 0; i < vectors.size(); ++i) {
    bj::object e{{"object", "embedding"}, {"index", i}};
    if (r.base64) {
      e["embedding"] = base64Floats(vectors[i]);
    } else {
      bj::array v;
      v.reserve(vectors[i].size());
      for (float x : vectors[i]) v.push_back(static_cast<double>(x));
      e["embedding"] = std::move(v);
    }
    data.push_back(std::move(e));
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", r.model},
          {"usage", bj::object{{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

bj::object errorJson(const Error& e) {
  const int status = httpStatus(e.code);
  const char* type = "invalid_request_error";
  const char* code = nullptr;
  if (status == 401) type = "authentication_error";
  if (status == 403) type = "permission_error";
  if (status == 404) code = "model_not_found";
  if (status == 429) type = "rate_limit_error";
  if (status >= 500) type = status == 503 ? "overloaded_error" : "server_error";
  if (e.message.find("context per request") != std::string::npos) code = "context_length_exceeded";
  bj::object err{{"message", e.message}, {"type", type}};
  if (e.field.empty()) {
    err["param"] = nullptr;
  } else {
    err["param"] = e.field;
  }
  if (code) {
    err["code"] = code;
  } else {
    err["code"] = nullptr;
  }
  return {{"error", std::move(err)}};
}

std::string newId(bool chat) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id = chat ? "chatcmpl-" : "cmpl-";
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) id += kHex[(a >> (4 * i)) & 15];
  for (int i = 0; i < 8; ++i) id += kHex[(b >> (4 * i)) & 15];
  return id;
}

}  // namespace npufleet::worker::openai
