#include "base/date.h"

#include <cstdio>

namespace cityid {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeap(y)) return 29;
  return kDays[m - 1];
}

bool ParseDigits(std::string_view s, int& out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return !s.empty();
}

Result<Date> Build(int y, int m, int d) {
  Date date{y, m, d};
  if (!date.valid()) return Error(ErrorId::kInvalidDate, "no such calendar day");
  return date;
}

}  // namespace

bool Date::valid() const {
  return year >= 1000 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

Result<Date> Date::Parse(std::string_view t) {
  int y, m, d;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !ParseDigits(t.substr(0, 4), y) ||
      !ParseDigits(t.substr(5, 2), m) || !ParseDigits(t.substr(8, 2), d)) {
    return Error(ErrorId::kInvalidDate, "expected a date as YYYY-MM-DD");
  }
  return Build(y, m, d);
}

Result<Date> Date::ParseCompact(std::string_view t) {
  int y, m, d;
  if (t.size() != 8 || !ParseDigits(t.substr(0, 4), y) || !ParseDigits(t.substr(4, 2), m) ||
      !ParseDigits(t.substr(6, 2), d)) {
    return Error(ErrorId::kInvalidDate, "expected a date as YYYYMMDD");
  }
  return Build(y, m, d);
}

std::string Date::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::string Date::ToCompactString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", year, month, day);
  return buf;
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t Date::DaysSinceEpoch() const {
  int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date Date::FromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  return Date{y, m, d};
}

Date Date::FromUnix(UnixSeconds t) {
  int64_t days = t / 86400;
  if (t % 86400 < 0) --days;
  return FromDays(days);
}

Date Date::AddYears(int years) const {
  Date d{year + years, month, day};
  if (d.month == 2 && d.day == 29 && !IsLeap(d.year)) d.day = 28;
  return d;
}

int AgeOn(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

}  // namespace cityid
