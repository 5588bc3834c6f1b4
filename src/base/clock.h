#pragma once
// Time sources. Production code takes a Clock& so tests can pin "now".

#include <cstdint>

namespace cityid {

// Seconds since the Unix epoch, UTC.
using UnixSeconds = int64_t;

// Seconds in a calendar day of UTC (no leap seconds in Unix time).
inline constexpr int64_t kSecondsPerDay = 86400;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds Now() const = 0;
};

// The system wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  UnixSeconds Now() const override;
};

// A clock that returns a settable time. Not thread-safe; for tests and for `--now` overrides.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixSeconds now) : now_(now) {}
  UnixSeconds Now() const override { return now_; }
  void Set(UnixSeconds now) { now_ = now; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  UnixSeconds now_;
};

}  // namespace cityid
