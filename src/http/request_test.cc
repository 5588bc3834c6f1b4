// The request parsing that is cityid's own: request targets (path and query) and routing.
#include <gtest/gtest.h>

#include <signal.h>

#include "http/request.h"
#include "http/request_log.h"
#include "http/router.h"

namespace cityid::http {
namespace {

Request Target(const std::string& target) {
  Request r;
  r.target = target;
  return r;
}

TEST(RequestTest, PathIsDecodedQueryIsSplitAndDecoded) {
  Request r = Target("/api/v1/cards/1234%2056/print.pdf?reason=new_card&side=front+back&x=%41");
  ASSERT_TRUE(ParseTarget(&r).ok());
  EXPECT_EQ(r.path, "/api/v1/cards/1234 56/print.pdf");
  EXPECT_EQ(r.get_param_value("reason"), "new_card");
  EXPECT_EQ(r.get_param_value("side"), "front back");
  EXPECT_EQ(r.get_param_value("x"), "A");
  EXPECT_FALSE(r.has_param("y"));
  EXPECT_EQ(r.get_param_value("y"), "");
}

TEST(RequestTest, RepeatedParameterKeepsEachDistinctValueOnce) {
  Request r = Target("/p?side=front&side=front&side=back&flag&=nameless");
  ASSERT_TRUE(ParseTarget(&r).ok());
  EXPECT_EQ(r.get_param_value_count("side"), 2u);
  EXPECT_EQ(r.get_param_value("side", 0), "front");
  EXPECT_EQ(r.get_param_value("side", 1), "back");
  EXPECT_TRUE(r.has_param("flag"));
  EXPECT_EQ(r.get_param_value("flag"), "");
  EXPECT_EQ(r.params.size(), 3u);  // the nameless pair is dropped
}

TEST(RequestTest, BadTargetsAreRefused) {
  for (const char* bad : {"", "*", "http://example.org/", "api/v1", "/a%", "/a%4", "/a%zz",
                          "/a%00b", "/p?x=%g0"}) {
    Request r = Target(bad);
    Status s = ParseTarget(&r);
    EXPECT_EQ(s.id(), ErrorId::kInvalidArgument) << bad;
  }
}

TEST(RequestTest, HeaderNamesIgnoreCaseAndRepeatsAreCounted) {
  Request r;
  r.headers = {{"X-Forwarded-For", "10.0.0.1"}, {"x-forwarded-for", "10.0.0.2"},
               {"Content-Type", "application/json"}};
  EXPECT_TRUE(r.has_header("content-type"));
  EXPECT_EQ(r.get_header_value("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.get_header_value_count("X-FORWARDED-FOR"), 2u);
  EXPECT_EQ(r.get_header_value("x-forwarded-for", 1), "10.0.0.2");
  EXPECT_EQ(r.get_header_value("x-forwarded-for", 2), "");
  EXPECT_FALSE(r.has_header("Cookie"));
}

TEST(RequestTest, CookieValueFindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; cityid_session=tok; b=2", "cityid_session"), "tok");
  EXPECT_EQ(CookieValue("cityid_session=first; cityid_session=second", "cityid_session"),
            "first");
  EXPECT_EQ(CookieValue("xcityid_session=no; cityid_sessionx=no", "cityid_session"), "");
  EXPECT_EQ(CookieValue("", "cityid_session"), "");
  EXPECT_EQ(CookieValue(";;; =; cityid_session", "cityid_session"), "");
}

// The line logged when a request's handling starts is still written when the handler then
// crashes the process (the buffer is flushed by the fatal-signal handler, not lost with it).
TEST(RequestLogDeathTest, BufferedLinesSurviveACrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        StartRequestLog();
        LogLine("{\"msg\":\"request.start\",\"route\":\"/api/v1/applications\"}");
        raise(SIGSEGV);
      },
      "request.start.*/api/v1/applications");
}

// The issue's own crash was a stack overflow: the flush must run then too (on the alternate
// signal stack the front door gives its threads).
// Recurses until `limit` (never reached: the stack ends first), each frame 512 bytes kept.
int Recurse(volatile char* sink, long limit) {
  char frame[512];
  frame[0] = static_cast<char>(limit);
  *sink = frame[0];
  if (limit == 0) return frame[0];
  return Recurse(frame, limit - 1) + frame[1 % sizeof frame];
}

TEST(RequestLogDeathTest, BufferedLinesSurviveAStackOverflow) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        StartRequestLog();
        EnsureAltSignalStack();
        LogLine("{\"msg\":\"request.start\",\"route\":\"/api/v1/verify\"}");
        char sink = 0;
        (void)Recurse(&sink, 1L << 40);
      },
      "request.start.*/api/v1/verify");
}

