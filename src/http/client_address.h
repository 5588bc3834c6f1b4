#pragma once
// Who the client is, behind a reverse proxy (issue 14 §3). Every per-client rate limit and
// booking cap keys on ResolveClientAddress; nothing else reads forwarding headers for that.
//
// The TCP peer is the client unless it is one of the operator's trusted proxies
// (`serve --trusted-proxy`). Only then is the proxy's forwarding header read, and in it the
// right-most address that is not itself a trusted proxy: a proxy appends the address it saw,
// so everything to the left of that may have been written by the client and is ignored. A
// header from any other peer is ignored whatever it says (anyone can send one).
//
// Independent of the HTTP library (plain strings in, a string out), so it outlives a change of
// the HTTP layer and is tested on its own (client_address_test.cc).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cityid::http {

// Which header the trusted proxies set (each proxy appends to it). The other one is never read:
// a client could send it through a proxy that passes it on untouched.
enum class ForwardedHeader { kXForwardedFor, kForwarded };

// An IPv4 or IPv6 address, or a CIDR range of either.
struct AddressRange {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  int prefix_bits = 0;              // 32 or 128 for a single address
};

class TrustedProxies {
 public:
  TrustedProxies() = default;  // none: the peer is always the client

  // Each entry an address ("10.0.0.5", "::1") or a CIDR range ("10.0.0.0/8", "fd00::/8"); an
  // entry may itself be a comma-separated list. kInvalidArgument naming the bad entry.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& entries,
                                      ForwardedHeader header = ForwardedHeader::kXForwardedFor);

  bool empty() const { return ranges_.empty(); }
  ForwardedHeader header() const { return header_; }
  // True when `address` (text) is one of the trusted proxies. False for anything unparsable.
  bool Contains(std::string_view address) const;
  bool Contains(const AddressRange& address) const;

 private:
  std::vector<AddressRange> ranges_;
  ForwardedHeader header_ = ForwardedHeader::kXForwardedFor;
};

// The client's address in canonical text form ("203.0.113.7", "2001:db8::1"; an IPv4-mapped
// IPv6 peer as IPv4). `peer` is the TCP peer; `forwarded_values` every value of the header
// `proxies.header()` names, in the order received (repeated headers are one list). When the
// peer is not a trusted proxy, or the header is absent or its right-most untrusted entry is
// not an address ("unknown", an obfuscated name, garbage), the answer is the peer.
std::string ResolveClientAddress(const TrustedProxies& proxies, std::string_view peer,
                                 const std::vector<std::string>& forwarded_values);

// The key a per-client limit counts under: the address itself for IPv4, its /56 network for
// IPv6. One subscriber usually holds a whole /64 and often a /56 (RIPE-690's advice for home
// customers), so counting per /64 would give one household 256 fresh buckets for the booking
// caps; per /56 it gets one.
std::string ClientLimitKey(std::string_view client_address);

}  // namespace cityid::http
