#include "http/static_site.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cityid::http {
namespace {

namespace fs = std::filesystem;

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cityid-static-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "assets");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Put(const std::string& rel, const std::string& body) {
    std::ofstream(dir_ / rel, std::ios::binary) << body;
  }
  static Request Get(const std::string& path) {
    Request r;
    r.method = "GET";
    r.path = path;
    return r;
  }
  static std::string Header(const Reply& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(StaticSiteTest, ServesPagesAtTheirNamesAndFilesAtTheirPaths) {
  Put("index.html", "<!doctype html><title>portal</title>");
  Put("verify.html", "<!doctype html><title>verify</title>");
  Put("assets/portal.js", "console.log(1)");
  auto site = StaticSite::Load(dir_);
  ASSERT_TRUE(site.ok()) << site.status().message();
  EXPECT_EQ((*site)->files(), 3u);
  ASSERT_NE((*site)->Find("/"), nullptr);
  EXPECT_EQ((*site)->Find("/")->content_type, "text/html; charset=utf-8");
  ASSERT_NE((*site)->Find("/verify"), nullptr);
  EXPECT_EQ((*site)->Find("/verify")->body, "<!doctype html><title>verify</title>");
  ASSERT_NE((*site)->Find("/assets/portal.js"), nullptr);
  EXPECT_EQ((*site)->Find("/assets/portal.js")->content_type, "text/javascript; charset=utf-8");
  // Pages only under their clean names; nothing outside the folder.
  EXPECT_EQ((*site)->Find("/index.html"), nullptr);
  EXPECT_EQ((*site)->Find("/verify.html"), nullptr);
  EXPECT_EQ((*site)->Find("/assets/../index.html"), nullptr);
  EXPECT_EQ((*site)->Find("/nope"), nullptr);
}

TEST_F(StaticSiteTest, EveryAnswerCarriesTheStrictPolicy) {
  Put("index.html", "<p>x</p>");
  auto site = StaticSite::Load(dir_);
  ASSERT_TRUE(site.ok());
  const Reply r = StaticSite::Serve(Get("/"), *(*site)->Find("/"));
  EXPECT_EQ(r.status, 200);
  const std::string csp = Header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(r.cache_control, "no-cache");
  EXPECT_EQ(Header(r, "Vary"), "Accept-Encoding");
}

TEST_F(StaticSiteTest, GzipCopyOnlyForClientsThatAcceptIt) {
  Put("assets/a.css", "plain");
  Put("assets/a.css.gz", "GZIPPED");
  auto site = StaticSite::Load(dir_);
  ASSERT_TRUE(site.ok());
  EXPECT_EQ((*site)->files(), 1u);  // the .gz is the same file's other form
  const StaticSite::File& f = *(*site)->Find("/assets/a.css");
  Request plain = Get("/assets/a.css");
  EXPECT_EQ(StaticSite::Serve(plain, f).body, "plain");
  Request gz = Get("/assets/a.css");
  gz.headers.emplace_back("Accept-Encoding", "gzip, deflate, br");
  const Reply r = StaticSite::Serve(gz, f);
  EXPECT_EQ(r.body, "GZIPPED");
  EXPECT_EQ(Header(r, "Content-Encoding"), "gzip");
  Request refused = Get("/assets/a.css");
  refused.headers.emplace_back("Accept-Encoding", "gzip;q=0, identity");
  EXPECT_EQ(StaticSite::Serve(refused, f).body, "plain");
}

TEST_F(StaticSiteTest, MatchingEtagGets304WithoutBody) {
  Put("index.html", "<p>x</p>");
  auto site = StaticSite::Load(dir_);
  ASSERT_TRUE(site.ok());
  const StaticSite::File& f = *(*site)->Find("/");
  ASSERT_EQ(f.etag.size(), 34u);  // "" around 32 hex digits
  Request again = Get("/");
  again.headers.emplace_back("If-None-Match", "\"other\", W/" + f.etag);
  const Reply r = StaticSite::Serve(again, f);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Header(r, "ETag"), f.etag);
  Request stale = Get("/");
  stale.headers.emplace_back("If-None-Match", "\"other\"");
  EXPECT_EQ(StaticSite::Serve(stale, f).status, 200);
}

TEST_F(StaticSiteTest, RefusesAMissingFolderAndOddNames) {
  EXPECT_EQ(StaticSite::Load(dir_ / "missing").status().id(), ErrorId::kNotFound);
  Put("assets/bad name.js", "x");
  EXPECT_EQ(StaticSite::Load(dir_).status().id(), ErrorId::kInvalidArgument);
}

TEST_F(StaticSiteTest, RefusesHiddenFilesAtAnyDepthAndSymbolicLinks) {
  Put("index.html", "<p>x</p>");
  ASSERT_TRUE(StaticSite::Load(dir_).ok());
  Put("assets/.env", "SECRET=1");
  EXPECT_EQ(StaticSite::Load(dir_).status().id(), ErrorId::kInvalidArgument);
  fs::remove(dir_ / "assets/.env");
  fs::create_symlink("/etc/hostname", dir_ / "assets/host.txt");
  EXPECT_EQ(StaticSite::Load(dir_).status().id(), ErrorId::kInvalidArgument);
}

TEST(AcceptsGzip, ReadsTheHeaderAsRfc9110Says) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("br, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
}

}  // namespace
}  // namespace cityid::http
