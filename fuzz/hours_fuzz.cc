// libFuzzer target: a site's opening hours, as an admin types them (`cityid site add --hours`,
// ParseOpeningHours) and as stored with the site and read back (OpeningHoursFromJson), and the
// site's UTC offset (ParseUtcOffset). Any error is fine; a crash, a leak, an exception, hours
// outside a day or unsorted, or hours that change through their own JSON form are not.
// Seeds (fuzz/corpus/hours_fuzz/) are the forms the docs and tests use, and their JSON.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/appointments.h"

namespace {

using cityid::core::OpeningHours;

void Check(const cityid::Result<OpeningHours>& h) {
  if (!h.ok()) return;
  for (const auto& day : h->days) {
    int last_close = -1;
    for (const auto& [open, close] : day) {
      if (open < 0 || close > 24 * 60 || open >= close || open < last_close) std::abort();
      last_close = close;
    }
  }
  auto back = cityid::core::OpeningHoursFromJson(cityid::core::OpeningHoursJson(*h));
  if (!back.ok() || back->days != h->days) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(cityid::core::ParseOpeningHours(text));
  Check(cityid::core::OpeningHoursFromJson(text));
  auto offset = cityid::core::ParseUtcOffset(text);
  if (offset.ok() && (*offset < -14 * 3600 || *offset > 14 * 3600)) std::abort();
  return 0;
}
