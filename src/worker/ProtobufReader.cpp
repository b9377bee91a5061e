#include "worker/ProtobufReader.h"

namespace npufleet::worker {

std::optional<uint64_t> ProtobufReader::readVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return std::nullopt;
    auto byte = static_cast<uint8_t>(data_[pos_++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;  // more than 10 bytes: not a varint
}

std::optional<ProtobufReader::Field> ProtobufReader::next() {
  if (failed_ || atEnd()) return std::nullopt;
  auto fail = [this]() -> std::optional<Field> {
    failed_ = true;
    return std::nullopt;
  };
  auto key = readVarint();
  if (!key) return fail();
  Field f;
  f.number = static_cast<uint32_t>(*key >> 3);
  if (f.number == 0 || *key >> 3 > 0x1fffffff) return fail();
  switch (*key & 7) {
    case kVarint: {
      auto v = readVarint();
      if (!v) return fail();
      f.wire_type = kVarint;
      f.varint = *v;
      return f;
    }
    case kFixed64:
    case kFixed32: {
      size_t n = (*key & 7) == kFixed64 ? 8 : 4;
      if (data_.size() - pos_ < n) return fail();
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
      }
      pos_ += n;
      f.wire_type = n == 8 ? kFixed64 : kFixed32;
      f.varint = v;
      return f;
    }
    case kLengthDelimited: {
      auto len = readVarint();
      if (!len || *len > data_.size() - pos_) return fail();
      f.wire_type = kLengthDelimited;
      f.bytes = data_.substr(pos_, static_cast<size_t>(*len));
      pos_ += static_cast<size_t>(*len);
      return f;
    }
    default:
      return fail();  // groups (3, 4) are not used by ONNX
  }
}

}  // namespace npufleet::worker
