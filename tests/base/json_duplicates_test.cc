// parse_json_noting_duplicates: the first key given twice in one object, at any depth and inside arrays,
// named by its dotted path; the same key in different objects is not a duplicate; syntax errors still throw.
#include "base/json_duplicates.h"

#include <gtest/gtest.h>

namespace {

using attend::parse_json_noting_duplicates;
using nlohmann::json;
using nlohmann::ordered_json;

TEST(JsonDuplicates, NamesTheFirstRepeatedKeyByItsPath) {
  auto top = parse_json_noting_duplicates<json>(std::string(R"({"a": 1, "b": 2, "a": 3})"));
  EXPECT_EQ(top.duplicate, "a");
  EXPECT_EQ(top.duplicate_depth, 1);
  auto nested = parse_json_noting_duplicates<ordered_json>(
      std::string(R"({"model": {"cell": "lstm"}, "train": {"lr": 1, "clip": 5, "lr": 2, "clip": 6}})"));
  EXPECT_EQ(nested.duplicate, "train.lr");
  EXPECT_EQ(nested.duplicate_depth, 2);
  EXPECT_EQ(nested.duplicate_key, "lr");
  auto dotted = parse_json_noting_duplicates<json>(std::string(R"({"__metadata__": {"a.b": "1", "a.b": "2"}})"));
  EXPECT_EQ(dotted.duplicate_key, "a.b");
  EXPECT_EQ(nested.value["train"]["clip"], 6);  // the value itself parses as before
  auto in_array = parse_json_noting_duplicates<json>(std::string(R"({"runs": [{"x": 1}, {"y": 1, "y": 2}]})"));
  EXPECT_EQ(in_array.duplicate, "runs.y");
}

TEST(JsonDuplicates, SameKeyInDifferentObjectsIsFine) {
  auto ok = parse_json_noting_duplicates<json>(
      std::string(R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}], "k": 5})"));
  EXPECT_TRUE(ok.duplicate.empty());
  EXPECT_EQ(ok.value["c"][1]["k"], 4);
  EXPECT_EQ(ok.value["k"], 5);
}

TEST(JsonDuplicates, SyntaxErrorsStillThrow) {
  EXPECT_THROW(parse_json_noting_duplicates<json>(std::string("{\"a\": 1,,}")), json::parse_error);
  EXPECT_THROW(parse_json_noting_duplicates<json>(std::string("[1, 2")), json::parse_error);
}

}  // namespace
