#include "dedup/phonetic.h"

#include <utility>

namespace cityid::dedup {
namespace {

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// The class of a single consonant letter (rule table in phonetic.h, last block); 0 if none.
char SingleClass(char c) {
  static constexpr std::pair<std::string_view, char> kClasses[] = {
      {"bpfv", 'P'}, {"gkq", 'K'}, {"sz", 'S'}, {"td", 'T'},
      {"l", 'L'},    {"m", 'M'},   {"n", 'N'},  {"r", 'R'},
  };
  for (const auto& [letters, symbol] : kClasses) {
    if (letters.find(c) != std::string_view::npos) return symbol;
  }
  return 0;
}

}  // namespace

std::string PhoneticKey(std::string_view ascii_token) {
  std::string s;
  s.reserve(ascii_token.size());
  for (const char c : ascii_token) {
    if (c >= 'a' && c <= 'z') {
      s.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      s.push_back(static_cast<char>(c - 'A' + 'a'));
    }
  }
  if (s.empty()) return "";

  const size_t n = s.size();
  auto at = [&](size_t i) -> char { return i < n ? s[i] : '\0'; };
  auto starts = [&](size_t i, std::string_view p) {
    return std::string_view(s).substr(i, p.size()) == p;
  };

  std::string key;  // class symbols, runs collapsed as they are emitted
  auto emit = [&](char symbol) {
    if (symbol != '\0' && (key.empty() || key.back() != symbol)) key.push_back(symbol);
  };

  for (size_t i = 0; i < n;) {
    const char c = s[i];
    if (IsVowel(c)) {
      ++i;
    } else if (starts(i, "dzh")) {
      emit('K');
      i += 3;
    } else if (starts(i, "dj")) {
      emit('K');
      i += 2;
    } else if (starts(i, "chr") || starts(i, "chl")) {
      emit('K');
      i += 2;  // the r or l is coded next
    } else if (starts(i, "tch")) {
      emit('S');
      i += 3;
    } else if (starts(i, "ch") || starts(i, "sh") || starts(i, "zh") || starts(i, "ts") ||
               starts(i, "tz") || starts(i, "cz")) {
      emit('S');
      i += 2;
    } else if (starts(i, "ph") || starts(i, "bh")) {
      emit('P');
      i += 2;
    } else if (starts(i, "th") || starts(i, "dh")) {
      emit('T');
      i += 2;
    } else if (c == 'c') {
      const char next = at(i + 1);
      emit(next == 'e' || next == 'i' || next == 'y' ? 'S' : 'K');
      ++i;
    } else if (c == 'x') {
      emit('K');
      emit('S');
      ++i;
    } else if (c == 'h') {
      if (i + 1 < n) emit('K');  // a final h is silent
      ++i;
    } else if (c == 'j') {
      const bool after_vowel = i > 0 && IsVowel(s[i - 1]);
      const bool before_vowel = IsVowel(at(i + 1));
      if (!(after_vowel && !before_vowel)) emit('K');
      ++i;
    } else if (c == 'w') {
      const char prev = i > 0 ? s[i - 1] : '\0';
      if (IsVowel(at(i + 1)) || prev == 'a' || prev == 'e' || prev == 'o') emit('P');
      ++i;
    } else {
      emit(SingleClass(c));
      ++i;
    }
  }
  return key.empty() ? "V" : key;
}

}  // namespace cityid::dedup
