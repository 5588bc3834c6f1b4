#include "core/access_history.h"

#include <algorithm>
#include <optional>

#include "core/access_code.h"

namespace cityid::core {
namespace {

struct Words {
  const char* action;
  const char* en;
  const char* es;
};

// Every action whose subject can be a person, application, card or booking id.
constexpr Words kWords[] = {
    {"person.create", "record created", "expediente creado"},  // logs from before one entry per enrollment
    {"person.read", "record read", "expediente consultado"},
    {"person.update", "record updated", "expediente actualizado"},
    {"person.purge", "record deleted", "expediente eliminado"},
    {"application.enroll", "application submitted", "solicitud presentada"},
    {"application.flag", "application flagged for review", "solicitud marcada para revisión"},
    {"application.approve", "application approved", "solicitud aprobada"},
    {"application.reject", "application rejected", "solicitud rechazada"},
    {"application.print", "card printed", "tarjeta impresa"},
    {"application.issue", "application completed", "solicitud completada"},
    {"application.withdraw", "application withdrawn", "solicitud retirada"},
    {"card.issue", "card issued", "tarjeta emitida"},
    {"card.revoke", "card revoked", "tarjeta revocada"},
    {"card.suspend", "card suspended", "tarjeta suspendida"},
    {"card.renew", "card renewed", "tarjeta renovada"},
    {"card.replace", "card replaced", "tarjeta reemplazada"},
    {"card.expire", "card expired", "tarjeta vencida"},
    {"hold.place", "legal hold placed", "retención legal establecida"},
    {"hold.release", "legal hold released", "retención legal levantada"},
    {"hold.note_read", "legal hold note read", "nota de retención legal consultada"},
    {"appointment.book", "appointment booked", "cita reservada"},
    {"appointment.move", "appointment moved", "cita cambiada"},
    {"appointment.cancel", "appointment cancelled", "cita cancelada"},
    {"appointment.purge", "appointment deleted", "cita eliminada"},
    {"appointment.read", "appointment read at the counter", "cita consultada en el mostrador"},
    {"history.view", "access history viewed", "historial de accesos consultado"},
    {"history.denied", "access history refused: wrong PIN",
     "historial de accesos denegado: PIN incorrecto"},
    {"history.code_issue", "access code re-issued", "código de acceso emitido de nuevo"},
    {"card.present", "card presented", "tarjeta presentada"},
};

constexpr const char* kViewAction = "history.view";
constexpr const char* kDeniedAction = "history.denied";

Status InvalidCredentials() {
  // One answer for every mismatch: it must not say which part was wrong.
  return Error(ErrorId::kInvalidCredentials, "those details do not match a record");
}

Status CheckViewer(const HistoryViewer& v) {
  if (v.staff == nullptr) return Status::Ok();
  switch (v.staff->role) {
    case Role::kClerk:
    case Role::kSupervisor:
    case Role::kPartner:
    case Role::kAdmin:
      return Status::Ok();
    default:
      return Error(ErrorId::kPermissionDenied,
                   std::string("role '") + Name(v.staff->role) + "' may not do this");
  }
}

audit::Entry ViewEntry(const BookingContext& ctx, const HistoryViewer& v, std::string subject,
                       const char* action = kViewAction) {
  if (v.staff == nullptr) {
    return audit::Entry{ctx.clock.Now(), "public", "applicant", "", action, std::move(subject), ""};
  }
  return audit::Entry{
      ctx.clock.Now(), v.staff->id,        Name(v.staff->role),         v.staff->site,
      action,          std::move(subject), "at the applicant's request"};
}

std::string About(std::string_view subject) {
  if (subject.starts_with("per_")) return "record";
  if (subject.starts_with("app_")) return "application";
  if (subject.starts_with("apt_")) return "appointment";
  return "card";  // "crd_..." (or, before schema v13, the 12-digit number)
}

// Appends the view entry, then reads every entry about `subjects` (the view included): the
// latest kMaxHistoryEntries, oldest first. Runs inside the caller's write transaction.
Result<AccessHistory> ViewAndRead(store::Tx& tx, const BookingContext& ctx,
                                  const HistoryViewer& viewer,
                                  const std::vector<std::string>& subjects) {
  CITYID_RETURN_IF_ERROR(tx.AppendAudit(ViewEntry(ctx, viewer, subjects.front())).status());
  std::vector<store::AuditRow> rows;
  for (const auto& s : subjects) {
    CITYID_ASSIGN_OR_RETURN(auto some, tx.AuditBySubject(s, kMaxHistoryEntries + 1));
    for (auto& r : some) rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(),
            [](const store::AuditRow& a, const store::AuditRow& b) { return a.seq < b.seq; });
  rows.erase(std::unique(
                 rows.begin(), rows.end(),
                 [](const store::AuditRow& a, const store::AuditRow& b) { return a.seq == b.seq; }),
             rows.end());
  AccessHistory out;
  size_t first = 0;
  if (rows.size() > kMaxHistoryEntries) {
    out.truncated = true;
    first = rows.size() - kMaxHistoryEntries;
  }
  for (size_t i = first; i < rows.size(); ++i) {
    const audit::Entry& e = rows[i].entry;
    ActionWords w = DescribeAction(e.action);
    // Deliberately no e.actor: staff ids (and the CLI's "cli:<login name>") stay in the log.
    out.entries.push_back(HistoryEntry{rows[i].seq, e.at, e.action, std::move(w.en),
                                       std::move(w.es), e.role, e.site, e.reason,
                                       About(e.subject)});
  }
  return out;
}

}  // namespace

ActionWords DescribeAction(std::string_view action) {
  for (const auto& w : kWords) {
    if (action == w.action) return ActionWords{w.en, w.es};
  }
  return ActionWords{"other access (" + std::string(action) + ")",
                     "otro acceso (" + std::string(action) + ")"};
}

Result<AccessHistory> AccessHistoryByCode(BookingContext& ctx, std::string_view access_code,
                                          const HistoryViewer& viewer) {
  CITYID_RETURN_IF_ERROR(CheckViewer(viewer));
  CITYID_ASSIGN_OR_RETURN(const std::string canonical, NormalizeAccessCode(access_code));
  // Looked up by its keyed hash: the comparison is on a MAC of the code, never the code.
  const Bytes hash = AccessCodeHash(ctx.keys.blind_indexer(), canonical);

  // 1. Authenticate in a read transaction: failed attempts never take the write lock.
  std::string person_id;
  std::vector<std::string> subjects;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto owner, tx.FindAccessCode(hash));
    if (!owner) return InvalidCredentials();
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetPerson(*owner));
    if (!row) return InvalidCredentials();  // purged
    person_id = row->id;
    subjects.push_back(person_id);
    store::ApplicationFilter af;
    af.person_id = person_id;
    CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(af));
    for (const auto& a : apps) subjects.push_back(a.id);
    store::CardFilter cf;
    cf.person_id = person_id;
    CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(cf));
    for (const auto& c : cards) {
      if (!c.subject.empty()) subjects.push_back(c.subject);
      subjects.push_back(c.number);  // entries written before schema v13
    }
    return Status::Ok();
  }));

  // 2. Log the view and read the entries in one write transaction.
  AccessHistory out;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto still, tx.FindAccessCode(hash));
    if (!still || *still != person_id) return InvalidCredentials();  // re-issued or purged
    CITYID_ASSIGN_OR_RETURN(out, ViewAndRead(tx, ctx, viewer, subjects));
    return Status::Ok();
  }));
  return out;
}

