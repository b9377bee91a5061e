#include "worker/InferenceRequest.h"

#include <gtest/gtest.h>

#include "worker/OnnxModel.h"

namespace npufleet::worker {
namespace {

TEST(InferenceRequest, ParsesOurDialect) {
  auto r = parseInferenceRequest(
      R"({"model":"m","inputs":{"x":{"shape":[1,2],"data":[1.5,-2]}},"timeout_ms":50})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->inputs.at("x").shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r->inputs.at("x").data, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(r->timeout_ms, 50);
}

TEST(InferenceRequest, AcceptsModelIdAlias) {
  auto r = parseInferenceRequest(R"({"model_id":"m","inputs":{"x":{"shape":[1],"data":[1]}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model, "m");
  auto clash = parseInferenceRequest(
      R"({"model":"a","model_id":"b","inputs":{"x":{"shape":[1],"data":[1]}}})");
  EXPECT_FALSE(clash.ok());
}

TEST(InferenceRequest, Base64RoundTrip) {
  std::vector<float> values{0.0f, 1.25f, -3.5f, 1e-7f, 42.0f};
  auto b64 = encodeFloatsBase64(values);
  auto r = parseInferenceRequest(R"({"model":"m","inputs":{"x":{"shape":[5],"b64":")" + b64 +
                                 R"("}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->inputs.at("x").data, values);
  for (size_t n = 0; n < 4; ++n) {
    std::vector<float> v(n, 2.0f);
    auto back = decodeFloatsBase64(encodeFloatsBase64(v), "f");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, v);
  }
}

TEST(InferenceRequest, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (auto c : std::vector<Case>{
           {R"({"inputs":{"x":{"shape":[1],"data":[1]}}})", "model"},
           {R"({"model":"../x","inputs":{"x":{"shape":[1],"data":[1]}}})", "model"},
           {R"({"model":"m"})", "inputs"},
           {R"({"model":"m","inputs":{"x":{"shape":[1],"data":"no"}}})", "inputs.x.data"},
           {R"({"model":"m","inputs":{"x":{"shape":[-1],"data":[1]}}})", "inputs.x.shape"},
           {R"({"model":"m","inputs":{"x":{"shape":[1]}}})", "inputs.x.data"},
           {R"({"model":"m","inputs":{"x":{"shape":[1],"b64":"%%%%"}}})", "inputs.x.b64"},
           {R"({"model":"m","inputs":{"x":{"shape":[1],"b64":"AAA="}}})", "inputs.x.b64"},
           {R"({"model":"m","inputs":{"x":[1,2]}})", "inputs.x"},
       }) {
    auto r = parseInferenceRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().field, c.field) << c.body << ": " << r.error().message;
  }
  EXPECT_FALSE(parseInferenceRequest("{not json").ok());
  EXPECT_FALSE(parseInferenceRequest(R"({"model":"m","inputs":{},"extra":1})").ok());
}

OnnxModelInfo modelWithInput(std::vector<int64_t> shape) {
  OnnxModelInfo info;
  TensorSpec in;
  in.name = "x";
  in.elem_type = kOnnxFloat;
  in.shape = std::move(shape);
  in.has_shape = true;
  info.inputs.push_back(in);
  return info;
}

TEST(ValidateInputs, RejectsWrongShapeNamingTheInput) {
  auto info = modelWithInput({1, 4});
  NamedTensors in{{"x", Tensor{{1, 3}, {1, 2, 3}}}};
  auto st = validateInputs(info, in);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "inputs.x.shape");
  EXPECT_NE(st.error().message.find("[1,4]"), std::string::npos);
}

TEST(ValidateInputs, RejectsWrongElementCount) {
  auto info = modelWithInput({1, 4});
  NamedTensors in{{"x", Tensor{{1, 4}, {1, 2, 3}}}};
  EXPECT_EQ(validateInputs(info, in).error().field, "inputs.x.data");
}

TEST(ValidateInputs, RejectsMissingAndUnknownInputs) {
  auto info = modelWithInput({2});
  EXPECT_EQ(validateInputs(info, {{"y", Tensor{{2}, {1, 2}}}}).error().field, "inputs.y");
  EXPECT_EQ(validateInputs(info, {}).error().field, "inputs.x");
}

TEST(ValidateInputs, DynamicDimensionsAcceptAnyPositiveSize) {
  auto info = modelWithInput({-1, 2});
  EXPECT_TRUE(validateInputs(info, {{"x", Tensor{{3, 2}, std::vector<float>(6)}}}).ok());
  EXPECT_FALSE(validateInputs(info, {{"x", Tensor{{0, 2}, {}}}}).ok());
  EXPECT_FALSE(validateInputs(info, {{"x", Tensor{{3, 2, 1}, std::vector<float>(6)}}}).ok());
}

}  // namespace
}  // namespace npufleet::worker
