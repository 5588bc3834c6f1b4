#include "base/date.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

TEST(DateTest, ParsesIsoDates) {
  auto d = Date::Parse("1990-02-28");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->year, 1990);
  EXPECT_EQ(d->month, 2);
  EXPECT_EQ(d->day, 28);
  EXPECT_EQ(d->ToString(), "1990-02-28");
  EXPECT_EQ(d->ToCompactString(), "19900228");
}

TEST(DateTest, RejectsImpossibleAndMalformedDates) {
  for (const char* bad : {"1990-02-30", "2023-02-29", "1990-13-01", "1990-00-10", "90-01-01",
                          "1990/01/01", "1990-1-01", "", "abcd-ef-gh", "0999-01-01"}) {
    EXPECT_FALSE(Date::Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(Date::Parse("2024-02-29").ok());
}

TEST(DateTest, RoundTripsThroughDays) {
  for (int64_t days = -40000; days < 40000; days += 37) {
    EXPECT_EQ(Date::FromDays(days).DaysSinceEpoch(), days);
  }
  EXPECT_EQ(Date::FromUnix(0).ToString(), "1970-01-01");
  EXPECT_EQ(Date::FromUnix(-1).ToString(), "1969-12-31");
}

TEST(DateTest, ComputesAgeOnBirthday) {
  const Date birth = *Date::Parse("2005-06-15");
  EXPECT_EQ(AgeOn(birth, *Date::Parse("2023-06-14")), 17);
  EXPECT_EQ(AgeOn(birth, *Date::Parse("2023-06-15")), 18);
}

TEST(DateTest, AddYearsClampsLeapDay) {
  EXPECT_EQ(Date::Parse("2024-02-29")->AddYears(1).ToString(), "2025-02-28");
}

}  // namespace
}  // namespace cityid
