#include "http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace cityid::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A bare address ("203.0.113.7", "2001:db8::1"); nullopt otherwise. An IPv4-mapped IPv6
// address ("::ffff:203.0.113.7", how a dual-stack socket reports an IPv4 peer) becomes IPv4.
std::optional<AddressRange> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  AddressRange a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.prefix_bits = 32;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) == 0) {
      std::array<uint8_t, 16> v4{};
      std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.begin());
      a.bytes = v4;
      a.prefix_bits = 32;
      return a;
    }
    a.v6 = true;
    a.prefix_bits = 128;
    return a;
  }
  return std::nullopt;
}

// An address as a proxy may write it in a forwarding header: bare, "[v6]" or "[v6]:port",
// "v4:port", possibly in double quotes (Forwarded). nullopt for "unknown", "_hidden", garbage.
std::optional<AddressRange> ParseHop(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    auto a = ParseIp(text.substr(1, close - 1));
    if (!a || !a->v6) return std::nullopt;
    return a;
  }
  if (std::count(text.begin(), text.end(), ':') == 1) {  // v4:port
    auto a = ParseIp(text.substr(0, text.find(':')));
    if (!a || a->v6) return std::nullopt;
    return a;
  }
  return ParseIp(text);
}

std::string Format(const AddressRange& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
  return buf;
}

bool InRange(const AddressRange& range, const AddressRange& a) {
  if (range.v6 != a.v6) return false;
  const int bits = range.prefix_bits;
  const int whole = bits / 8;
  if (std::memcmp(range.bytes.data(), a.bytes.data(), static_cast<size_t>(whole)) != 0) {
    return false;
  }
  if (bits % 8 == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits % 8));
  return (range.bytes[static_cast<size_t>(whole)] & mask) ==
         (a.bytes[static_cast<size_t>(whole)] & mask);
}

// The addresses a header lists, left to right; an entry that is not an address is nullopt.
std::vector<std::optional<AddressRange>> Hops(ForwardedHeader header,
                                              const std::vector<std::string>& values) {
  std::vector<std::optional<AddressRange>> out;
  for (const std::string& value : values) {
    std::string_view rest(value);
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view element = rest.substr(0, comma);
      if (header == ForwardedHeader::kXForwardedFor) {
        out.push_back(ParseHop(element));
      } else {
        // RFC 7239: for=...;proto=...;by=... (parameter names case-insensitive).
        std::optional<AddressRange> hop;
        std::string_view pairs = element;
        while (true) {
          const size_t semi = pairs.find(';');
          const std::string_view pair = Trim(pairs.substr(0, semi));
          if (pair.size() > 4 && (pair[0] == 'f' || pair[0] == 'F') &&
              (pair[1] == 'o' || pair[1] == 'O') && (pair[2] == 'r' || pair[2] == 'R') &&
              pair[3] == '=') {
            hop = ParseHop(pair.substr(4));
          }
          if (semi == std::string_view::npos) break;
          pairs.remove_prefix(semi + 1);
        }
        out.push_back(hop);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& entries,
                                             ForwardedHeader header) {
  TrustedProxies out;
  out.header_ = header;
  for (const std::string& entry : entries) {
    std::string_view rest(entry);
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view item = Trim(rest.substr(0, comma));
      const size_t slash = item.find('/');
      auto range = ParseIp(item.substr(0, slash));
      // "::ffff:10.0.0.1/104" would need the prefix re-based: IPv4 ranges are written as IPv4.
      const bool mapped = range && !range->v6 && item.substr(0, slash).find(':') != item.npos;
      if (!range || (mapped && slash != std::string_view::npos)) {
        return Error(ErrorId::kInvalidArgument,
                     "--trusted-proxy: '" + std::string(item) +
                         "' is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, ::1)");
      }
      if (slash != std::string_view::npos) {
        const std::string_view bits = item.substr(slash + 1);
        const int max = range->v6 ? 128 : 32;
        int n = -1;
        if (!bits.empty() && bits.size() <= 3 &&
            bits.find_first_not_of("0123456789") == std::string_view::npos) {
          n = std::stoi(std::string(bits));
        }
        if (n < 0 || n > max) {
          return Error(ErrorId::kInvalidArgument, "--trusted-proxy: '" + std::string(item) +
                                                      "': prefix length must be 0.." +
                                                      std::to_string(max));
        }
        range->prefix_bits = n;
      }
      out.ranges_.push_back(*range);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool TrustedProxies::Contains(std::string_view address) const {
  auto a = ParseHop(address);
  return a && Contains(*a);
}

bool TrustedProxies::Contains(const AddressRange& a) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const AddressRange& r) { return InRange(r, a); });
}

std::string ResolveClientAddress(const TrustedProxies& proxies, std::string_view peer,
                                 const std::vector<std::string>& forwarded_values) {
  const auto peer_address = ParseHop(peer);
  const std::string peer_text = peer_address ? Format(*peer_address) : std::string(peer);
  if (!peer_address || !proxies.Contains(peer)) return peer_text;
  const auto hops = Hops(proxies.header(), forwarded_values);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    // The first entry (from the right) that no trusted proxy wrote is the client as our
    // nearest untrusted hop saw it; if a proxy wrote nonsense there, fall back to the peer.
    if (!*it) return peer_text;
    if (!proxies.Contains(**it)) return Format(**it);
  }
  // Every hop is a trusted proxy (a request from inside): the left-most is the origin.
  if (!hops.empty()) return Format(*hops.front());
  return peer_text;
}

std::string ClientLimitKey(std::string_view client_address) {
  auto a = ParseIp(client_address);
  if (!a || !a->v6) return std::string(client_address);
  std::fill(a->bytes.begin() + 7, a->bytes.end(), 0);
  return Format(*a) + "/56";
}

}  // namespace cityid::http
