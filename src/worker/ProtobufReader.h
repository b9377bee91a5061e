// A minimal, bounds-checked protobuf wire-format reader: just enough to walk ONNX ModelProto,
// GraphProto, ValueInfoProto and TensorProto without a protobuf library. Every read checks the
// remaining length, so truncated or hostile bytes yield an error, never an out-of-bounds read.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace npufleet::worker {

class ProtobufReader {
 public:
  enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  struct Field {
    uint32_t number = 0;
    WireType wire_type = kVarint;
    uint64_t varint = 0;         // kVarint, kFixed64, kFixed32 (raw bits)
    std::string_view bytes;      // kLengthDelimited
  };

  explicit ProtobufReader(std::string_view data) : data_(data) {}

  bool atEnd() const { return pos_ >= data_.size(); }
  // The next field, or nullopt at the end or on malformed input (then failed() is true).
  std::optional<Field> next();
  bool failed() const { return failed_; }

  // Reads a packed run of varints from `bytes` (repeated int64 dims). False on malformed input.
  template <typename F>
  static bool forEachPackedVarint(std::string_view bytes, F&& f) {
    ProtobufReader r(bytes);
    while (!r.atEnd()) {
      auto v = r.readVarint();
      if (!v) return false;
      f(*v);
    }
    return true;
  }

 private:
  std::optional<uint64_t> readVarint();

  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace npufleet::worker
