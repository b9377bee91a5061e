// The GGUF sample models the project makes itself (no pretrained weights can be fetched here):
// real architectures with random weights and real tokenizers. Each file takes its tokenizer
// (vocabulary, scores, merges, special tokens, chat template) from one of llama.cpp's
// models/ggml-vocab-*.gguf files and adds tensors of the architecture, filled from a fixed seed.
// What they answer is gibberish, and their sidecar says so; the engine runs them exactly as it
// runs a trained model of the same architecture.
#pragma once

#include <string>
#include <vector>

#include "common/Error.h"

namespace npufleet::worker::llama {

struct GgufSample {
  std::string name;         // file stem: <name>.gguf and <name>.json
  std::string description;  // for the sidecar
};

// The samples: `tiny-chat` (llama architecture, Phi-3's tokenizer and chat template) and
// `tiny-embed` (BERT architecture, BGE's WordPiece tokenizer, mean pooling).
std::vector<GgufSample> ggufSamples();

// Writes every sample (.gguf and its .json sidecar) into `out_dir`, reading the tokenizers from
// `vocab_dir` (llama.cpp's models/; NPUFLEET_LLAMA_VOCAB_DIR by default). Returns the paths.
Result<std::vector<std::string>> writeGgufSamples(const std::string& out_dir,
                                                  const std::string& vocab_dir = {});

// One sample by name, into `path`.
Status writeGgufSample(const std::string& name, const std::string& path,
                       const std::string& vocab_dir = {});

// Where the tokenizer vocabularies are (empty when the build has none).
std::string defaultVocabDir();

}  // namespace npufleet::worker::llama
