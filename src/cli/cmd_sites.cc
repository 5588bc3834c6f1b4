// cityid site add|list|close: enrollment sites, their hours and closures (core/appointments.h).
#include "cli/common.h"
#include "core/appointments.h"

namespace cityid::cli {
namespace {

struct SiteOptions {
  std::string data = "data";
  core::SiteInput in;
  std::string date;
};

nlohmann::ordered_json ToJson(const store::SiteRow& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"kind", r.kind},
          {"address", r.address},
          {"timezone", r.timezone},
          {"hours", nlohmann::ordered_json::parse(r.hours_json, nullptr, false)},
          {"slot_minutes", r.slot_minutes},
          {"capacity", r.capacity},
          {"closed", nlohmann::ordered_json::parse(r.closed_json, nullptr, false)},
          {"languages", nlohmann::ordered_json::parse(r.languages_json, nullptr, false)},
          {"accessibility", r.accessibility}};
}

std::string Line(const store::SiteRow& r) {
  return r.id + "  " + r.kind + "  " + r.name + " (" + r.address + "), " +
         (r.timezone.empty() || (r.timezone[0] != '+' && r.timezone[0] != '-') ? "" : "UTC") +
         r.timezone + ", " + std::to_string(r.slot_minutes) + "-minute slots x " +
         std::to_string(r.capacity) + ", hours " + r.hours_json +
         (r.closed_json == "[]" ? "" : ", closed " + r.closed_json) +
         (r.languages_json == "[]" ? "" : ", languages " + r.languages_json) +
         (r.accessibility.empty() ? "" : ", access: " + r.accessibility);
}

int Add(const GlobalOptions& g, const SiteOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto ctx = core::BookingContextOf((*dir)->ctx());
  auto row = core::AddSite(ctx, o.in, MakeActor(g, core::Role::kAdmin));
  if (!row.ok()) return out.Fail(row.status());
  out.Result(ToJson(*row), "Added site " + Line(*row));
  return kExitOk;
}

int List(const GlobalOptions& g, const SiteOptions& o) {
  Output out(g);
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto ctx = core::BookingContextOf((*dir)->ctx());
  auto rows = core::ListSites(ctx);
  if (!rows.ok()) return out.Fail(rows.status());
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  std::string human = rows->empty() ? "No sites yet (cityid site add).\n" : "";
  for (const auto& r : *rows) {
    arr.push_back(ToJson(r));
    human += Line(r) + "\n";
  }
  out.Result({{"sites", arr}}, human);
  return kExitOk;
}

int Close(const GlobalOptions& g, const SiteOptions& o) {
  Output out(g);
  auto day = Date::Parse(o.date);
  if (!day.ok()) return out.Fail(day.status().WithContext("--date"));
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  auto ctx = core::BookingContextOf((*dir)->ctx());
  auto bookings = core::CloseSiteDay(ctx, o.in.id, *day, MakeActor(g, core::Role::kAdmin));
  if (!bookings.ok()) return out.Fail(bookings.status());
  std::string human = "Site " + o.in.id + " closed on " + day->ToString() + ".";
  if (*bookings > 0) {
    human += " " + std::to_string(*bookings) +
             " booking(s) already fall on that day; tell them to move (they keep their seats).";
  }
  out.Result({{"site", o.in.id}, {"closed", day->ToString()}, {"bookings_that_day", *bookings}},
             human);
  return kExitOk;
}

}  // namespace

void RegisterSites(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* site = app.add_subcommand("site", "Enrollment sites: opening hours, capacity, closures");
  site->require_subcommand(1);
  {
    auto o = std::make_shared<SiteOptions>();
    auto* cmd = site->add_subcommand("add", "Admin: add a site where applicants can book");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--id", o->in.id, "Site id: a-z, 0-9 and -, e.g. city-hall")->required();
    cmd->add_option("--name", o->in.name, "Name shown to applicants")->required();
    cmd->add_option("--kind", o->in.kind, "city_hall, library or partner")->required();
    cmd->add_option("--address", o->in.address, "The site's street address")->required();
    cmd->add_option("--timezone", o->in.timezone,
                    "Time zone of local times: IANA, e.g. America/New_York (daylight saving "
                    "followed), or a fixed UTC offset, e.g. -05:00")
        ->required();
    cmd->add_option("--hours", o->in.hours,
                    "Weekly hours, e.g. \"mon-fri 09:00-12:00, 13:00-17:00; sat 10:00-13:00\"")
        ->required();
    cmd->add_option("--slot-minutes", o->in.slot_minutes, "Minutes per appointment (5..240)")
        ->capture_default_str();
    cmd->add_option("--capacity", o->in.capacity, "Appointments per slot (1..100)")
        ->capture_default_str();
    cmd->add_option("--languages", o->in.languages,
                    "Languages the site's staff speak, as the policy writes them, e.g. en,es")
        ->delimiter(',');
    cmd->add_option("--accessibility", o->in.accessibility,
                    "Access notes for applicants, e.g. \"Step-free entrance on Chambers St\"");
    cmd->callback([&g, &run, o] { run = [&g, o] { return Add(g, *o); }; });
  }
  {
    auto o = std::make_shared<SiteOptions>();
    auto* cmd = site->add_subcommand("list", "List sites with their hours and closures");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return List(g, *o); }; });
  }
  {
    auto o = std::make_shared<SiteOptions>();
    auto* cmd = site->add_subcommand("close", "Admin: close a site on a date (holiday, closure)");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--site", o->in.id, "Site id")->required();
    cmd->add_option("--date", o->date, "Local date, YYYY-MM-DD")->required();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Close(g, *o); }; });
  }
}

}  // namespace cityid::cli
