// The data-request register and the legal-hold listing (docs/transparency.md) on SQLite.
#include "store/sqlite/sqlite_internal.h"

namespace cityid::store::sqlite_internal {
namespace {

constexpr const char* kRequestColumns =
    "id, kind, received_on, requesting_body, legal_basis, scope, response, responded_on, "
    "disclosed, persons_covered, recorded_by, created_at, updated_at";

DataRequestRow ReadDataRequest(const Query& q) {
  DataRequestRow r;
  r.id = q.Text(0);
  r.kind = q.Text(1);
  r.received_on = q.Text(2);
  r.requesting_body = q.Text(3);
  r.legal_basis = q.Text(4);
  r.scope = q.Text(5);
  r.response = q.Text(6);
  r.responded_on = q.Text(7);
  r.disclosed = q.Text(8);
  r.persons_covered = q.Int(9);
  r.recorded_by = q.Text(10);
  r.created_at = q.Int(11);
  r.updated_at = q.Int(12);
  return r;
}

}  // namespace

Status SqliteTx::InsertDataRequest(const DataRequestRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("INSERT INTO data_requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.Bind(r.id).Bind(r.kind).Bind(r.received_on).Bind(r.requesting_body).Bind(r.legal_basis)
      .Bind(r.scope).Bind(r.response).Bind(r.responded_on).Bind(r.disclosed)
      .Bind(r.persons_covered).Bind(r.recorded_by).Bind(r.created_at).Bind(r.updated_at);
  return q.Exec();
}

Status SqliteTx::UpdateDataRequest(const DataRequestRow& r) {
  CITYID_RETURN_IF_ERROR(RequireWritable());
  auto q = Q("UPDATE data_requests SET kind = ?, received_on = ?, requesting_body = ?, "
             "legal_basis = ?, scope = ?, response = ?, responded_on = ?, disclosed = ?, "
             "persons_covered = ?, recorded_by = ?, updated_at = ? WHERE id = ?");
  q.Bind(r.kind).Bind(r.received_on).Bind(r.requesting_body).Bind(r.legal_basis).Bind(r.scope)
      .Bind(r.response).Bind(r.responded_on).Bind(r.disclosed).Bind(r.persons_covered)
      .Bind(r.recorded_by).Bind(r.updated_at).Bind(r.id);
  return ExecChanged(q, "data request");
}

Result<std::optional<DataRequestRow>> SqliteTx::GetDataRequest(std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + kRequestColumns + " FROM data_requests WHERE id = ?";
  auto q = Q(sql.c_str());
  q.Bind(id);
  CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<DataRequestRow>();
  return std::optional<DataRequestRow>(ReadDataRequest(q));
}

Result<std::vector<DataRequestRow>> SqliteTx::ListDataRequests() {
  static const std::string sql = std::string("SELECT ") + kRequestColumns +
                                 " FROM data_requests ORDER BY received_on, id";
  auto q = Q(sql.c_str());
  std::vector<DataRequestRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadDataRequest(q));
  }
  return out;
}

Result<std::vector<ApplicationRow>> SqliteTx::ListHeldApplications() {
  // Only the columns the hold listing needs are meaningful to callers, but the row is read
  // whole so it can be written back (UpdateApplication) on release.
  auto q = Q("SELECT id, person_id, state, site, policy_version, evaluation_json, flags_json, "
             "created_by, decided_by, decision_reason, hold_reason, created_at, updated_at "
             "FROM applications WHERE hold_reason <> '' ORDER BY person_id, id");
  std::vector<ApplicationRow> out;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ApplicationRow r;
    r.id = q.Text(0);
    r.person_id = q.Text(1);
    r.state = q.Text(2);
    r.site = q.Text(3);
    r.policy_version = q.Text(4);
    r.evaluation_json = q.Text(5);
    r.flags_json = q.Text(6);
    r.created_by = q.Text(7);
    r.decided_by = q.Text(8);
    r.decision_reason = q.Text(9);
    r.hold_reason = q.Text(10);
    r.created_at = q.Int(11);
    r.updated_at = q.Int(12);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cityid::store::sqlite_internal
