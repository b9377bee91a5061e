#include "worker/OnnxTensor.h"

#include <bit>
#include <cstring>

#include "worker/OnnxModelInfo.h"
#include "worker/ProtobufReader.h"

namespace npufleet::worker {
namespace {
constexpr uint32_t kDims = 1, kDataType = 2, kFloatData = 4, kName = 8, kRawData = 9;
constexpr int64_t kMaxElements = int64_t{1} << 28;

float floatFromBits(uint32_t bits) { return std::bit_cast<float>(bits); }
}  // namespace

Result<OnnxTensor> parseOnnxTensor(std::string_view bytes) {
  OnnxTensor t;
  std::string_view raw;
  bool has_raw = false;
  ProtobufReader r(bytes);
  while (auto f = r.next()) {
    switch (f->number) {
      case kDims:
        if (f->wire_type == ProtobufReader::kVarint) {
          t.dims.push_back(static_cast<int64_t>(f->varint));
        } else if (f->wire_type == ProtobufReader::kLengthDelimited) {
          if (!ProtobufReader::forEachPackedVarint(
                  f->bytes, [&](uint64_t v) { t.dims.push_back(static_cast<int64_t>(v)); })) {
            return Error::badRequest("malformed TensorProto: bad dims");
          }
        }
        break;
      case kDataType:
        if (f->wire_type == ProtobufReader::kVarint) t.data_type = static_cast<int>(f->varint);
        break;
      case kFloatData:
        if (f->wire_type == ProtobufReader::kFixed32) {
          t.values.push_back(floatFromBits(static_cast<uint32_t>(f->varint)));
        } else if (f->wire_type == ProtobufReader::kLengthDelimited) {
          if (f->bytes.size() % 4 != 0) {
            return Error::badRequest("malformed TensorProto: float_data length");
          }
          for (size_t i = 0; i < f->bytes.size(); i += 4) {
            uint32_t bits = 0;
            for (size_t b = 0; b < 4; ++b) {
              bits |= static_cast<uint32_t>(static_cast<uint8_t>(f->bytes[i + b])) << (8 * b);
            }
            t.values.push_back(floatFromBits(bits));
          }
        }
        break;
      case kName:
        if (f->wire_type == ProtobufReader::kLengthDelimited) t.name = std::string(f->bytes);
        break;
      case kRawData:
        if (f->wire_type == ProtobufReader::kLengthDelimited) {
          raw = f->bytes;
          has_raw = true;
        }
        break;
      default:
        break;
    }
  }
  if (r.failed()) return Error::badRequest("malformed TensorProto");
  if (t.data_type != kOnnxFloat) {
    return Error::badRequest("tensor '" + t.name + "' has element type " +
                             std::to_string(t.data_type) + ", only float32 (1) is supported");
  }
  int64_t count = 1;
  for (auto d : t.dims) {
    if (d < 0 || (d != 0 && count > kMaxElements / d)) {
      return Error::badRequest("tensor '" + t.name + "' has an invalid shape");
    }
    count *= d;
  }
  if (has_raw) {
    if (raw.size() != static_cast<size_t>(count) * 4) {
      return Error::badRequest("tensor '" + t.name + "': raw_data holds " +
                               std::to_string(raw.size()) + " bytes, shape needs " +
                               std::to_string(count * 4));
    }
    t.values.resize(static_cast<size_t>(count));
    for (size_t i = 0; i < t.values.size(); ++i) {
      uint32_t bits = 0;
      for (size_t b = 0; b < 4; ++b) {
        bits |= static_cast<uint32_t>(static_cast<uint8_t>(raw[i * 4 + b])) << (8 * b);
      }
      t.values[i] = floatFromBits(bits);
    }
  }
  if (t.values.size() != static_cast<size_t>(count)) {
    return Error::badRequest("tensor '" + t.name + "': " + std::to_string(t.values.size()) +
                             " values for a shape of " + std::to_string(count));
  }
  return t;
}

}  // namespace npufleet::worker
