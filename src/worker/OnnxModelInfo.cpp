#include "worker/OnnxModelInfo.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/ProtobufReader.h"

namespace npufleet::worker {
namespace {

// Field numbers from onnx.proto (stable since IR version 1).
namespace model_field {
constexpr uint32_t kIrVersion = 1, kProducerName = 2, kGraph = 7, kOpsetImport = 8;
}
namespace opset_field {
constexpr uint32_t kDomain = 1, kVersion = 2;
}
namespace graph_field {
constexpr uint32_t kNode = 1, kInitializer = 5, kInput = 11, kOutput = 12;
}
namespace node_field {
constexpr uint32_t kInput = 1, kOutput = 2, kOpType = 4;
}
namespace value_info_field {
constexpr uint32_t kName = 1, kType = 2;
}
namespace type_field {
constexpr uint32_t kTensorType = 1;
}
namespace tensor_type_field {
constexpr uint32_t kElemType = 1, kShape = 2;
}
namespace shape_field {
constexpr uint32_t kDim = 1;
}
namespace dim_field {
constexpr uint32_t kDimValue = 1, kDimParam = 2;
}
namespace tensor_field {
constexpr uint32_t kName = 8;
}

Error malformed(const std::string& what) {
  return Error::badRequest("malformed ONNX model: " + what);
}

Result<int64_t> parseDim(std::string_view bytes) {
  ProtobufReader r(bytes);
  int64_t value = -1;
  while (auto f = r.next()) {
    if (f->number == dim_field::kDimValue && f->wire_type == ProtobufReader::kVarint) {
      auto v = static_cast<int64_t>(f->varint);
      value = v >= 0 ? v : -1;
    } else if (f->number == dim_field::kDimParam) {
      value = -1;
    }
  }
  if (r.failed()) return malformed("bad tensor shape dimension");
  return value;
}

Status parseTensorType(std::string_view bytes, TensorSpec& spec) {
  ProtobufReader r(bytes);
  while (auto f = r.next()) {
    if (f->number == tensor_type_field::kElemType && f->wire_type == ProtobufReader::kVarint) {
      spec.elem_type = static_cast<int>(f->varint);
    } else if (f->number == tensor_type_field::kShape &&
               f->wire_type == ProtobufReader::kLengthDelimited) {
      spec.has_shape = true;
      ProtobufReader shape(f->bytes);
      while (auto d = shape.next()) {
        if (d->number != shape_field::kDim || d->wire_type != ProtobufReader::kLengthDelimited)
          continue;
        auto dim = parseDim(d->bytes);
        if (!dim) return dim.error();
        if (spec.shape.size() >= 64) return malformed("tensor '" + spec.name + "' has > 64 dims");
        spec.shape.push_back(*dim);
      }
      if (shape.failed()) return malformed("bad shape of '" + spec.name + "'");
    }
  }
  if (r.failed()) return malformed("bad tensor type of '" + spec.name + "'");
  return okStatus();
}

Result<TensorSpec> parseValueInfo(std::string_view bytes) {
  TensorSpec spec;
  std::string_view type_bytes;
  bool has_type = false;
  ProtobufReader r(bytes);
  while (auto f = r.next()) {
    if (f->wire_type != ProtobufReader::kLengthDelimited) continue;
    if (f->number == value_info_field::kName) {
      spec.name = std::string(f->bytes);
    } else if (f->number == value_info_field::kType) {
      type_bytes = f->bytes;
      has_type = true;
    }
  }
  if (r.failed()) return malformed("bad ValueInfoProto");
  if (has_type) {
    ProtobufReader t(type_bytes);
    while (auto f = t.next()) {
      if (f->number == type_field::kTensorType &&
          f->wire_type == ProtobufReader::kLengthDelimited) {
        auto st = parseTensorType(f->bytes, spec);
        if (!st) return st.error();
      }
    }
    if (t.failed()) return malformed("bad TypeProto of '" + spec.name + "'");
  }
  return spec;
}

Result<std::string> parseTensorName(std::string_view bytes) {
  ProtobufReader r(bytes);
  std::string name;
  while (auto f = r.next()) {
    if (f->number == tensor_field::kName && f->wire_type == ProtobufReader::kLengthDelimited) {
      name = std::string(f->bytes);
    }
  }
  if (r.failed()) return malformed("bad initializer TensorProto");
  return name;
}

Status parseGraph(std::string_view bytes, OnnxModelInfo& info) {
  ProtobufReader r(bytes);
  std::vector<TensorSpec> graph_inputs;
  std::set<std::string> initializers;
  std::set<std::string> seen_ops;
  // Each node's inputs and outputs, in graph order, for the check that every value a node reads
  // is defined before it.
  std::vector<std::pair<std::vector<std::string_view>, std::vector<std::string_view>>> nodes;
  while (auto f = r.next()) {
    if (f->wire_type != ProtobufReader::kLengthDelimited) continue;
    switch (f->number) {
      case graph_field::kNode: {
        ++info.node_count;
        auto& [reads, writes] = nodes.emplace_back();
        ProtobufReader n(f->bytes);
        while (auto nf = n.next()) {
          if (nf->wire_type != ProtobufReader::kLengthDelimited) continue;
          if (nf->number == node_field::kOpType) {
            std::string op(nf->bytes);
            if (seen_ops.insert(op).second) info.op_types.push_back(op);
          } else if (nf->number == node_field::kInput) {
            reads.push_back(nf->bytes);
          } else if (nf->number == node_field::kOutput) {
            writes.push_back(nf->bytes);
          }
        }
        if (n.failed()) return malformed("bad NodeProto");
        break;
      }
      case graph_field::kInitializer: {
        auto name = parseTensorName(f->bytes);
        if (!name) return name.error();
        initializers.insert(*name);
        ++info.initializer_count;
        break;
      }
      case graph_field::kInput: {
        auto spec = parseValueInfo(f->bytes);
        if (!spec) return spec.error();
        graph_inputs.push_back(std::move(*spec));
        break;
      }
      case graph_field::kOutput: {
        auto spec = parseValueInfo(f->bytes);
        if (!spec) return spec.error();
        info.outputs.push_back(std::move(*spec));
        break;
      }
      default:
        break;
    }
  }
  if (r.failed()) return malformed("bad GraphProto");
  // ONNX graphs are topologically sorted: a node reads graph inputs, initializers and outputs of
  // earlier nodes ("" marks an omitted optional input). OpenCV's importer dereferences a value
  // that is none of these (a crash the worker_onnx_model fuzz target found), so refuse it here.
  std::set<std::string_view> defined(initializers.begin(), initializers.end());
  for (const auto& in : graph_inputs) defined.insert(in.name);
  for (const auto& [reads, writes] : nodes) {
    for (auto name : reads) {
      if (!name.empty() && !defined.contains(name)) {
        return malformed("a node reads '" + std::string(name) +
                         "', which no graph input, initializer or earlier node defines");
      }
    }
    defined.insert(writes.begin(), writes.end());
  }
  for (auto& in : graph_inputs) {
    if (!initializers.contains(in.name)) info.inputs.push_back(std::move(in));
  }
  return okStatus();
}

}  // namespace

int64_t TensorSpec::elementCount() const {
  int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > (int64_t{1} << 40) / d) return -1;  // absurd sizes count as unknown
    n *= d;
  }
  return n;
}

