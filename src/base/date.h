#pragma once
// Civil (calendar) dates without time zones: dates of birth, document issue/expiry dates.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace cityid {

struct Date {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31

  // Parses strict ISO 8601 "YYYY-MM-DD" (years 1000..9999, real calendar days).
  static Result<Date> Parse(std::string_view text);
  // Parses "YYYYMMDD" (MOSIP Claim 169 date form).
  static Result<Date> ParseCompact(std::string_view text);
  // The UTC calendar date of a Unix time.
  static Date FromUnix(UnixSeconds t);

  std::string ToString() const;         // "YYYY-MM-DD"
  std::string ToCompactString() const;  // "YYYYMMDD"
  // Days since 1970-01-01 (negative before).
  int64_t DaysSinceEpoch() const;
  // Midnight UTC at the start of this date.
  UnixSeconds ToUnix() const { return DaysSinceEpoch() * 86400; }
  static Date FromDays(int64_t days);
  Date AddDays(int64_t days) const { return FromDays(DaysSinceEpoch() + days); }
  // Same month/day `years` later; Feb 29 becomes Feb 28 in non-leap years.
  Date AddYears(int years) const;
  bool valid() const;

  auto operator<=>(const Date&) const = default;
};

// Whole years between `birth` and `on` (age on a date).
int AgeOn(const Date& birth, const Date& on);

}  // namespace cityid
