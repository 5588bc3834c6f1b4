#include "core/access_history.h"

#include <sodium.h>

#include <algorithm>
#include <optional>

#include "core/applicant.h"
#include "core/ids.h"
#include "crypto/envelope.h"

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
    {"history.view", "access history viewed", "historial de accesos consultado"},
};

constexpr const char* kViewAction = "history.view";

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

audit::Entry ViewEntry(const BookingContext& ctx, const HistoryViewer& v, std::string subject) {
  if (v.staff == nullptr) {
    return audit::Entry{ctx.clock.Now(), "public",           "applicant", "",
                        kViewAction,     std::move(subject), ""};
  }
  return audit::Entry{
      ctx.clock.Now(), v.staff->id,        Name(v.staff->role),         v.staff->site,
      kViewAction,     std::move(subject), "at the applicant's request"};
}

std::string About(std::string_view subject) {
  if (subject.starts_with("per_")) return "record";
  if (subject.starts_with("app_")) return "application";
  if (subject.starts_with("apt_")) return "appointment";
  return "card";  // card numbers are 12 digits
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

Result<AccessHistory> AccessHistoryByCard(BookingContext& ctx, std::string_view card_number,
                                          std::string_view date_of_birth,
                                          const HistoryViewer& viewer) {
  CITYID_RETURN_IF_ERROR(CheckViewer(viewer));
  CITYID_ASSIGN_OR_RETURN(const std::string number, ParseCardNumber(card_number));
  CITYID_ASSIGN_OR_RETURN(const Date dob, Date::Parse(date_of_birth));
  const std::string given = dob.ToString();

  // 1. Authenticate in a read transaction: failed attempts never take the write lock.
  std::string person_id;
  std::vector<std::string> subjects;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto card, tx.GetCard(number));
    if (!card) return InvalidCredentials();
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetPerson(card->person_id));
    if (!row) return InvalidCredentials();  // purged: nothing left to compare with
    auto dk = crypto::UnwrapDataKey(ctx.keys.kek(), row->wrapped_key, row->id);
    if (!dk.ok()) return dk.status();
    auto plain = crypto::OpenRecord(*dk, row->id, row->schema_version, row->sealed);
    if (!plain.ok()) return plain.status();
    auto record = PersonRecord::FromJson(AsChars(plain->view()));
    if (!record.ok()) return record.status();
    const std::string stored = record->date_of_birth.ToString();
    // Both are canonical YYYY-MM-DD (10 bytes); compare without an early exit.
    if (stored.size() != given.size() ||
        sodium_memcmp(stored.data(), given.data(), given.size()) != 0) {
      return InvalidCredentials();
    }
    person_id = row->id;
    subjects.push_back(person_id);
    store::ApplicationFilter af;
    af.person_id = person_id;
    CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(af));
    for (const auto& a : apps) subjects.push_back(a.id);
    store::CardFilter cf;
    cf.person_id = person_id;
    CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(cf));
    for (const auto& c : cards) subjects.push_back(c.number);
    return Status::Ok();
  }));

  // 2. Log the view and read the entries in one write transaction.
  AccessHistory out;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto still, tx.GetPerson(person_id));
    if (!still) return InvalidCredentials();  // purged in between
    CITYID_ASSIGN_OR_RETURN(out, ViewAndRead(tx, ctx, viewer, subjects));
    return Status::Ok();
  }));
  return out;
}

Result<AccessHistory> AccessHistoryByBooking(BookingContext& ctx, std::string_view reference,
                                             std::string_view pin, const HistoryViewer& viewer) {
  CITYID_RETURN_IF_ERROR(CheckViewer(viewer));
  auto booking = GetBooking(ctx, reference, pin);  // constant-time PIN check
  if (!booking.ok()) {
    if (booking.status().id() == ErrorId::kBookingNotFound) return InvalidCredentials();
    return booking.status();
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
