#include "base/status.h"

#include <gtest/gtest.h>

#include <set>

namespace cityid {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Error(ErrorId::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CITYID_ASSIGN_OR_RETURN(int h, Half(x));
  CITYID_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesCatalogueCodeAndSlug) {
  Status s = Error(ErrorId::kBadBase45, "offset 3");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "bad-base45: offset 3");
  EXPECT_EQ(s.WithContext("payload").message(), "payload: offset 3");
}

TEST(StatusTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kInvalidArgument);
}

TEST(StatusTest, EveryCatalogueEntryHasDistinctSlug) {
  std::set<std::string> slugs;
  for (int i = 1;; ++i) {
    const auto& info = GetErrorInfo(static_cast<ErrorId>(i));
    if (info.id == ErrorId::kNone) break;
    EXPECT_TRUE(slugs.insert(info.slug).second) << info.slug;
  }
  EXPECT_GT(slugs.size(), 10u);
}

}  // namespace
}  // namespace cityid
