#pragma once
// What the retention job (core::PurgeExpired, `cityid purge --expired`) would do if it ran now,
// without doing it: the admin console's "Retention status" (issue 17). Counts only, never who.

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "core/workflow.h"

namespace cityid::core {

struct RetentionPreview {
  UnixSeconds now = 0;
  // The policy's periods ([retention]); 0 days disables the abandoned / rejected rules.
  int abandoned_application_days = 0;
  int rejected_application_days = 0;
  int after_card_expiry_days = 0;
  // Cards still active or suspended past their expiry: marked expired.
  int64_t cards_to_expire = 0;
  // Cards never marked printed within the policy's print_window_days of issue: their holders'
  // addresses (and photos, per policy) are dropped (PurgeExpired's print-window step).
  int64_t print_windows_to_close = 0;
  // Persons whose record would be crypto-shredded, by the first rule that selects them (a
  // person is counted once): an application untouched for abandoned_application_days, one
  // rejected rejected_application_days ago, every card expired after_card_expiry_days ago.
  int64_t persons_abandoned = 0;
  int64_t persons_rejected = 0;
  int64_t persons_card_expired = 0;
  // Persons under a legal hold (whose record still exists): never purged while held, whatever
  // the rules say. (Placing a hold touches the application, so a freshly held record is not
  // selected by the age rules anyway.)
  int64_t persons_held = 0;
  // The time of the latest audit entry the retention job wrote (card.expire "retention",
  // person.purge / appointment.purge "retention: ..."), among
  // the last kRetentionScanEntries entries; nullopt when there is none.
  std::optional<UnixSeconds> last_action_at;
};

inline constexpr int64_t kRetentionScanEntries = 100000;

// Reads the store in one read transaction, applying exactly PurgeExpired's selection (see
// workflow.cc) and its two exclusions (a legal hold; a card of the person whose expiry plus
// the grace period has not passed). Decrypts nothing and writes nothing, so it is not logged.
// Fails with kPermissionDenied unless the actor is an admin; store errors.
Result<RetentionPreview> PreviewRetention(Context& ctx, const Actor& actor);

}  // namespace cityid::core
