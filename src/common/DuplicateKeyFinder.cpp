#include "common/DuplicateKeyFinder.h"

#include <boost/json/basic_parser_impl.hpp>

#include <unordered_set>
#include <vector>

namespace npufleet::json {
namespace {

using boost::json::error_code;
using boost::json::string_view;

// Keys only: no values are built, so the check costs a fraction of the parse it follows.
struct KeyHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;  // the object's current key
    std::unordered_set<std::string> keys;
  };
  std::vector<Frame> frames;
  std::string key;
  std::optional<std::string> duplicate;

  std::string path() const {
    std::string p;
    for (const auto& f : frames) {
      if (f.array) {
        p += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty() || !f.keys.empty()) {
        if (!p.empty()) p += ".";
        p += f.key;
      }
    }
    return p;
  }
  // A value of the enclosing array is complete.
  bool value() {
    if (!frames.empty() && frames.back().array) ++frames.back().index;
    return true;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    frames.push_back({});
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    frames.pop_back();
    return value();
  }
  bool on_array_begin(error_code&) {
    frames.push_back({true, 0, {}, {}});
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    frames.pop_back();
    return value();
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    key.append(s.data(), s.size());
    Frame& f = frames.back();
    f.key = key;
    if (!f.keys.insert(std::move(key)).second) {
      duplicate = path();
      ec = boost::json::error::syntax;  // stop here; the caller reads `duplicate`
      key.clear();
      return false;
    }
    key.clear();
    return true;
  }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return value(); }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(int64_t, string_view, error_code&) { return value(); }
  bool on_uint64(uint64_t, string_view, error_code&) { return value(); }
  bool on_double(double, string_view, error_code&) { return value(); }
  bool on_bool(bool, error_code&) { return value(); }
  bool on_null(error_code&) { return value(); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

std::optional<std::string> DuplicateKeyFinder::find(std::string_view text) {
  boost::json::basic_parser<KeyHandler> parser{boost::json::parse_options{}};
  error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  return std::move(parser.handler().duplicate);
}

}  // namespace npufleet::json
