#include "http/client_address.h"

#include <gtest/gtest.h>

namespace cityid::http {
namespace {

TrustedProxies Proxies(std::vector<std::string> entries,
                       ForwardedHeader header = ForwardedHeader::kXForwardedFor) {
  auto p = TrustedProxies::Parse(entries, header);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : TrustedProxies();
}

TEST(ClientAddressTest, SpoofedForwardedForFromUntrustedPeerIsIgnored) {
  const TrustedProxies proxies = Proxies({"10.0.0.5"});
  EXPECT_EQ(ResolveClientAddress(proxies, "198.51.100.9", {"203.0.113.7"}), "198.51.100.9");
  // No trusted proxies at all (the default): the header never counts.
  EXPECT_EQ(ResolveClientAddress(TrustedProxies(), "198.51.100.9", {"203.0.113.7"}),
            "198.51.100.9");
}

TEST(ClientAddressTest, ForwardedForFromTrustedProxyTakesRightmostUntrustedHop) {
  const TrustedProxies proxies = Proxies({"10.0.0.5", "10.1.0.0/16"});
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"203.0.113.7"}), "203.0.113.7");
  // The client wrote "1.2.3.4" itself; our proxies appended what they saw.
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"1.2.3.4, 203.0.113.7, 10.1.2.3"}),
            "203.0.113.7");
  // Repeated headers are one list, in order.
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"1.2.3.4", "203.0.113.8"}), "203.0.113.8");
  // No header: the proxy itself.
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {}), "10.0.0.5");
  // Garbage where the proxy's entry should be: the peer, not the garbage (no fresh buckets).
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"203.0.113.7, not-an-ip"}), "10.0.0.5");
  // Ports and brackets as some proxies write them; IPv6 in canonical form.
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"203.0.113.7:4711"}), "203.0.113.7");
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"[2001:DB8:0::1]:80"}), "2001:db8::1");
  // Only trusted hops: the left-most.
  EXPECT_EQ(ResolveClientAddress(proxies, "10.0.0.5", {"10.1.0.9, 10.1.0.8"}), "10.1.0.9");
}

TEST(ClientAddressTest, ForwardedHeaderForParameter) {
  const TrustedProxies proxies = Proxies({"::1"}, ForwardedHeader::kForwarded);
  EXPECT_EQ(ResolveClientAddress(proxies, "::1",
                                 {"for=1.2.3.4;proto=https, For=\"[2001:db8:cafe::17]:4711\""}),
            "2001:db8:cafe::17");
  EXPECT_EQ(ResolveClientAddress(proxies, "::1", {"for=192.0.2.60;proto=http;by=203.0.113.43"}),
            "192.0.2.60");
  EXPECT_EQ(ResolveClientAddress(proxies, "::1", {"for=unknown"}), "::1");
  // With Forwarded configured, an X-Forwarded-For the client sent is not what is read: the
  // caller passes the Forwarded values only. An element without for= falls back to the peer.
  EXPECT_EQ(ResolveClientAddress(proxies, "::1", {"proto=https"}), "::1");
}

TEST(ClientAddressTest, MappedIpv4PeerMatchesIpv4Proxy) {
  const TrustedProxies proxies = Proxies({"127.0.0.1"});
  EXPECT_TRUE(proxies.Contains("::ffff:127.0.0.1"));
  EXPECT_EQ(ResolveClientAddress(proxies, "::ffff:127.0.0.1", {"203.0.113.7"}), "203.0.113.7");
  EXPECT_EQ(ResolveClientAddress(TrustedProxies(), "::ffff:198.51.100.1", {}), "198.51.100.1");
}

TEST(ClientAddressTest, CidrRangesAndCommaLists) {
  const TrustedProxies proxies = Proxies({"10.0.0.0/8,192.168.1.0/25", "fd00::/8"});
  EXPECT_TRUE(proxies.Contains("10.255.0.1"));
  EXPECT_TRUE(proxies.Contains("192.168.1.127"));
  EXPECT_FALSE(proxies.Contains("192.168.1.128"));
  EXPECT_TRUE(proxies.Contains("fd12::1"));
  EXPECT_FALSE(proxies.Contains("fe80::1"));
  EXPECT_FALSE(proxies.Contains("11.0.0.1"));
  EXPECT_FALSE(proxies.Contains("garbage"));
}

TEST(ClientAddressTest, BadTrustedProxyEntriesAreRefused) {
  for (const char* bad : {"proxy.example", "10.0.0.0/33", "::/129", "10.0.0.1/", "", "1.2.3"}) {
    auto p = TrustedProxies::Parse({bad});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().id(), ErrorId::kInvalidArgument) << bad;
  }
}

// A household's /56 holds 256 /64s: each must not be a fresh bucket for the booking caps.
TEST(ClientAddressTest, Ipv6ClientsAreLimitedPerSlash56) {
  EXPECT_EQ(ClientLimitKey("2001:db8:1:2:aaaa::1"), ClientLimitKey("2001:db8:1:2:bbbb::9"));
  EXPECT_EQ(ClientLimitKey("2001:db8:1:2::1"), ClientLimitKey("2001:db8:1:ff::1"));
  EXPECT_NE(ClientLimitKey("2001:db8:1:2::1"), ClientLimitKey("2001:db8:1:102::1"));
  EXPECT_EQ(ClientLimitKey("203.0.113.7"), "203.0.113.7");
}

}  // namespace
}  // namespace cityid::http
