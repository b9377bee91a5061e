// Trying a model file in a separate process before the worker loads it. OpenCV's ONNX importer
// (and, for GGUF, llama.cpp's loader) kill the process on some malformed files; the worker must
// refuse such a file and live on.
//
// The check runs `<binary> models check FILE` (the npufleet binary) in a fresh process started
// with posix_spawn, so nothing of the worker's threads or locks carries over. A plain fork of
// the worker would not be safe: another thread may hold the allocator's or a library's lock at
// that moment, and the child would wait on it forever. Without a binary (unit tests, fuzzers,
// which are single-threaded), the check forks and runs `in_child` there instead.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/Error.h"

namespace npufleet::worker {

struct ModelCheck {
  std::string binary;  // the npufleet binary; empty: fork and run in_child
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  bool skip = false;  // this process is the check (`npufleet models check`): load directly
};

// Ok when the child finishes (exit 0). A child that exits 1 is a refusal whose reason is the
// last line it wrote on stderr; one killed by a signal, exiting otherwise, or not done in time
// is reported as such.
// `what` names the engine in messages ("OpenCV's importer"). Blocking.
Status checkModelInChild(const ModelCheck& check, const std::string& file, const std::string& what,
                         const std::function<void()>& in_child);

// The npufleet binary this process runs (/proc/self/exe), for ModelCheck::binary.
std::string currentExecutable();

}  // namespace npufleet::worker
