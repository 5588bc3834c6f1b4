// cityid staff add|list|disable: staff accounts for `cityid serve` (src/auth).
//   cityid staff add --data DIR --user NAME --role ROLE [--site SITE] --password-stdin
//   cityid staff list --data DIR
//   cityid staff disable --data DIR --user NAME
// The password is read from stdin only (never argv: other users see argv in `ps`). For
// supervisors and admins the TOTP enrolment URI is printed once.
#include <iostream>

#include "auth/staff.h"
#include "cli/common.h"

namespace cityid::cli {
namespace {

struct StaffOptions {
  std::string data = "data";
  std::string user;
  std::string role;
  std::string site;
  bool password_stdin = false;
};

// The first line of stdin without its line ending.
Result<std::string> ReadPasswordFromStdin() {
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) {
    return Error(ErrorId::kMissingField, "password: expected on the first line of stdin");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int Add(const GlobalOptions& g, const StaffOptions& o) {
  Output out(g);
  if (!o.password_stdin) {
    return out.Fail(Error(ErrorId::kMissingField,
                          "--password-stdin is required: the password is read from stdin, never "
                          "from the command line"));
  }
  auto password = ReadPasswordFromStdin();
  if (!password.ok()) return out.Fail(password.status());
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auth::StaffInput in{o.user, o.role, o.site, std::move(*password)};
  auto created = auth::AddStaff((*dir)->store(), (*dir)->keys().kek(), (*dir)->clock(),
                                (*dir)->rng(), MakeActor(g, core::Role::kAdmin), in,
                                "cityid " + (*dir)->policy().city_name());
  if (!created.ok()) return out.Fail(created.status());
  nlohmann::ordered_json j;
  j["staff"] = auth::StaffJson(created->row);
  std::string human = "Staff member '" + created->row.user_name + "' added (" +
                      created->row.role +
                      (created->row.site.empty() ? "" : ", site " + created->row.site) +
                      "), id " + created->row.id + ".";
  if (!created->totp_uri.empty()) {
    j["totp_uri"] = created->totp_uri;
    human += "\nA one-time code is required at login. Scan this URI into an authenticator app "
             "now; it is not shown again:\n" + created->totp_uri;
  }
  out.Result(j, human);
  return kExitOk;
}

int List(const GlobalOptions& g, const StaffOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto rows = auth::ListStaff((*dir)->store());
  if (!rows.ok()) return out.Fail(rows.status());
  nlohmann::ordered_json j;
  j["staff"] = nlohmann::ordered_json::array();
  std::string human;
  for (const auto& row : *rows) {
    j["staff"].push_back(auth::StaffJson(row));
    human += row.user_name + "\t" + row.role + "\t" + (row.site.empty() ? "-" : row.site) + "\t" +
             (row.disabled ? "disabled" : "active") +
             (std::string_view(auth::TotpState(row)) == "enrolled"  ? "\ttotp"
              : std::string_view(auth::TotpState(row)) == "pending" ? "\ttotp-pending"
                                                                    : "") +
             "\n";
  }
  if (rows->empty()) human = "No staff accounts.";
  out.Result(j, human);
  return kExitOk;
}

int Disable(const GlobalOptions& g, const StaffOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto row = auth::DisableStaff((*dir)->store(), (*dir)->clock(), MakeActor(g, core::Role::kAdmin),
                                o.user);
  if (!row.ok()) return out.Fail(row.status());
  nlohmann::ordered_json j;
  j["staff"] = auth::StaffJson(*row);
  out.Result(j, "Staff member '" + row->user_name + "' disabled; their sessions ended.");
  return kExitOk;
}

}  // namespace

void RegisterStaff(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* staff = app.add_subcommand("staff", "Staff accounts for the server (add, list, disable)");
  staff->require_subcommand(1);

  auto a = std::make_shared<StaffOptions>();
  auto* add = staff->add_subcommand("add", "Add a staff account (password on stdin)");
  add->add_option("--data", a->data, "Data folder")->capture_default_str();
  add->add_option("--user", a->user, "User name: lower-case letters, digits, . _ -")->required();
  add->add_option("--role", a->role, "Role")
      ->required()
      ->check(CLI::IsMember({"clerk", "supervisor", "partner", "auditor", "admin"}));
  add->add_option("--site", a->site, "Site id (required for partners)");
  add->add_flag("--password-stdin", a->password_stdin,
                "Read the password from the first line of stdin (required)");
  add->callback([&g, &run, a] { run = [&g, a] { return Add(g, *a); }; });

  auto l = std::make_shared<StaffOptions>();
  auto* list = staff->add_subcommand("list", "List staff accounts");
  list->add_option("--data", l->data, "Data folder")->capture_default_str();
  list->callback([&g, &run, l] { run = [&g, l] { return List(g, *l); }; });

  auto d = std::make_shared<StaffOptions>();
  auto* disable = staff->add_subcommand("disable", "Disable a staff account and end its sessions");
  disable->add_option("--data", d->data, "Data folder")->capture_default_str();
  disable->add_option("--user", d->user, "User name")->required();
  disable->callback([&g, &run, d] { run = [&g, d] { return Disable(g, *d); }; });
}

}  // namespace cityid::cli
