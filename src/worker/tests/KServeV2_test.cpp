#include "worker/KServeV2.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

namespace npufleet::worker {
namespace {

namespace bj = boost::json;

// The error of a body that must fail: 400, its message and field both name the problem.
Error failure(std::string_view body) {
  auto r = parseV2InferRequest(body, "m");
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest) << body;
  return r.error();
}

#define EXPECT_MENTIONS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << (text) << " lacks " << (part)

TEST(KServeV2, ParsesFlatDataIntoTheSameRequestAsInference) {
  auto r = parseV2InferRequest(
      R"({"id":"r-1","inputs":[{"name":"x","datatype":"FP32","shape":[2,3],"data":[1,2,3,4.5,-5,6]}]})",
      "embedding-mlp");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "r-1");
  EXPECT_EQ(r->request.model, "embedding-mlp");
  EXPECT_FALSE(r->request.timeout_ms.has_value());
  EXPECT_FALSE(r->request.b64_outputs);
  ASSERT_EQ(r->request.inputs.size(), 1u);
  EXPECT_EQ(r->request.inputs.at("x").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(r->request.inputs.at("x").data, (std::vector<float>{1, 2, 3, 4.5f, -5, 6}));
  EXPECT_TRUE(r->outputs.empty());
}

TEST(KServeV2, NestedDataIsReadRowMajorAndMustFollowTheShape) {
  auto r = parseV2InferRequest(
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2,3],"data":[[1,2,3],[4,5,6]]}]})", "m");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->id.has_value());
  EXPECT_EQ(r->request.inputs.at("x").data, (std::vector<float>{1, 2, 3, 4, 5, 6}));

  auto ragged = failure(
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2,3],"data":[[1,2,3],[4,5]]}]})");
  EXPECT_MENTIONS(ragged.message, "'x'");
  EXPECT_MENTIONS(ragged.message, "dimension 1");
  EXPECT_EQ(ragged.field, "inputs[0].data");
  auto too_deep =
      failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[[1],[2]]}]})");
  EXPECT_MENTIONS(too_deep.message, "'x'");
  auto mixed = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[1,[2]]}]})");
  EXPECT_MENTIONS(mixed.message, "numbers");
}

TEST(KServeV2, OnlyFp32InputsAreServedAndTheErrorNamesInputAndDatatype) {
  auto e = failure(R"({"inputs":[{"name":"ids","datatype":"INT64","shape":[1],"data":[7]}]})");
  EXPECT_MENTIONS(e.message, "'ids'");
  EXPECT_MENTIONS(e.message, "INT64");
  EXPECT_EQ(e.field, "inputs[0].datatype");
  auto missing = failure(R"({"inputs":[{"name":"x","shape":[1],"data":[7]}]})");
  EXPECT_MENTIONS(missing.message, "datatype");
}

TEST(KServeV2, ShapeAndDataCountMustAgree) {
  auto e = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[1,2,3]}]})");
  EXPECT_MENTIONS(e.message, "'x'");
  EXPECT_MENTIONS(e.message, "4 elements");
  EXPECT_MENTIONS(e.message, "3");
  // A product far beyond what a body can carry neither overflows nor passes.
  auto huge = failure(
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[4294967296,4294967296,16],"data":[1]}]})");
  EXPECT_MENTIONS(huge.message, "elements");
  auto scalar = parseV2InferRequest(
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[],"data":[2.5]}]})", "m");
  ASSERT_TRUE(scalar.ok()) << scalar.error().message;
  EXPECT_EQ(scalar->request.inputs.at("x").data, std::vector<float>{2.5f});
}

TEST(KServeV2, MissingOrMistypedFieldsAreNamed) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {R"({})", "inputs"},
           {R"({"inputs":[]})", "inputs"},
           {R"({"inputs":{"x":{}}})", "inputs"},
           {R"({"inputs":[7]})", "inputs[0]"},
           {R"({"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]})", "inputs[0].name"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","data":[1]}]})", "inputs[0].shape"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[-1],"data":[1]}]})",
            "inputs[0].shape"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,1,1,1,1,1,1,1,1],"data":[1]}]})",
            "inputs[0].shape"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1]}]})", "inputs[0].data"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1],"extra":1}]})",
            "inputs[0]"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],"id":5})", "id"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],"outputs":[{}]})",
            "outputs[0].name"},
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],"outputs":"y"})",
            "outputs"},
       }) {
    auto e = failure(c.body);
    EXPECT_EQ(e.field, c.field) << c.body << ": " << e.message;
  }
  auto unknown =
      failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],"timeout":3})");
  EXPECT_MENTIONS(unknown.message, "timeout");
  auto not_json = parseV2InferRequest("{", "m");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().code, ErrorCode::kBadRequest);
}

TEST(KServeV2, DuplicateInputAndOutputNamesAreRefused) {
  auto in = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]},
                                  {"name":"x","datatype":"FP32","shape":[1],"data":[2]}]})");
  EXPECT_MENTIONS(in.message, "'x'");
  EXPECT_MENTIONS(in.message, "more than once");
  EXPECT_EQ(in.field, "inputs[1].name");
  auto out = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],
                         "outputs":[{"name":"y"},{"name":"y"}]})");
  EXPECT_MENTIONS(out.message, "'y'");
  EXPECT_EQ(out.field, "outputs[1].name");
}

