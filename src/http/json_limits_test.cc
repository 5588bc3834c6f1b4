// The JSON depth pre-check (base/json_depth.h) and the bounded parse every route uses
// (http/json_limits.h).
#include "http/json_limits.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdint>
#include <string>

namespace cityid::http {
namespace {

std::string Arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string Objects(size_t depth) {
  std::string s;
  s.reserve(depth * 6 + 2);
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "0";
  s.append(depth, '}');
  return s;
}

// Mixed: objects holding arrays holding objects..., `depth` levels in all.
std::string Mixed(size_t depth) {
  std::string open, close;
  for (size_t i = 0; i < depth; ++i) {
    open += (i % 2 == 0) ? "{\"k\":" : "[1,";
    close.insert(0, (i % 2 == 0) ? "}" : "]");
  }
  return open + "null" + close;
}

void ExpectTooDeep(const Status& s) {
  EXPECT_EQ(s.id(), ErrorId::kMalformedJson);
  EXPECT_EQ(s.message(), "JSON nested deeper than 32 levels");
}

TEST(JsonDepthTest, ExactlyTheLimitPassesOneMoreIsRefused) {
  ASSERT_EQ(kMaxJsonDepth, 32u);
  for (auto make : {Arrays, Objects, Mixed}) {
    EXPECT_TRUE(CheckJsonDepth(make(32)).ok()) << make(32);
    ExpectTooDeep(CheckJsonDepth(make(33)));
  }
  // Siblings do not add up: 32 levels, many times over, side by side.
  EXPECT_TRUE(CheckJsonDepth("[" + Arrays(31) + "," + Arrays(31) + "," + Objects(31) + "]").ok());
  EXPECT_TRUE(CheckJsonDepth("").ok());
  EXPECT_TRUE(CheckJsonDepth("\"scalar\"").ok());
  EXPECT_TRUE(CheckJsonDepth("[]", 1).ok());
  EXPECT_EQ(CheckJsonDepth("[[]]", 1).message(), "JSON nested deeper than 1 levels");
  EXPECT_EQ(CheckJsonDepth("[]", 0).id(), ErrorId::kMalformedJson);
}

TEST(JsonDepthTest, BracketsInStringsAndEscapedQuotesDoNotCount) {
  const std::string brackets(100, '[');
  EXPECT_TRUE(CheckJsonDepth("[\"" + brackets + "\"]").ok());
  EXPECT_TRUE(CheckJsonDepth("{\"" + brackets + "\":\"}}}}]]]]\"}").ok());
  // \" does not end the string: the brackets after it are still text.
  EXPECT_TRUE(CheckJsonDepth("[\"a\\\"" + brackets + "\"]").ok());
  EXPECT_TRUE(CheckJsonDepth("[\"\\u005b\\\\\\\"" + brackets + "\"]").ok());
  // \\ is one escaped backslash: the quote after it ends the string, so what follows counts.
  ExpectTooDeep(CheckJsonDepth("[\"\\\\\"," + Arrays(32) + "]"));
  EXPECT_TRUE(CheckJsonDepth("[\"\\\\\"," + Arrays(31) + "]").ok());
  // A string with brackets between real levels: 32 levels exactly.
  std::string s = Arrays(16);
  s.insert(16, "\"]]]][[[[\\\"[[\"," + Arrays(16));
  EXPECT_TRUE(CheckJsonDepth(s).ok()) << s;
  s.insert(16, "[");
  s += "]";
  ExpectTooDeep(CheckJsonDepth(s));
}

TEST(JsonDepthTest, TruncatedOrUnbalancedInput) {
  // Not the pre-check's business (the parser refuses these), as long as the depth holds.
  EXPECT_TRUE(CheckJsonDepth(std::string(32, '[')).ok());
  EXPECT_TRUE(CheckJsonDepth("[}").ok());
  EXPECT_TRUE(CheckJsonDepth("[\"unterminated" + std::string(50, '[')).ok());
  EXPECT_TRUE(CheckJsonDepth("[\"ends in a backslash\\").ok());
  ExpectTooDeep(CheckJsonDepth(std::string(33, '[')));
  ExpectTooDeep(CheckJsonDepth(std::string(1000, '{')));
  // A closer with nothing open is refused, so closers first cannot buy extra levels.
  const Status early = CheckJsonDepth("]]]]" + std::string(34, '['));
  EXPECT_EQ(early.id(), ErrorId::kMalformedJson);
  EXPECT_EQ(early.message(), "JSON closes a bracket never opened");
  EXPECT_EQ(CheckJsonDepth("[]]").id(), ErrorId::kMalformedJson);
  EXPECT_EQ(CheckJsonDepth("}").id(), ErrorId::kMalformedJson);
  // Interleaving: depth goes back up after closing, never past 32.
  EXPECT_TRUE(CheckJsonDepth(Arrays(32) + Arrays(32)).ok());
  ExpectTooDeep(CheckJsonDepth(Arrays(32) + std::string(33, '[')));
}

// Runs `fn` on a thread with a 128 KiB stack: anything recursing once per level of a
// 1,000,000-deep text would overflow it (a crash, not a failed expectation).
template <typename Fn>
void OnSmallStack(Fn fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 128 * 1024), 0);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<Fn*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, trampoline, &fn), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
}

