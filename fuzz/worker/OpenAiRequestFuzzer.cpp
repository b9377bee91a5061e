// libFuzzer target: the OpenAI-compatible request bodies the worker reads (worker/OpenAiApi.h),
// /v1/chat/completions, /v1/completions and /v1/embeddings, and the answers it writes for them.
//
// Input: byte 0 picks what the rest is:
//   0: a chat body (parseChatRequest)
//   1: a completion body (parseCompletionRequest)
//   2: an embeddings body (parseEmbeddingRequest)
//   3: the same body through all three parsers
//
// Properties (abort = finding): nothing throws; a refusal is a bad request that names a field,
// the message quotes it, and errorJson carries it as "param"; what is accepted keeps the API's
// limits (a valid model name, roles, 1 <= max_tokens <= 1e6, temperature 0-2, top_p in (0, 1],
// at most 4 stops, no empty prompt or embedding input); an accepted request written back as a
// canonical body parses to the same request; every answer shape built for it (whole answer,
// stream chunks, usage chunk, embeddings as floats and base64) is JSON that reads back, and a
// base64 embedding decodes to the same floats bit for bit.
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"
#include "common/ModelName.h"
#include "worker/OpenAiApi.h"

namespace {

using namespace npufleet;
namespace oa = npufleet::worker::openai;
namespace bj = boost::json;

bj::value readBack(const bj::object& o) {
  boost::system::error_code ec;
  auto v = bj::parse(bj::serialize(o), ec);
  if (ec || !v.is_object()) std::abort();
  return v;
}

void checkRefusal(const Error& e) {
  if (e.code != ErrorCode::kBadRequest) std::abort();
  // The field is named in the message; only a duplicated "" key has an empty name.
  if (e.message.find(e.field.empty() ? "''" : e.field) == std::string::npos) std::abort();
  auto v = readBack(oa::errorJson(e));
  const auto& err = v.as_object().at("error").as_object();
  if (err.at("param") != (e.field.empty() ? bj::value(nullptr) : bj::value(e.field))) std::abort();
  if (err.at("message") != bj::value(e.message)) std::abort();
}

void checkGenerationLimits(const oa::GenerationRequest& r) {
  if (!isValidModelName(r.model)) std::abort();
  if (r.chat) {
    if (r.messages.empty()) std::abort();
    for (const auto& m : r.messages) {
      if (m.role != "system" && m.role != "user" && m.role != "assistant") std::abort();
    }
  } else if (r.prompt.empty()) {
    std::abort();
  }
  if (r.max_tokens && (*r.max_tokens < 1 || *r.max_tokens > 1'000'000)) std::abort();
  if (!(r.temperature >= 0 && r.temperature <= 2)) std::abort();
  if (!(r.top_p > 0 && r.top_p <= 1)) std::abort();
  if (r.stop.size() > 4) std::abort();
}

// The request as a client that means exactly what was parsed would send it.
std::string canonicalBody(const oa::GenerationRequest& r) {
  bj::object o{{"model", r.model}, {"temperature", static_cast<double>(r.temperature)},
               {"top_p", static_cast<double>(r.top_p)}, {"stream", r.stream}};
  if (r.chat) {
    bj::array messages;
    for (const auto& m : r.messages) messages.push_back(bj::object{{"role", m.role}, {"content", m.content}});
    o["messages"] = std::move(messages);
  } else {
    o["prompt"] = r.prompt;
  }
  if (r.max_tokens) o["max_completion_tokens"] = *r.max_tokens;
  if (r.seed) o["seed"] = *r.seed;
  if (!r.stop.empty()) {
    bj::array stop;
    for (const auto& s : r.stop) stop.emplace_back(s);
    o["stop"] = std::move(stop);
  }
  if (r.include_usage) o["stream_options"] = bj::object{{"include_usage", true}};
  return bj::serialize(o);
}

bool sameRequest(const oa::GenerationRequest& a, const oa::GenerationRequest& b) {
  if (a.messages.size() != b.messages.size()) return false;
  for (size_t i = 0; i < a.messages.size(); ++i) {
    if (a.messages[i].role != b.messages[i].role || a.messages[i].content != b.messages[i].content) {
      return false;
    }
  }
  return a.model == b.model && a.chat == b.chat && a.prompt == b.prompt &&
         a.max_tokens == b.max_tokens && a.temperature == b.temperature && a.top_p == b.top_p &&
         a.seed == b.seed && a.stop == b.stop && a.stream == b.stream &&
         a.include_usage == b.include_usage;
}

void checkGeneration(const Result<oa::GenerationRequest>& parsed, bool chat) {
  if (!parsed) {
    checkRefusal(parsed.error());
    return;
  }
  const auto& r = *parsed;
  if (r.chat != chat) std::abort();
  checkGenerationLimits(r);
  auto again = chat ? oa::parseChatRequest(canonicalBody(r)) : oa::parseCompletionRequest(canonicalBody(r));
  if (!again || !sameRequest(r, *again)) std::abort();

  // The answers, with text taken from the request (any UTF-8 a client can send).
  const std::string text = chat ? r.messages.back().content : r.prompt;
  const oa::Usage usage{static_cast<int32_t>(text.size()), r.max_tokens.value_or(16)};
  const std::string id = oa::newId(chat);
  auto whole = readBack(oa::completionJson(r, id, 1'700'000'000, text, "stop", usage));
  const auto& choice = whole.as_object().at("choices").as_array().at(0).as_object();
  const auto& got = chat ? choice.at("message").as_object().at("content") : choice.at("text");
  if (got != bj::value(text)) std::abort();
  (void)readBack(oa::chunkJson(r, id, 1'700'000'000, text, true, ""));
  (void)readBack(oa::chunkJson(r, id, 1'700'000'000, "", false, "length"));
  (void)readBack(oa::usageChunkJson(r, id, 1'700'000'000, usage));
}

std::vector<uint8_t> base64Decode(std::string_view s) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (s.size() % 4 != 0) std::abort();
  std::vector<uint8_t> out;
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t n = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int v = value(s[i + k]);
      if (v < 0) {
        if (s[i + k] != '=' || i + 4 != s.size() || k < 2) std::abort();
        ++pad;
      } else if (pad > 0) {
        std::abort();
      }
      n = n << 6 | static_cast<uint32_t>(v < 0 ? 0 : v);
    }
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(n >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(n));
  }
  return out;
}

void checkEmbedding(const Result<oa::EmbeddingRequest>& parsed) {
  if (!parsed) {
    checkRefusal(parsed.error());
    return;
  }
  auto r = *parsed;
  if (!isValidModelName(r.model) || r.input.empty() || r.input.size() > 2048) std::abort();
  for (const auto& s : r.input) {
    if (s.empty()) std::abort();
  }
  // A vector per input made from its bytes, NaN and infinities among the possible values.
  std::vector<std::vector<float>> vectors;
  for (const auto& s : r.input) {
    std::vector<float> v((s.size() + 3) / 4, 0.0f);
    std::memcpy(v.data(), s.data(), s.size());
    vectors.push_back(std::move(v));
  }
  r.base64 = true;
  auto b64 = readBack(oa::embeddingsJson(r, vectors, 7));
  const auto& data = b64.as_object().at("data").as_array();
  if (data.size() != vectors.size()) std::abort();
  for (size_t i = 0; i < data.size(); ++i) {
    auto bytes = base64Decode(data[i].as_object().at("embedding").as_string());
    if (bytes.size() != vectors[i].size() * 4 ||
        std::memcmp(bytes.data(), vectors[i].data(), bytes.size()) != 0) {
      std::abort();
    }
  }
  // As floats: JSON has no NaN or infinity, so only finite vectors are written that way.
  bool finite = true;
  for (const auto& v : vectors) {
    for (float x : v) finite = finite && std::isfinite(x);
  }
  if (finite) {
    r.base64 = false;
    (void)readBack(oa::embeddingsJson(r, vectors, 7));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      checkGeneration(oa::parseChatRequest(body), true);
      break;
    case 1:
      checkGeneration(oa::parseCompletionRequest(body), false);
      break;
    case 2:
      checkEmbedding(oa::parseEmbeddingRequest(body));
      break;
    default:
      checkGeneration(oa::parseChatRequest(body), true);
      checkGeneration(oa::parseCompletionRequest(body), false);
      checkEmbedding(oa::parseEmbeddingRequest(body));
      break;
  }
  return 0;
}
