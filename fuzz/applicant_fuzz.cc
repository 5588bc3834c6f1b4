// Fuzzes the applicant-file parser (core::ParseApplicantJson): arbitrary bytes must give a
// value or a clean error, never a crash, hang or leak. Photo paths resolve inside an empty
// folder, so the fuzzer never reads real files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/applicant.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = cityid::core::ParseApplicantJson(text, "/nonexistent-fuzz-dir", {2026, 11, 25});
  if (r.ok()) {
    // Round-trip what parsed through the record serializer, as enrollment does.
    cityid::core::PersonRecord rec;
    rec.legal_name = r->legal_name;
    rec.date_of_birth = r->date_of_birth;
    rec.address = r->address;
    auto back = cityid::core::PersonRecord::FromJson(rec.ToJson());
    if (!back.ok()) __builtin_trap();
  }
  return 0;
}