TEST(RequestLogTest, StoppingWritesEverythingBuffered) {
  testing::internal::CaptureStderr();
  StartRequestLog();
  for (int i = 0; i < 1000; ++i) LogLine("line " + std::to_string(i));
  StopRequestLog();
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("line 0\n"), std::string::npos);
  EXPECT_NE(out.find("line 999\n"), std::string::npos);
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.Add("GET", "/healthz", 0).ok());
    ASSERT_TRUE(router_.Add("GET", "/api/v1/cards/([^/]{1,80})/print\\.pdf", 1).ok());
    ASSERT_TRUE(router_.Add("GET", "/api/v1/cards/([^/]{1,64})", 2).ok());
    ASSERT_TRUE(router_.Add("POST", "/api/v1/cards/([^/]{1,64})/renew", 3).ok());
    ASSERT_TRUE(router_.Add("POST", "/api/v1/appointments/([^/]{1,32})/move", 4).ok());
    ASSERT_TRUE(router_.Add("DELETE", "/api/v1/cards/([^/]{1,64})", 5).ok());
  }
  Router router_;
};

TEST_F(RouterTest, FindsTheRouteAndItsParameters) {
  auto m = router_.Find("GET", "/api/v1/cards/1234-5678/print.pdf");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.id, 1u);
  ASSERT_EQ(m.matches.size(), 2u);
  EXPECT_EQ(m.matches[0], "/api/v1/cards/1234-5678/print.pdf");
  EXPECT_EQ(m.matches[1], "1234-5678");
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/abc").id, 2u);
  EXPECT_EQ(router_.Find("HEAD", "/healthz").outcome, Router::Outcome::kFound);
}

TEST_F(RouterTest, TheDotIsLiteralAndParametersAreBounded) {
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/1/printXpdf").outcome,
            Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/" + std::string(65, 'a')).outcome,
            Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/" + std::string(64, 'a')).outcome,
            Router::Outcome::kFound);
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/a/b").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/healthz/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/healthzz").outcome, Router::Outcome::kNotFound);
  // A 100,000-character path is a plain miss (std::regex would recurse once per character).
  EXPECT_EQ(router_.Find("GET", "/api/v1/cards/" + std::string(100000, 'a')).outcome,
            Router::Outcome::kNotFound);
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodNamesTheAllowedOnes) {
  auto m = router_.Find("PUT", "/api/v1/cards/abc");
  EXPECT_EQ(m.outcome, Router::Outcome::kWrongMethod);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");
  EXPECT_EQ(router_.Find("POST", "/healthz").allow, "GET, HEAD");
}

TEST(RouterPatternTest, UnsupportedPatternsAreRefusedAtStart) {
  Router r;
  EXPECT_EQ(r.Add("GET", "/a/(.*)", 0).id(), ErrorId::kInternal);
  EXPECT_EQ(r.Add("GET", "/a/([^/]{1,64})x", 0).id(), ErrorId::kInternal);
  EXPECT_EQ(r.Add("GET", "/a/([^/]{1,})", 0).id(), ErrorId::kInternal);
  EXPECT_EQ(r.Add("GET", "/a+", 0).id(), ErrorId::kInternal);
  EXPECT_EQ(r.Add("GET", "/a/([^/]{1,64", 0).id(), ErrorId::kInternal);
}

}  // namespace
}  // namespace cityid::http
