#include "core/retention.h"

#include <algorithm>
#include <set>
#include <string>

#include "core/checks.h"

namespace cityid::core {
namespace {

constexpr size_t kRetentionAuditPage = 1000;

}  // namespace

Result<RetentionPreview> PreviewRetention(Context& ctx, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RetentionPreview out;
  const UnixSeconds now = ctx.clock.Now();
  const auto& ret = ctx.policy.retention();
  out.now = now;
  out.abandoned_application_days = ret.abandoned_application_days;
  out.rejected_application_days = ret.rejected_application_days;
  out.after_card_expiry_days = ret.after_card_expiry_days;

  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    std::set<std::string> held_persons;
    CITYID_ASSIGN_OR_RETURN(auto held_apps, tx.ListHeldApplications());
    for (const auto& a : held_apps) {
      if (!held_persons.insert(a.person_id).second) continue;
      CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(a.person_id));
      if (person) ++out.persons_held;
    }

    // The same order as PurgeExpired: a person selected by an earlier rule is gone (or held)
    // by the time a later rule looks at them.
    std::set<std::string> seen;
    std::set<std::string> to_purge;
    auto consider = [&](const std::string& person_id, int64_t* counter) -> Status {
      if (!seen.insert(person_id).second) return Status::Ok();
      CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
      if (!person) return Status::Ok();
      if (held_persons.count(person_id) > 0) return Status::Ok();  // counted below
      store::CardFilter cf;
      cf.person_id = person_id;
      CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(cf));
      for (const auto& c : cards) {
        if (c.expires_at + ret.after_card_expiry_days * kSecondsPerDay > now) {
          return Status::Ok();
        }
      }
      ++*counter;
      to_purge.insert(person_id);
      return Status::Ok();
    };

    store::CardFilter expiring;
    expiring.states = {Name(CardState::kActive), Name(CardState::kSuspended)};
    expiring.expires_before = now;
    expiring.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(expiring));
    out.cards_to_expire = static_cast<int64_t>(cards.size());


    if (ret.abandoned_application_days > 0) {
      store::ApplicationFilter abandoned;
      abandoned.states = {"booked", "in_review", "documents_checked", "flagged", "approved"};
      abandoned.updated_before = now - ret.abandoned_application_days * kSecondsPerDay;
      abandoned.person_exists = true;
      abandoned.limit = 100000;
      CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(abandoned));
      for (const auto& a : apps) {
        CITYID_RETURN_IF_ERROR(consider(a.person_id, &out.persons_abandoned));
      }
    }
    if (ret.rejected_application_days > 0) {
      store::ApplicationFilter rejected;
      rejected.states = {"rejected"};
      rejected.updated_before = now - ret.rejected_application_days * kSecondsPerDay;
      rejected.person_exists = true;
      rejected.limit = 100000;
      CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(rejected));
      for (const auto& a : apps) {
        CITYID_RETURN_IF_ERROR(consider(a.person_id, &out.persons_rejected));
      }
    }
    store::CardFilter old_cards;
    old_cards.expires_before = now - ret.after_card_expiry_days * kSecondsPerDay;
    old_cards.person_exists = true;
    old_cards.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(cards, tx.ListCards(old_cards));
    for (const auto& c : cards) {
      CITYID_RETURN_IF_ERROR(consider(c.person_id, &out.persons_card_expired));
    }

    // Cards never marked printed within the print window, as PurgeExpired's last step: only
    // records that still exist, are not purged by the rules above and are not under a hold.
    store::CardFilter unprinted;
    unprinted.retention_due_issued_before = now - ret.print_window_days * kSecondsPerDay;
    unprinted.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(auto due, tx.ListCards(unprinted));
    for (const auto& c : due) {
      if (to_purge.count(c.person_id) > 0 || held_persons.count(c.person_id) > 0) continue;
      CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(c.person_id));
      if (person) ++out.print_windows_to_close;
    }

    // The latest entry the job wrote, newest page first.
    CITYID_ASSIGN_OR_RETURN(int64_t size, tx.AuditSize());
    const int64_t stop = std::max<int64_t>(0, size - kRetentionScanEntries);
    for (int64_t end = size; end > stop && !out.last_action_at;) {
      const int64_t from = std::max<int64_t>(stop, end - static_cast<int64_t>(kRetentionAuditPage));
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(from, static_cast<size_t>(end - from)));
      for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        // The job's own entries: an expired card ("retention"), a purged record or booking
        // ("retention: ..."); not issuance's "retention after print".
        const auto& e = it->entry;
        const bool job = (e.action == "card.expire" && e.reason == "retention") ||
                         ((e.action == "person.purge" || e.action == "appointment.purge") &&
                          e.reason.rfind("retention: ", 0) == 0);
        if (job) {
          out.last_action_at = it->entry.at;
          break;
        }
      }
      end = from;
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace cityid::core
