#include "auth/rate_limiter.h"

#include <algorithm>

namespace cityid::auth {

FailureLimiter::FailureLimiter(int max_failures, int64_t window_seconds, size_t max_keys)
    : max_failures_(std::max(1, max_failures)),
      window_seconds_(std::max<int64_t>(1, window_seconds)),
      max_keys_(std::max<size_t>(1, max_keys)) {}

void FailureLimiter::Prune(std::deque<UnixSeconds>& times, UnixSeconds now) const {
  while (!times.empty() && times.front() <= now - window_seconds_) times.pop_front();
}

int64_t FailureLimiter::RetryAfter(std::string_view key, UnixSeconds now) {
  std::lock_guard lock(mu_);
  return RetryAfterLocked(std::string(key), now);
}

int64_t FailureLimiter::RetryAfterLocked(const std::string& key, UnixSeconds now) {
  const auto p = pending_.find(key);
  const size_t pending = p == pending_.end() ? 0 : static_cast<size_t>(p->second);
  const size_t max = static_cast<size_t>(max_failures_);
  auto it = failures_.find(key);
  size_t recorded = 0;
  if (it != failures_.end()) {
    Prune(it->second, now);
    recorded = it->second.size();
  }
  if (recorded + pending < max) return 0;
  // Full with attempts still running: they settle within a hash's time.
  if (recorded < max) return 1;
  const UnixSeconds oldest_counted = it->second[recorded - max];
  return std::max<int64_t>(1, oldest_counted + window_seconds_ - now);
}

int64_t FailureLimiter::Reserve(std::string_view key, UnixSeconds now) {
  std::lock_guard lock(mu_);
  const std::string k(key);
  if (int64_t wait = RetryAfterLocked(k, now); wait > 0) return wait;
  ++pending_[k];
  return 0;
}

void FailureLimiter::Settle(std::string_view key, UnixSeconds now, bool failed) {
  std::lock_guard lock(mu_);
  const std::string k(key);
  if (auto p = pending_.find(k); p != pending_.end() && --p->second <= 0) pending_.erase(p);
  if (failed) RecordFailureLocked(k, now);
}

void FailureLimiter::RecordFailure(std::string_view key, UnixSeconds now) {
  std::lock_guard lock(mu_);
  RecordFailureLocked(std::string(key), now);
}

void FailureLimiter::RecordFailureLocked(const std::string& k, UnixSeconds now) {
  if (failures_.find(k) == failures_.end() && failures_.size() >= max_keys_) MakeRoom(now);
  auto& times = failures_[k];
  Prune(times, now);
  times.push_back(now);
  // Only the last max_failures_ matter for the decision.
  while (times.size() > static_cast<size_t>(max_failures_)) times.pop_front();
}

void FailureLimiter::Reset(std::string_view key) {
  std::lock_guard lock(mu_);
  failures_.erase(std::string(key));
}

void FailureLimiter::MakeRoom(UnixSeconds now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    Prune(it->second, now);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
  if (failures_.size() < max_keys_) return;
  auto oldest = std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
    return a.second.back() < b.second.back();
  });
  failures_.erase(oldest);
}

}  // namespace cityid::auth
