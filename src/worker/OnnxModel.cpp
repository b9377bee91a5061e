#include "worker/OnnxModel.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <mutex>
#include <optional>
#include <vector>

namespace npufleet::worker {
namespace {

constexpr int64_t kMaxInputElements = int64_t{64} * 1024 * 1024;

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return s + "]";
}

// Held while OpenCV imports a model and while the import check forks, so that no thread is
// inside the importer (holding its locks) at the moment of the fork: the child would wait on
// them forever.
std::mutex& importMutex() {
  static std::mutex mu;
  return mu;
}

Result<cv::dnn::Net> buildNet(const std::string& bytes) {
  std::lock_guard lock(importMutex());
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    return Error::badRequest(std::string("OpenCV cannot import the model: ") + e.what());
  } catch (const std::exception& e) {
    // The importer also lets standard exceptions through (std::length_error for a tensor of
    // absurd size, found by the worker_onnx_model fuzz target).
    return Error::badRequest(std::string("OpenCV cannot import the model: ") + e.what());
  }
}

// OpenCV 4.6's ONNX importer kills the process on some malformed models that pass our own
// parser (a null dereference, an integer division by zero: fuzz/regressions/worker_onnx_model).
// So a model is imported once in a child process first (worker/ModelCheck.h); a child that dies,
// or is not done in time, means the model is refused and the worker lives on.
Status importSurvives(const std::string& bytes, const ModelCheck& check, const std::string& file) {
  // The fork variant: no thread may be inside the importer (holding its locks) at the fork.
  std::unique_lock lock(importMutex(), std::defer_lock);
  if (check.binary.empty()) lock.lock();
  return checkModelInChild(check, file, "OpenCV's importer",
                           [&] { (void)cv::dnn::readNetFromONNX(bytes.data(), bytes.size()); });
}

// OpenCV returns 1-D results as N x 1 and may drop or add unit dimensions; use the declared
// shape whenever the element count allows it.
std::vector<int64_t> outputShape(const TensorSpec* spec, const cv::Mat& m) {
  std::vector<int64_t> actual;
  for (int i = 0; i < m.dims; ++i) actual.push_back(m.size[i]);
  auto total = static_cast<int64_t>(m.total());
  if (spec == nullptr || !spec->has_shape) return actual;
  if (spec->shape.empty()) return total == 1 ? std::vector<int64_t>{} : actual;
  int unknown = 0;
  int64_t known = 1;
  for (auto d : spec->shape) {
    if (d < 0) {
      ++unknown;
    } else {
      known *= d;
    }
  }
  std::vector<int64_t> shape = spec->shape;
  if (unknown == 0 && known == total) return shape;
  if (unknown == 1 && known > 0 && total % known == 0) {
    for (auto& d : shape) {
      if (d < 0) d = total / known;
    }
    return shape;
  }
  // Several dynamic dimensions: trust OpenCV where the rank agrees.
  if (actual.size() == shape.size()) return actual;
  if (shape.size() == 1) return {total};
  return actual;
}

}  // namespace

struct OnnxModel::Pool {
  std::string bytes;
  std::mutex mu;
  std::vector<cv::dnn::Net> idle;
  size_t built = 0;

  Result<cv::dnn::Net> acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto net = std::move(idle.back());
        idle.pop_back();
        return net;
      }
    }
    auto net = buildNet(bytes);
    if (net.ok()) {
      std::lock_guard lock(mu);
      ++built;
    }
    return net;
  }
  void release(cv::dnn::Net net) {
    std::lock_guard lock(mu);
    idle.push_back(std::move(net));
  }
};

OnnxModel::OnnxModel(std::string name, OnnxModelInfo info, std::unique_ptr<Pool> pool)
    : name_(std::move(name)), info_(std::move(info)), pool_(std::move(pool)) {}

OnnxModel::~OnnxModel() = default;

size_t OnnxModel::netsBuilt() const {
  std::lock_guard lock(pool_->mu);
  return pool_->built;
}