TEST(JsonDepthTest, MillionDeepArraysAndObjectsAreRefusedWithoutRecursion) {
  const std::string arrays = Arrays(1000000);
  const std::string objects = Objects(1000000);
  Status a, o, whole_a, whole_o;
  OnSmallStack([&] {
    a = CheckJsonDepth(arrays);
    o = CheckJsonDepth(objects);
    // With no limit the scan goes through all 1,000,000 levels and back: still no recursion.
    whole_a = CheckJsonDepth(arrays, SIZE_MAX);
    whole_o = CheckJsonDepth(objects, SIZE_MAX);
  });
  ExpectTooDeep(a);
  ExpectTooDeep(o);
  EXPECT_TRUE(whole_a.ok());
  EXPECT_TRUE(whole_o.ok());
  // The bounded parse refuses them before the parser (and anything recursive) runs.
  OnSmallStack([&] {
    a = ParseJsonLimited(arrays, 8u << 20).status();
    o = ParseJsonLimited(objects, 8u << 20).status();
  });
  ExpectTooDeep(a);
  ExpectTooDeep(o);
}

TEST(ParseJsonLimitedTest, SizeThenDepthThenSyntax) {
  auto ok = ParseJsonLimited(R"({"a": [1, {"b": "]]]"}]})", 100);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)["a"][1]["b"], "]]]");
  auto scalar = ParseJsonLimited("17", 2);
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(*scalar, 17);

  const Status big = ParseJsonLimited("[1, 2]", 5).status();
  EXPECT_EQ(big.id(), ErrorId::kMalformedJson);
  EXPECT_EQ(big.message(), "JSON text larger than 5 bytes");
  // Size is checked first: a deep text over the size limit says size.
  EXPECT_EQ(ParseJsonLimited(Arrays(40), 10).status().message(), "JSON text larger than 10 bytes");

  for (const char* bad : {"", "[", "[}", "{\"a\":}", "[1,]", "\"unterminated", "[]]", "nul"}) {
    const Status s = ParseJsonLimited(bad, 100).status();
    EXPECT_EQ(s.id(), ErrorId::kMalformedJson) << bad;
  }
  EXPECT_EQ(ParseJsonLimited("[1,]", 100).status().message(), "not valid JSON");
  // nlohmann alone stops at a NUL and accepts what came before it.
  const std::string nul("{\"a\":1}\0[[[", 11);
  ASSERT_FALSE(nlohmann::json::parse(nul, nullptr, false).is_discarded());
  EXPECT_EQ(ParseJsonLimited(nul, 100).status().message(), "JSON text holds a NUL byte");

  // 32 levels parse, and what handlers then do with the value (dump, compare, copy) works.
  auto deep = ParseJsonLimited(Mixed(32), 1000);
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->dump(), Mixed(32));
  const nlohmann::json copy = *deep;
  EXPECT_EQ(copy, *deep);
  ExpectTooDeep(ParseJsonLimited(Mixed(33), 1000).status());
}

}  // namespace
}  // namespace cityid::http