Result<OnnxModelInfo> parseOnnxModel(std::string_view bytes) {
  if (bytes.empty()) return malformed("file is empty");
  OnnxModelInfo info;
  bool has_graph = false;
  ProtobufReader r(bytes);
  while (auto f = r.next()) {
    if (f->number == model_field::kIrVersion && f->wire_type == ProtobufReader::kVarint) {
      info.ir_version = static_cast<int64_t>(f->varint);
    } else if (f->number == model_field::kProducerName &&
               f->wire_type == ProtobufReader::kLengthDelimited) {
      info.producer = std::string(f->bytes);
    } else if (f->number == model_field::kOpsetImport &&
               f->wire_type == ProtobufReader::kLengthDelimited) {
      ProtobufReader o(f->bytes);
      std::string domain;
      int64_t version = 0;
      while (auto of = o.next()) {
        if (of->number == opset_field::kDomain &&
            of->wire_type == ProtobufReader::kLengthDelimited) {
          domain = std::string(of->bytes);
        } else if (of->number == opset_field::kVersion &&
                   of->wire_type == ProtobufReader::kVarint) {
          version = static_cast<int64_t>(of->varint);
        }
      }
      if (o.failed()) return malformed("bad opset_import");
      if (domain.empty() || domain == "ai.onnx") info.opset = version;
    } else if (f->number == model_field::kGraph &&
               f->wire_type == ProtobufReader::kLengthDelimited) {
      auto st = parseGraph(f->bytes, info);
      if (!st) return st.error();
      has_graph = true;
    }
  }
  if (r.failed()) return malformed("not a protobuf ModelProto (truncated or corrupt)");
  if (!has_graph) return malformed("no graph in the model");
  if (info.ir_version <= 0) return malformed("missing ir_version");
  return info;
}

}  // namespace npufleet::worker
