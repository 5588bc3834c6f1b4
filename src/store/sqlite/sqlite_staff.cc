// Staff accounts, sessions and failed logins in SQLite (migrations v4 and v16, src/auth).
#include "store/sqlite/sqlite_internal.h"

namespace cityid::store::sqlite_internal {
namespace {

// Columns in the order every staff SELECT below lists them.
StaffRow StaffFrom(const Query& q) {
  StaffRow r;
  r.id = q.Text(0);
  r.user_name = q.Text(1);
  r.role = q.Text(2);
  r.site = q.Text(3);
  r.password_hash = q.Text(4);
  r.totp_sealed = q.Blob(5);
  r.totp_last_step = q.Int(6);
  r.disabled = q.Int(7) != 0;
  r.created_at = q.Int(8);
  r.updated_at = q.Int(9);
  r.totp_pending = q.Blob(10);
  return r;
}

}  // namespace

Status SqliteTx::InsertStaff(const StaffRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO staff (id, user_name, role, site, password_hash, totp_sealed, "
             "totp_last_step, disabled, created_at, updated_at, totp_pending) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.user_name).Bind(r.role).Bind(r.site).Bind(r.password_hash)
      .BindNullableBlob(r.totp_sealed).Bind(r.totp_last_step).Bind(r.disabled).Bind(r.created_at)
      .Bind(r.updated_at).BindNullableBlob(r.totp_pending);
  return q.Exec();
}

Result<std::optional<StaffRow>> SqliteTx::GetStaff(std::string_view id) {
  auto q = Q("SELECT id, user_name, role, site, password_hash, totp_sealed, totp_last_step, "
             "disabled, created_at, updated_at, totp_pending FROM staff WHERE id = ?");
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<StaffRow>();
  return std::optional<StaffRow>(StaffFrom(q));
}

Result<std::optional<StaffRow>> SqliteTx::GetStaffByUserName(std::string_view user_name) {
  auto q = Q("SELECT id, user_name, role, site, password_hash, totp_sealed, totp_last_step, "
             "disabled, created_at, updated_at, totp_pending FROM staff WHERE user_name = ?");
  q.Bind(user_name);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<StaffRow>();
  return std::optional<StaffRow>(StaffFrom(q));
}

Result<std::vector<StaffRow>> SqliteTx::ListStaff() {
  auto q = Q("SELECT id, user_name, role, site, password_hash, totp_sealed, totp_last_step, "
             "disabled, created_at, updated_at, totp_pending FROM staff ORDER BY user_name");
  std::vector<StaffRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(StaffFrom(q));
  }
  return out;
}

Status SqliteTx::UpdateStaff(const StaffRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE staff SET role = ?, site = ?, password_hash = ?, totp_sealed = ?, "
             "totp_pending = ?, disabled = ?, updated_at = ? WHERE id = ?");
  q.Bind(r.role).Bind(r.site).Bind(r.password_hash).BindNullableBlob(r.totp_sealed)
      .BindNullableBlob(r.totp_pending).Bind(r.disabled).Bind(r.updated_at).Bind(r.id);
  return ExecChanged(q, "staff");
}

Result<bool> SqliteTx::ClaimTotpStep(std::string_view staff_id, int64_t step) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  {
    // One conditional UPDATE: two logins racing with the same code cannot both succeed.
    auto q = Q("UPDATE staff SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?");
    q.Bind(step).Bind(staff_id).Bind(step);
    CITYID_RETURN_IF_ERROR(q.Exec());
  }
  if (sqlite3_changes(store_.db()) == 1) return true;
  auto exists = Q("SELECT 1 FROM staff WHERE id = ?");
  exists.Bind(staff_id);
  CITYID_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (!row) return Error(ErrorId::kNotFound, "staff");
  return false;
}

Status SqliteTx::InsertSession(const SessionRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO staff_sessions (token_hash, staff_id, csrf_hash, created_at, "
             "last_seen_at) VALUES (?,?,?,?,?)");
  q.Bind(r.token_hash).Bind(r.staff_id).Bind(r.csrf_hash).Bind(r.created_at).Bind(r.last_seen_at);
  return q.Exec();
}

Result<std::optional<SessionRow>> SqliteTx::GetSession(ByteView token_hash) {
  auto q = Q("SELECT token_hash, staff_id, csrf_hash, created_at, last_seen_at "
             "FROM staff_sessions WHERE token_hash = ?");
  q.Bind(token_hash);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<SessionRow>();
  SessionRow r{q.Blob(0), q.Text(1), q.Blob(2), q.Int(3), q.Int(4)};
  return std::optional<SessionRow>(std::move(r));
}

Status SqliteTx::TouchSession(ByteView token_hash, UnixSeconds last_seen_at) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?");
  q.Bind(last_seen_at).Bind(token_hash);
  return ExecChanged(q, "session");
}

Status SqliteTx::DeleteSession(ByteView token_hash) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("DELETE FROM staff_sessions WHERE token_hash = ?");
  q.Bind(token_hash);
  return ExecChanged(q, "session");
}

Result<int64_t> SqliteTx::DeleteSessionsOfStaff(std::string_view staff_id) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("DELETE FROM staff_sessions WHERE staff_id = ?");
  q.Bind(staff_id);
  CITYID_RETURN_IF_ERROR(q.Exec());
  return static_cast<int64_t>(sqlite3_changes(store_.db()));
}

Result<int64_t> SqliteTx::DeleteExpiredSessions(UnixSeconds idle_before,
                                                UnixSeconds created_before) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("DELETE FROM staff_sessions WHERE last_seen_at < ? OR created_at < ?");
  q.Bind(idle_before).Bind(created_before);
  CITYID_RETURN_IF_ERROR(q.Exec());
  return static_cast<int64_t>(sqlite3_changes(store_.db()));
}

Status SqliteTx::InsertFailedLogin(std::string_view staff_id, UnixSeconds at) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO failed_logins (staff_id, at) VALUES (?,?)");
  q.Bind(staff_id).Bind(at);
  return q.Exec();
}

Result<std::vector<UnixSeconds>> SqliteTx::FailedLoginsSince(std::string_view staff_id,
                                                             UnixSeconds since) {
  auto q = Q("SELECT at FROM failed_logins WHERE staff_id = ? AND at >= ? ORDER BY at");
  q.Bind(staff_id).Bind(since);
  std::vector<UnixSeconds> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.Int(0));
  }
  return out;
}

Status SqliteTx::ClearFailedLogins(std::string_view staff_id) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("DELETE FROM failed_logins WHERE staff_id = ?");
  q.Bind(staff_id);
  return q.Exec();
}

}  // namespace cityid::store::sqlite_internal
