// One loaded ONNX model, executed with OpenCV DNN. A cv::dnn::Net is not safe to run from two
// threads at once, so the model keeps a small pool of nets built from the same bytes and lends
// one to each concurrent run. OpenCV stays inside OnnxModel.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/Error.h"
#include "worker/ModelCheck.h"
#include "worker/OnnxModelInfo.h"
#include "worker/Tensor.h"

namespace npufleet::worker {

class OnnxModel {
 public:
  // Parses the bytes with OpenCV and checks that the graph is something it can serve. The import
  // is tried in a child process first (`check`; with a binary, on `file`, which holds `bytes`).
  static Result<std::shared_ptr<OnnxModel>> load(const std::string& name, std::string bytes,
                                                 OnnxModelInfo info, const ModelCheck& check = {},
                                                 const std::string& file = {});
  ~OnnxModel();
  OnnxModel(const OnnxModel&) = delete;
  OnnxModel& operator=(const OnnxModel&) = delete;

  // Inputs must already be validated against info() (see validateInputs): OpenCV may abort the
  // process on a shape it does not expect. Blocking; call on an engine thread.
  Result<NamedTensors> run(const NamedTensors& inputs) const;

  const OnnxModelInfo& info() const { return info_; }
  const std::string& name() const { return name_; }
  size_t netsBuilt() const;

 private:
  struct Pool;
  OnnxModel(std::string name, OnnxModelInfo info, std::unique_ptr<Pool> pool);

  std::string name_;
  OnnxModelInfo info_;
  std::unique_ptr<Pool> pool_;
};

// Checks names, ranks, fixed dimensions and element counts of request inputs against the
// declared inputs; the error names the offending input.
Status validateInputs(const OnnxModelInfo& info, const NamedTensors& inputs);

}  // namespace npufleet::worker