Result<std::shared_ptr<OnnxModel>> OnnxModel::load(const std::string& name, std::string bytes,
                                                   OnnxModelInfo info, const ModelCheck& check,
                                                   const std::string& file) {
  if (info.inputs.empty()) {
    return Error::badRequest("model '" + name + "' has no inputs besides its initializers");
  }
  for (const auto& in : info.inputs) {
    if (in.elem_type != kOnnxFloat) {
      return Error::badRequest("model '" + name + "': input '" + in.name +
                               "' has ONNX element type " + std::to_string(in.elem_type) +
                               "; the worker serves float32 inputs only");
    }
  }
  if (auto st = importSurvives(bytes, check, file); !st) {
    Error e = st.error();
    e.message = "model '" + name + "': " + e.message;
    return e;
  }
  auto pool = std::make_unique<Pool>();
  pool->bytes = std::move(bytes);
  auto net = buildNet(pool->bytes);
  if (!net) return net.error();
  // OpenCV 4.6 turns a graph that folds to constants into an empty net without complaint.
  if (net->empty()) {
    return Error::badRequest("model '" + name +
                             "': OpenCV imported no layers (the graph folds to constants)");
  }
  pool->built = 1;
  pool->idle.push_back(std::move(*net));
  return std::shared_ptr<OnnxModel>(new OnnxModel(name, std::move(info), std::move(pool)));
}

Result<NamedTensors> OnnxModel::run(const NamedTensors& inputs) const {
  auto net = pool_->acquire();
  if (!net) return net.error();
  NamedTensors outputs;
  std::optional<Error> failure;
  try {
    std::vector<cv::Mat> blobs;  // keep input memory alive through forward()
    blobs.reserve(info_.inputs.size());
    for (const auto& spec : info_.inputs) {
      const Tensor& t = inputs.at(spec.name);
      std::vector<int> sizes;
      for (auto d : t.shape) sizes.push_back(static_cast<int>(d));
      if (sizes.empty()) sizes.push_back(1);
      cv::Mat m(static_cast<int>(sizes.size()), sizes.data(), CV_32F,
                const_cast<float*>(t.data.data()));
      blobs.push_back(m);
      net->setInput(blobs.back(), spec.name);
    }
    std::vector<cv::String> names;
    for (const auto& o : info_.outputs) names.push_back(o.name);
    std::vector<cv::Mat> outs;
    net->forward(outs, names);
    for (size_t i = 0; i < outs.size() && i < info_.outputs.size(); ++i) {
      cv::Mat m = outs[i].isContinuous() ? outs[i] : outs[i].clone();
      if (m.type() != CV_32F) m.convertTo(m, CV_32F);
      Tensor t;
      t.shape = outputShape(&info_.outputs[i], m);
      const auto* p = m.ptr<float>();
      t.data.assign(p, p + m.total());
      outputs.emplace(info_.outputs[i].name, std::move(t));
    }
  } catch (const cv::Exception& e) {
    failure = Error::internal("model '" + name_ + "' failed in OpenCV: " + e.what());
  } catch (const std::exception& e) {
    failure = Error::internal("model '" + name_ + "' failed: " + e.what());
  }
  if (failure) {
    // A net that threw may hold half-set state; build a fresh one next time.
    return *failure;
  }
  pool_->release(std::move(*net));
  return outputs;
}

Status validateInputs(const OnnxModelInfo& info, const NamedTensors& inputs) {
  for (const auto& [name, t] : inputs) {
    bool known = false;
    for (const auto& spec : info.inputs) known = known || spec.name == name;
    if (!known) return Error::badRequest("the model has no input named '" + name + "'", "inputs." + name);
  }
  for (const auto& spec : info.inputs) {
    auto it = inputs.find(spec.name);
    const std::string field = "inputs." + spec.name;
    if (it == inputs.end()) return Error::badRequest("input '" + spec.name + "' is missing", field);
    const Tensor& t = it->second;
    int64_t count = 1;
    for (auto d : t.shape) {
      if (d <= 0 || d > kMaxInputElements) {
        return Error::badRequest("input '" + spec.name + "': every dimension must be in 1.." +
                                     std::to_string(kMaxInputElements),
                                 field + ".shape");
      }
      count *= d;
      if (count > kMaxInputElements) {
        return Error::badRequest("input '" + spec.name + "' is larger than " +
                                     std::to_string(kMaxInputElements) + " elements",
                                 field + ".shape");
      }
    }
    if (spec.has_shape) {
      bool match = spec.shape.size() == t.shape.size();
      for (size_t i = 0; match && i < spec.shape.size(); ++i) {
        match = spec.shape[i] < 0 || spec.shape[i] == t.shape[i];
      }
      if (!match) {
        return Error::badRequest("input '" + spec.name + "' has shape " + shapeText(t.shape) +
                                     ", the model expects " + shapeText(spec.shape),
                                 field + ".shape");
      }
    }
    if (static_cast<int64_t>(t.data.size()) != count) {
      return Error::badRequest("input '" + spec.name + "' has " + std::to_string(t.data.size()) +
                                   " values, its shape " + shapeText(t.shape) + " needs " +
                                   std::to_string(count),
                               field + ".data");
    }
  }
  return okStatus();
}

}  // namespace npufleet::worker
