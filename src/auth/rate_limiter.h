#pragma once
// In-memory failure counting for login rate limits (per client address, and per unknown user
// name so that an unknown name locks out exactly like a real one and lockouts reveal nothing).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace cityid::auth {

// Counts failures per key in a sliding window of `window_seconds`; a key with `max_failures`
// failures in the window is blocked until the oldest of them leaves it. Thread-safe. Bounded
// memory: at most `max_keys` keys are tracked; when full, keys with no failure in the window
// are dropped first, then the key whose latest failure is oldest.
class FailureLimiter {
 public:
  FailureLimiter(int max_failures, int64_t window_seconds, size_t max_keys = 10000);

  // Seconds until `key` may try again (>= 1), or 0 when it may try now. Reserved attempts
  // (below) count as failures until settled.
  int64_t RetryAfter(std::string_view key, UnixSeconds now);
  void RecordFailure(std::string_view key, UnixSeconds now);
  // Check and count in one step, for an attempt whose outcome is known only later (a password
  // hash): 0 and the attempt is reserved, or the RetryAfter seconds and nothing is reserved.
  // N concurrent attempts on a key with room for k get exactly k reservations. Every
  // reservation must be Settled: `failed` records it as a failure, else it is dropped.
  int64_t Reserve(std::string_view key, UnixSeconds now);
  void Settle(std::string_view key, UnixSeconds now, bool failed);
  void Reset(std::string_view key);

 private:
  void Prune(std::deque<UnixSeconds>& times, UnixSeconds now) const;
  void MakeRoom(UnixSeconds now);
  int64_t RetryAfterLocked(const std::string& key, UnixSeconds now);
  void RecordFailureLocked(const std::string& key, UnixSeconds now);

  const int max_failures_;
  const int64_t window_seconds_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<UnixSeconds>> failures_;
  std::unordered_map<std::string, int> pending_;  // reserved, not yet settled
};

}  // namespace cityid::auth
