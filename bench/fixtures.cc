#include "fixtures.h"

#include <array>

namespace cityid::bench {
namespace {

constexpr std::array<const char*, 24> kGiven = {
    "José", "María", "Ana", "Juan", "Wei", "Fang", "Mohammed", "Fatima", "Olena", "Dmytro",
    "Aisha", "Kwame", "Nguyễn", "Thảo", "Priya", "Arjun", "Хосе", "Анна", "محمد", "فاطمة",
    "Mei", "Carlos", "Lucía", "Jean-Pierre"};
constexpr std::array<const char*, 24> kFamily = {
    "García", "Rodríguez", "López", "Martínez", "Wang", "Li", "Hassan", "Ali", "Kovalenko",
    "Shevchenko", "Diallo", "Mensah", "Trần", "Lê", "Sharma", "Patel", "Гарсия", "Иванова",
    "حسن", "علي", "Chen", "Hernández", "Pérez", "Dubois"};

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

core::ApplicantInput MakeApplicant(uint64_t i, const Date& today) {
  const uint64_t h = Mix(i);
  core::ApplicantInput in;
  // A numeric suffix keeps most synthetic people distinct, as real populations are.
  in.legal_name.given = std::string(kGiven[h % kGiven.size()]);
  in.legal_name.family =
      std::string(kFamily[(h >> 8) % kFamily.size()]) + " " + std::to_string(i % 100003);
  in.date_of_birth = Date::FromDays(Date{1940, 1, 1}.DaysSinceEpoch() + (h >> 16) % 25000);
  in.address = core::Address{std::to_string(1 + h % 999) + " Main St", "", "New York", "NY",
                             "100" + std::to_string(10 + h % 80)};
  in.gender = (h & 1) ? "F" : "M";
  in.language = "es";
  in.documents.push_back({"foreign_passport", "P" + std::to_string(10000000 + i), std::nullopt,
                          today.AddYears(3)});
  in.documents.push_back({"utility_bill", "", today.AddDays(-10), std::nullopt});
  return in;
}

}  // namespace cityid::bench
