// Sites and appointments in SQLite (migration v6, core/appointments.h).
#include "store/sqlite/sqlite_internal.h"

namespace cityid::store::sqlite_internal {
namespace {

// Columns in the order every site SELECT below lists them.
SiteRow SiteFrom(const Query& q) {
  SiteRow r;
  r.id = q.Text(0);
  r.name = q.Text(1);
  r.kind = q.Text(2);
  r.address = q.Text(3);
  r.timezone = q.Text(4);
  r.hours_json = q.Text(5);
  r.slot_minutes = static_cast<int>(q.Int(6));
  r.capacity = static_cast<int>(q.Int(7));
  r.closed_json = q.Text(8);
  r.created_at = q.Int(9);
  r.updated_at = q.Int(10);
  r.languages_json = q.Text(11);
  r.accessibility = q.Text(12);
  return r;
}

AppointmentRow AppointmentFrom(const Query& q) {
  AppointmentRow r;
  r.id = q.Text(0);
  r.reference = q.Text(1);
  r.pin_hash = q.Blob(2);
  r.site_id = q.Text(3);
  r.slot_start = q.Int(4);
  r.seat = static_cast<int>(q.Int(5));
  r.wrapped_key = q.Blob(6);
  r.sealed = q.Blob(7);
  r.language = q.Text(8);
  r.state = q.Text(9);
  r.created_at = q.Int(10);
  r.updated_at = q.Int(11);
  r.expires_at = q.Int(12);
  return r;
}

}  // namespace

Status SqliteTx::InsertSite(const SiteRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO sites (id, name, kind, address, timezone, hours_json, slot_minutes, "
             "capacity, closed_json, created_at, updated_at, languages_json, accessibility) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.name).Bind(r.kind).Bind(r.address).Bind(r.timezone).Bind(r.hours_json)
      .Bind(r.slot_minutes).Bind(r.capacity).Bind(r.closed_json).Bind(r.created_at)
      .Bind(r.updated_at).Bind(r.languages_json).Bind(r.accessibility);
  return q.Exec();
}

Status SqliteTx::UpdateSite(const SiteRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE sites SET name = ?, kind = ?, address = ?, timezone = ?, hours_json = ?, "
             "slot_minutes = ?, capacity = ?, closed_json = ?, updated_at = ?, languages_json = ?, "
             "accessibility = ? WHERE id = ?");
  q.Bind(r.name).Bind(r.kind).Bind(r.address).Bind(r.timezone).Bind(r.hours_json)
      .Bind(r.slot_minutes).Bind(r.capacity).Bind(r.closed_json).Bind(r.updated_at)
      .Bind(r.languages_json).Bind(r.accessibility).Bind(r.id);
  return ExecChanged(q, "site");
}

Result<std::optional<SiteRow>> SqliteTx::GetSite(std::string_view id) {
  auto q = Q("SELECT id, name, kind, address, timezone, hours_json, slot_minutes, capacity, "
             "closed_json, created_at, updated_at, languages_json, accessibility FROM sites "
             "WHERE id = ?");
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<SiteRow>();
  return std::optional<SiteRow>(SiteFrom(q));
}

Result<std::vector<SiteRow>> SqliteTx::ListSites() {
  auto q = Q("SELECT id, name, kind, address, timezone, hours_json, slot_minutes, capacity, "
             "closed_json, created_at, updated_at, languages_json, accessibility FROM sites "
             "ORDER BY id");
  std::vector<SiteRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(SiteFrom(q));
  }
  return out;
}

Status SqliteTx::InsertAppointment(const AppointmentRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO appointments (id, reference, pin_hash, site_id, slot_start, seat, "
             "wrapped_key, sealed, language, state, created_at, updated_at, expires_at) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.reference).Bind(r.pin_hash).Bind(r.site_id).Bind(r.slot_start)
      .Bind(r.seat).Bind(r.wrapped_key).Bind(r.sealed).Bind(r.language).Bind(r.state)
      .Bind(r.created_at).Bind(r.updated_at).Bind(r.expires_at);
  return q.Exec();
}

Result<std::optional<AppointmentRow>> SqliteTx::GetAppointmentByReference(
    std::string_view reference) {
  auto q = Q("SELECT id, reference, pin_hash, site_id, slot_start, seat, wrapped_key, sealed, "
             "language, state, created_at, updated_at, expires_at FROM appointments "
             "WHERE reference = ?");
  q.Bind(reference);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<AppointmentRow>();
  return std::optional<AppointmentRow>(AppointmentFrom(q));
}

Status SqliteTx::UpdateAppointment(const AppointmentRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE appointments SET slot_start = ?, seat = ?, state = ?, updated_at = ?, "
             "expires_at = ? WHERE id = ?");
  q.Bind(r.slot_start).Bind(r.seat).Bind(r.state).Bind(r.updated_at).Bind(r.expires_at)
      .Bind(r.id);
  return ExecChanged(q, "appointment");
}

Result<std::vector<int>> SqliteTx::TakenSeats(std::string_view site_id, UnixSeconds slot_start) {
  auto q = Q("SELECT seat FROM appointments WHERE site_id = ? AND slot_start = ? "
             "AND state IN ('booked', 'moved') ORDER BY seat");
  q.Bind(site_id).Bind(slot_start);
  std::vector<int> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(static_cast<int>(q.Int(0)));
  }
  return out;
}

Result<std::vector<std::pair<UnixSeconds, int64_t>>> SqliteTx::CountLiveBookings(
    std::string_view site_id, UnixSeconds from, UnixSeconds to) {
  auto q = Q("SELECT slot_start, count(*) FROM appointments WHERE site_id = ? AND "
             "slot_start >= ? AND slot_start < ? AND state IN ('booked', 'moved') "
             "GROUP BY slot_start ORDER BY slot_start");
  q.Bind(site_id).Bind(from).Bind(to);
  std::vector<std::pair<UnixSeconds, int64_t>> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.emplace_back(q.Int(0), q.Int(1));
  }
  return out;
}

Result<std::vector<AppointmentRow>> SqliteTx::ListAppointments(std::string_view site_id,
                                                               UnixSeconds from, UnixSeconds to,
                                                               size_t limit) {
  auto q = Q("SELECT id, reference, pin_hash, site_id, slot_start, seat, wrapped_key, sealed, "
             "language, state, created_at, updated_at, expires_at FROM appointments "
             "WHERE site_id = ? AND slot_start >= ? AND slot_start < ? "
             "ORDER BY slot_start, reference LIMIT ?");
  q.Bind(site_id).Bind(from).Bind(to).Bind(static_cast<int64_t>(limit));
  std::vector<AppointmentRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(AppointmentFrom(q));
  }
  return out;
}

Result<std::vector<std::string>> SqliteTx::ExpiredAppointmentIds(UnixSeconds now, size_t limit) {
  auto q = Q("SELECT id FROM appointments WHERE expires_at <= ? ORDER BY expires_at, id LIMIT ?");
  q.Bind(now).Bind(static_cast<int64_t>(limit));
  std::vector<std::string> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Text(0));
  }
  return out;
}

Status SqliteTx::DeleteAppointment(std::string_view id) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("DELETE FROM appointments WHERE id = ?");
  q.Bind(id);
  return ExecChanged(q, "appointment");
}

}  // namespace cityid::store::sqlite_internal
