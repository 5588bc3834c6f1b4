#include "base/clock.h"

#include <ctime>

namespace cityid {

UnixSeconds SystemClock::Now() const { return static_cast<UnixSeconds>(std::time(nullptr)); }

}  // namespace cityid
