// The OpenAI-compatible API of the worker (and, later, the control plane): request bodies of
// /v1/chat/completions, /v1/completions and /v1/embeddings parsed and checked (the error names
// the field), and the answers, stream chunks and errors in OpenAI's shapes, so that OpenAI's
// client libraries read them as they read OpenAI's own.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"
#include "worker/llama/LlamaModel.h"

namespace npufleet::worker::openai {

struct GenerationRequest {
  std::string model;
  bool chat = false;
  std::vector<llama::ChatMessage> messages;  // chat
  std::string prompt;                        // completion
  std::optional<int32_t> max_tokens;         // max_tokens or max_completion_tokens
  float temperature = 1.0f;
  float top_p = 1.0f;
  std::optional<uint32_t> seed;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> input;
  bool base64 = false;  // encoding_format "base64" (what OpenAI's Python client asks for)
};

Result<GenerationRequest> parseChatRequest(std::string_view body);
Result<GenerationRequest> parseCompletionRequest(std::string_view body);
Result<EmbeddingRequest> parseEmbeddingRequest(std::string_view body);

struct Usage {
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
};
boost::json::object usageJson(const Usage& u);

// A whole answer (stream: false).
boost::json::object completionJson(const GenerationRequest& r, const std::string& id, int64_t created,
                                   const std::string& text, const std::string& finish_reason,
                                   const Usage& usage);
// One `data:` chunk of a stream. The first chat chunk carries the role; `finish_reason` empty
// means the answer goes on.
boost::json::object chunkJson(const GenerationRequest& r, const std::string& id, int64_t created,
                              const std::string& text, bool first,
                              const std::string& finish_reason);
// The last chunk with stream_options.include_usage: no choices, the usage.
boost::json::object usageChunkJson(const GenerationRequest& r, const std::string& id,
                                   int64_t created, const Usage& usage);

boost::json::object embeddingsJson(const EmbeddingRequest& r,
                                   const std::vector<std::vector<float>>& vectors,
                                   int32_t prompt_tokens);

// {"error": {"message", "type", "param", "code"}}; `type` follows the status as OpenAI's does.
boost::json::object errorJson(const Error& e);

// A fresh "chatcmpl-..." / "cmpl-..." id.
std::string newId(bool chat);

}  // namespace npufleet::worker::openai
