#include "worker/llama/TextAssembly.h"

#include <algorithm>

namespace npufleet::worker::llama {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the UTF-8 sequence starting at `in[i]` if it is valid and complete; 0 if invalid;
// -1 if it is a valid start cut off by the end of `in`.
int sequenceLength(std::string_view in, size_t i) {
  const auto c = static_cast<unsigned char>(in[i]);
  int len = 0;
  unsigned min = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  unsigned cp = c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    if (i + static_cast<size_t>(k) >= in.size()) return -1;
    const auto d = static_cast<unsigned char>(in[i + static_cast<size_t>(k)]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::string sanitizeUtf8(std::string_view in, bool keep_incomplete, std::string* rest) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const int len = sequenceLength(in, i);
    if (len > 0) {
      out.append(in.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    } else if (len < 0 && keep_incomplete) {
      if (rest) *rest = std::string(in.substr(i));
      return out;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  if (rest) rest->clear();
  return out;
}

TextAssembly::TextAssembly(std::vector<std::string> stop) : stop_(std::move(stop)) {
  std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
}

TextAssembly::Out TextAssembly::add(std::string_view piece) {
  Out out;
  if (stopped_) {
    out.stopped = true;
    return out;
  }
  held_.append(piece);
  // A stop string anywhere in what is held: the text ends before the first one.
  size_t first = std::string::npos;
  for (const auto& s : stop_) first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    out.text = sanitizeUtf8(std::string_view(held_).substr(0, first), false);
    held_.clear();
    stopped_ = true;
    out.stopped = true;
    return out;
  }
  // Hold back the longest tail that could begin a stop string.
  size_t keep = 0;
  for (const auto& s : stop_) {
    for (size_t n = std::min(s.size() - 1, held_.size()); n > keep; --n) {
      if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
        keep = n;
        break;
      }
    }
  }
  std::string rest;
  out.text = sanitizeUtf8(std::string_view(held_).substr(0, held_.size() - keep), true, &rest);
  held_ = rest + held_.substr(held_.size() - keep);
  return out;
}

std::string TextAssembly::flush() {
  if (stopped_) return {};
  std::string out = sanitizeUtf8(held_, false);
  held_.clear();
  return out;
}

}  // namespace npufleet::worker::llama
