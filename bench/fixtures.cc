#include "fixtures.h"

#include <array>
#include <string>

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

// The serial in base 75 as consonant-vowel syllables, capitalized: 0 "Ba", 1 "Be", 76 "Bebe".
std::string SerialName(uint64_t n) {
  static constexpr char kConsonants[] = "bdfghklmnprstvz";  // 15 (+ 5 vowels = 75 syllables)
  static constexpr char kVowels[] = "aeiou";
  std::string out;
  do {
    const uint64_t syllable = n % 75;
    out += kConsonants[syllable / 5];
    out += kVowels[syllable % 5];
    n /= 75;
  } while (n > 0);
  out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace

core::ApplicantInput MakeApplicant(uint64_t i, const Date& today) {
  const uint64_t h = Mix(i);
  core::ApplicantInput in;
  // A second family name spelled from the serial keeps most synthetic people distinct, as real
  // populations are (letters: a name may not hold digits, base/names.h).
  in.legal_name.given = std::string(kGiven[h % kGiven.size()]);
  in.legal_name.family =
      std::string(kFamily[(h >> 8) % kFamily.size()]) + " " + SerialName(i % 100003);
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