Result<AccessHistory> AccessHistoryByBooking(BookingContext& ctx, std::string_view reference,
                                             std::string_view pin, const HistoryViewer& viewer) {
  CITYID_RETURN_IF_ERROR(CheckViewer(viewer));
  const std::string ref = CanonicalBookingReference(reference);
  const UnixSeconds now = ctx.clock.Now();

  // 1. A booking with too many recent denials is refused before its PIN is even checked.
  std::optional<store::AppointmentRow> target;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    if (ref.empty()) return Status::Ok();
    CITYID_ASSIGN_OR_RETURN(target, tx.GetAppointmentByReference(ref));
    if (!target) return Status::Ok();
    // Denials are the booking's most frequent entries when it is being guessed: the latest
    // few hundred hold every denial of the window once the limit is near.
    CITYID_ASSIGN_OR_RETURN(auto recent, tx.AuditBySubject(target->id, 200));
    int denied = 0;
    for (const auto& r : recent) {
      if (r.entry.action == kDeniedAction && r.entry.at > now - kDeniedWindowSeconds) ++denied;
    }
    if (denied >= kMaxDeniedPerTarget) {
      return Error(ErrorId::kBookingRateLimited,
                   "too many wrong PINs for this booking; try again in " +
                       std::to_string(kDeniedWindowSeconds / 60) + " minutes");
    }
    return Status::Ok();
  }));

  auto booking = GetBooking(ctx, reference, pin);  // constant-time PIN check
  if (!booking.ok()) {
    if (booking.status().id() != ErrorId::kBookingNotFound) return booking.status();
    if (target) {
      // A wrong PIN for a booking that exists: logged under the booking's pseudonymous id.
      CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
        return tx.AppendAudit(ViewEntry(ctx, viewer, target->id, kDeniedAction)).status();
      }));
    }
    return InvalidCredentials();
  }
  AccessHistory out;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetAppointmentByReference(booking->reference));
    if (!row) return InvalidCredentials();  // deleted in between
    CITYID_ASSIGN_OR_RETURN(out, ViewAndRead(tx, ctx, viewer, {row->id}));
    return Status::Ok();
  }));
  return out;
}

}  // namespace cityid::core
