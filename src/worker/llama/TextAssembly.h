// Turns generated token pieces into text a client can be sent: whole UTF-8 characters only (a
// token may end inside one; invalid bytes, which random or small models produce, become U+FFFD
// so every chunk is valid JSON text), and nothing of a stop string: text that could still turn
// out to begin one is held back until it does not, and generation stops where one appears.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace npufleet::worker::llama {

class TextAssembly {
 public:
  TextAssembly() = default;
  explicit TextAssembly(std::vector<std::string> stop);

  struct Out {
    std::string text;      // safe to send now
    bool stopped = false;  // a stop string appeared; `text` ends before it
  };
  Out add(std::string_view piece);
  // What is still held at the end of generation (an incomplete character becomes U+FFFD).
  std::string flush();

 private:
  std::vector<std::string> stop_;
  std::string held_;
  bool stopped_ = false;
};

// Valid UTF-8 of `in`, each invalid byte replaced by U+FFFD. With `keep_incomplete`, a character
// cut off at the end is not replaced but left in `rest`.
std::string sanitizeUtf8(std::string_view in, bool keep_incomplete, std::string* rest = nullptr);

}  // namespace npufleet::worker::llama