TEST(KServeV2, NonNumericAndOutOfRangeDataIsRefused) {
  for (const char* data : {R"(["1"])", "[null]", "[true]", "[{}]"}) {
    auto e =
        failure(std::string(R"({"inputs":[{"name":"img","datatype":"FP32","shape":[1],"data":)") +
                data + "}]}");
    EXPECT_MENTIONS(e.message, "'img'");
    EXPECT_MENTIONS(e.message, "numbers");
    EXPECT_EQ(e.field, "inputs[0].data");
  }
  auto big = failure(R"({"inputs":[{"name":"img","datatype":"FP32","shape":[1],"data":[1e300]}]})");
  EXPECT_MENTIONS(big.message, "FP32 range");
}

TEST(KServeV2, BinaryTensorExtensionIsRefusedNotMisread) {
  auto in = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1],
                                   "parameters":{"binary_data_size":4}}]})");
  EXPECT_MENTIONS(in.message, "binary");
  auto out = failure(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],
                         "outputs":[{"name":"y","parameters":{"binary_data":true}}]})");
  EXPECT_MENTIONS(out.message, "binary");
  auto ok =
      parseV2InferRequest(R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}],
      "outputs":[{"name":"y","parameters":{"binary_data":false}}],"parameters":{"a":1}})",
                          "m");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->outputs, std::vector<std::string>{"y"});
}

TEST(KServeV2, RequestedOutputsMustBeDeclaredByTheModel) {
  OnnxModelInfo info;
  info.outputs.push_back({"embedding", kOnnxFloat, {1, 32}, true});
  EXPECT_TRUE(checkV2RequestedOutputs(info, {}).ok());
  EXPECT_TRUE(checkV2RequestedOutputs(info, {"embedding"}).ok());
  auto st = checkV2RequestedOutputs(info, {"embedding", "logits"});
  ASSERT_FALSE(st.ok());
  EXPECT_MENTIONS(st.error().message, "'logits'");
  EXPECT_EQ(st.error().field, "outputs[1].name");
}

TEST(KServeV2, InferAnswerListsOutputsInRequestedElseDeclaredOrder) {
  NamedTensors results{{"a", {{2}, {1.5f, std::numeric_limits<float>::quiet_NaN()}}},
                       {"b", {{1, 1}, {3}}}};
  auto all = formatV2InferResponse("m", std::nullopt, std::string("r-9"), results, {}, {"b", "a"});
  EXPECT_EQ(all,
            (bj::object{{"model_name", "m"},
                        {"id", "r-9"},
                        {"outputs", bj::array{bj::object{{"name", "b"},
                                                         {"datatype", "FP32"},
                                                         {"shape", bj::array{1, 1}},
                                                         {"data", bj::array{3.0}}},
                                              bj::object{{"name", "a"},
                                                         {"datatype", "FP32"},
                                                         {"shape", bj::array{2}},
                                                         {"data", bj::array{1.5, nullptr}}}}}}));
  auto one = formatV2InferResponse("m", std::string("2"), std::nullopt, results, {"a"}, {"b", "a"});
  EXPECT_EQ(one.at("model_version"), "2");
  EXPECT_FALSE(one.contains("id"));
  ASSERT_EQ(one.at("outputs").as_array().size(), 1u);
  EXPECT_EQ(one.at("outputs").as_array()[0].as_object().at("name"), "a");
}

TEST(KServeV2, MetadataUsesV2DatatypesAndMinusOneForDynamicDims) {
  ModelEntry e;
  e.name = "mlp";
  e.version = "3";
  OnnxModelInfo info;
  info.inputs.push_back({"input", kOnnxFloat, {-1, 64}, true});
  info.inputs.push_back({"ids", 7, {}, false});
  info.outputs.push_back({"embedding", kOnnxFloat, {1, 32}, true});
  e.info = info;
  auto m = formatV2ModelMetadata(e);
  EXPECT_EQ(
      m, (bj::object{
             {"name", "mlp"},
             {"versions", bj::array{"3"}},
             {"platform", "onnx"},
             {"inputs",
              bj::array{
                  bj::object{{"name", "input"}, {"datatype", "FP32"}, {"shape", bj::array{-1, 64}}},
                  bj::object{{"name", "ids"}, {"datatype", "INT64"}, {"shape", bj::array{-1}}}}},
             {"outputs",
              bj::array{bj::object{
                  {"name", "embedding"}, {"datatype", "FP32"}, {"shape", bj::array{1, 32}}}}}}));
  ModelEntry broken;
  broken.name = "broken";
  auto b = formatV2ModelMetadata(broken);
  EXPECT_FALSE(b.contains("versions"));
  EXPECT_TRUE(b.at("inputs").as_array().empty());
  EXPECT_EQ(v2Datatype(0), "UNKNOWN");
  EXPECT_EQ(v2Datatype(11), "FP64");
}

TEST(KServeV2, ErrorsAreKServesShape) {
  EXPECT_EQ(formatV2Error(Error::notFound("no model named 'x'")),
            (bj::object{{"error", "no model named 'x'"}}));
}

}  // namespace
}  // namespace npufleet::worker
