// cityid verify PAYLOAD | --file F | --image IMAGE | - [--keys KEYS.json] [--status LIST.json ...]
//               [--data DIR]
#include <iostream>
#include <iterator>

#include "base/file.h"
#include "cli/common.h"
#include "core/ids.h"
#include "credential/card.h"
#include "credential/presentation.h"
#include "credential/status_list.h"
#include "crypto/sign.h"
#include "render/scan.h"

namespace cityid::cli {
namespace {

struct VerifyOptions {
  std::string payload;
  std::string file;
  std::string image;  // a picture of the card: the payload is read from its QR code
  std::string keys;
  std::vector<std::string> status;
  std::string data;
};

constexpr size_t kMaxReadBytes = 1 << 20;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\n' || s[b] == '\r')) ++b;
  return s.substr(b);
}

Result<std::string> ReadPayload(const VerifyOptions& o) {
  if (!o.image.empty()) {
    auto bytes = ReadFileBounded(o.image, render::kMaxScanImageBytes);
    if (!bytes.ok()) return bytes.status().WithContext("--image");
    auto text = render::DecodeQrFromImage(AsBytes(*bytes));
    if (!text.ok()) return text.status().WithContext("--image");
    return Trim(*text);
  }
  if (!o.file.empty()) {
    // Read generously: an oversized payload is judged (invalid, too large) like any other.
    auto text = ReadFileBounded(o.file, kMaxReadBytes);
    if (!text.ok()) {
      if (text.status().id() == ErrorId::kResourceExhausted) {
        return std::string(credential::kMaxQrTextChars + 1, '0');
      }
      return Error(ErrorId::kInvalidArgument, "--file: " + text.status().message());
    }
    return Trim(*text);
  }
  if (o.payload == "-") {
    std::string text;
    char buf[4096];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      text.append(buf, static_cast<size_t>(std::cin.gcount()));
      if (text.size() > kMaxReadBytes) break;  // judged too large below
    }
    return Trim(text);
  }
  if (o.payload.empty()) {
    return Error(ErrorId::kMissingField, "give the payload text, --file FILE, or - for stdin");
  }
  return Trim(o.payload);
}

int ExitFor(credential::Verdict verdict) {
  switch (verdict) {
    case credential::Verdict::kValid: return kExitOk;
    case credential::Verdict::kRevoked: return kExitCardRevoked;
    case credential::Verdict::kExpired: return kExitCardExpired;
    case credential::Verdict::kInvalid: return kExitCardInvalid;
  }
  return kExitCardInvalid;
}

// A presentation ("CP1:..."): the same trust anchors, verdicts and exit codes as a card, but
// only the disclosed attributes are printed (docs/card-format.md §10).
int VerifyPresentationText(const Output& out, const std::string& payload,
                           const crypto::PublicKeySet& keys,
                           const std::vector<credential::StatusList>& lists, UnixSeconds now) {
  auto outcome = credential::VerifyPresentation(payload, keys, now, nullptr);
  std::string revocation = "not checked (no status list given)";
  if (outcome.disclosed && outcome.verdict == credential::Verdict::kValid) {
    for (const auto& list : lists) {
      if (list.id() == outcome.status_list_id) {
        outcome = credential::VerifyPresentation(payload, keys, now, &list);
        revocation = "checked against status list " + list.id();
        break;
      }
    }
    if (!lists.empty() && revocation.rfind("checked", 0) != 0) {
      outcome.verdict = credential::Verdict::kInvalid;
      outcome.failure = Error(ErrorId::kBadStatusList,
                              "presentation uses status list " + outcome.status_list_id +
                                  ", which was not given; revocation cannot be checked");
      revocation = "not checked";
    }
  }
  nlohmann::ordered_json j;
  j["verdict"] = credential::VerdictName(outcome.verdict);
  j["kind"] = "presentation";
  std::string human = std::string("Verdict: ") + credential::VerdictName(outcome.verdict);
  if (outcome.verdict == credential::Verdict::kInvalid) {
    const ErrorInfo& info = GetErrorInfo(outcome.failure.id());
    j["failed_check"] = info.slug;
    j["detail"] = outcome.failure.message();
    human += " - " + std::string(info.summary) + ": " + outcome.failure.message();
  } else if (!outcome.failure.ok()) {
    j["detail"] = outcome.failure.message();
    human += " - " + outcome.failure.message();
  }
  human += " (presentation)\n";
  // An invalid presentation shows nothing it carries, even when its signature held (a time in
  // the future, a foreign status list): the verifier learns only the verdict.
  if (outcome.disclosed && outcome.meta && outcome.verdict != credential::Verdict::kInvalid) {
    const auto& d = *outcome.disclosed;
    nlohmann::ordered_json dj;
    if (d.card_number) {
      dj["card_number"] = *d.card_number;
      human += "Card number:   " + core::FormatCardNumber(*d.card_number) + "\n";
    }
    if (d.full_name) {
      dj["full_name"] = *d.full_name;
      human += "Name:          " + *d.full_name + "\n";
    }
    if (d.date_of_birth) {
      dj["date_of_birth"] = d.date_of_birth->ToString();
      human += "Date of birth: " + d.date_of_birth->ToString() + "\n";
    }
    if (d.gender) {
      const char* gender = *d.gender == 1 ? "M" : *d.gender == 2 ? "F" : "X";
      dj["gender"] = gender;
      human += std::string("Gender:        ") + gender + "\n";
    }
    if (d.address) {
      dj["address"] = *d.address;
      human += "Address:       " + *d.address + "\n";
    }
    if (!d.photo.empty()) {
      dj["photo"] = Base64UrlEncode(d.photo);
      dj["photo_format"] = *d.photo_format;
      human += "Photo:         " + std::to_string(d.photo.size()) + " bytes\n";
    }
    for (const auto& [age, value] : d.age_over) {
      dj["age_over_" + std::to_string(age)] = value;
      human += "Age over " + std::to_string(age) + ":   " + (value ? "yes" : "no") + "\n";
    }
    j["disclosed"] = dj;
    j["issuer"] = outcome.meta->issuer;
    j["presented_at"] = FormatTime(outcome.meta->issued_at);
    j["expires_at"] = FormatTime(outcome.meta->expires_at);
    j["key_id"] = Base64UrlEncode(outcome.key_id);
    j["revocation"] = revocation;
    human += "Issuer:        " + outcome.meta->issuer + "\n";
    human += "Presented:     " + FormatTime(outcome.meta->issued_at) + "\n";
    human += "Card valid to: " + FormatTime(outcome.meta->expires_at).substr(0, 10) + "\n";
    human += "Revocation:    " + revocation + "\n";
  }
  out.Result(j, human);
  return ExitFor(outcome.verdict);
}

int Verify(const GlobalOptions& g, const VerifyOptions& o) {
  Output out(g);
  if (Status s = crypto::InitCrypto(); !s.ok()) return out.Fail(s);
  auto payload = ReadPayload(o);
  if (!payload.ok()) return out.Fail(payload.status());

  // Trust anchors: an explicit key file, or the data folder's own keys.
  crypto::PublicKeySet keys;
  std::vector<credential::StatusList> lists;
  std::unique_ptr<Clock> clock = MakeClock(g);
  if (!o.keys.empty()) {
    auto text = ReadFileBounded(o.keys, 1 << 20);
    if (!text.ok()) return out.Fail(text.status().WithContext("--keys"));
    auto parsed = crypto::PublicKeySet::FromJson(*text);
    if (!parsed.ok()) return out.Fail(parsed.status().WithContext("--keys"));
    keys = std::move(parsed).value();
  } else if (!o.data.empty()) {
    auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNotNeeded);
    if (!dir.ok()) return out.Fail(dir.status());
    keys = (*dir)->keys().PublicKeys((*dir)->policy().issuer());
    if (o.status.empty()) {
      auto ids = core::StatusListIds((*dir)->ctx());
      if (!ids.ok()) return out.Fail(ids.status());
      for (const auto& id : *ids) {
        auto json = core::ExportStatusList((*dir)->ctx(), id, 3600);
        if (!json.ok()) return out.Fail(json.status());
        auto list = credential::StatusList::FromSignedJson(*json, keys, clock->Now());
        if (!list.ok()) return out.Fail(list.status());
        lists.push_back(std::move(list).value());
      }
    }
  } else {
    return out.Fail(Error(ErrorId::kMissingField,
                          "--keys PUBLIC_KEYS.json is required (the city's published key set; "
                          "`cityid keys export` writes it), or --data DIR"));
  }
  for (const auto& path : o.status) {
    auto text = ReadFileBounded(path, credential::kMaxStatusListJsonBytes);
    if (!text.ok()) return out.Fail(text.status().WithContext("--status"));
    auto list = credential::StatusList::FromSignedJson(*text, keys, clock->Now());
    if (!list.ok()) return out.Fail(list.status().WithContext("--status " + path));
    lists.push_back(std::move(list).value());
  }

  if (credential::IsPresentation(*payload)) {
    return VerifyPresentationText(out, *payload, keys, lists, clock->Now());
  }

  // First pass without revocation to learn which list the card uses (only trusted after the
  // signature check inside VerifyCard).
  auto outcome = credential::VerifyCard(*payload, keys, clock->Now(), nullptr);
  if (payload->empty()) {
    outcome.verdict = credential::Verdict::kInvalid;
    outcome.failure = Error(ErrorId::kBadPayload, "the payload is empty");
  }
  std::string revocation = "not checked (no status list given)";
  if (outcome.claims && outcome.verdict == credential::Verdict::kValid) {
    for (const auto& list : lists) {
      if (list.id() == outcome.claims->status_list_id) {
        outcome = credential::VerifyCard(*payload, keys, clock->Now(), &list);
        revocation = "checked against status list " + list.id();
        break;
      }
    }
    if (!lists.empty() && revocation.rfind("checked", 0) != 0) {
      // Fail closed: the verifier asked for a revocation check and it could not be done.
      outcome.verdict = credential::Verdict::kInvalid;
      outcome.failure = Error(ErrorId::kBadStatusList,
                              "card uses status list " + outcome.claims->status_list_id +
                                  ", which was not given; revocation cannot be checked");
      revocation = "not checked";
    }
  }

  nlohmann::ordered_json j;
  j["verdict"] = credential::VerdictName(outcome.verdict);
  std::string human = std::string("Verdict: ") + credential::VerdictName(outcome.verdict);
  if (outcome.verdict == credential::Verdict::kInvalid) {
    const ErrorInfo& info = GetErrorInfo(outcome.failure.id());
    j["failed_check"] = info.slug;
    j["detail"] = outcome.failure.message();
    human += " - " + std::string(info.summary) + ": " + outcome.failure.message();
  } else if (!outcome.failure.ok()) {
    j["detail"] = outcome.failure.message();
    human += " - " + outcome.failure.message();
  }
  human += "\n";
  // Likewise an invalid card: the claims are printed for valid, expired and revoked cards only.
  if (outcome.claims && outcome.meta && outcome.verdict != credential::Verdict::kInvalid) {
    const auto& c = *outcome.claims;
    nlohmann::ordered_json d;
    d["card_number"] = c.card_number;
    d["full_name"] = c.full_name;
    if (!c.full_name_native.empty()) d["full_name_native"] = c.full_name_native;
    d["date_of_birth"] = c.date_of_birth.ToString();
    if (c.gender) d["gender"] = *c.gender == 1 ? "M" : *c.gender == 2 ? "F" : "X";
    d["issuer"] = outcome.meta->issuer;
    d["issued_at"] = FormatTime(outcome.meta->issued_at);
    d["expires_at"] = FormatTime(outcome.meta->expires_at);
    j["disclosed"] = d;
    j["key_id"] = Base64UrlEncode(outcome.key_id);
    j["revocation"] = revocation;
    human += "Card number:   " + core::FormatCardNumber(c.card_number) + "\n";
    human += "Name:          " + c.full_name + "\n";
    if (!c.full_name_native.empty()) human += "Name (native): " + c.full_name_native + "\n";
    human += "Date of birth: " + c.date_of_birth.ToString() + "\n";
    if (c.gender) human += "Gender:        " + d["gender"].get<std::string>() + "\n";
    human += "Issuer:        " + outcome.meta->issuer + "\n";
    human += "Valid:         " + FormatTime(outcome.meta->issued_at).substr(0, 10) + " to " +
             FormatTime(outcome.meta->expires_at).substr(0, 10) + "\n";
    human += "Revocation:    " + revocation + "\n";
  }
  out.Result(j, human);
  switch (outcome.verdict) {
    case credential::Verdict::kValid: return kExitOk;
    case credential::Verdict::kRevoked: return kExitCardRevoked;
    case credential::Verdict::kExpired: return kExitCardExpired;
    case credential::Verdict::kInvalid: return kExitCardInvalid;
  }
  return kExitCardInvalid;
}

}  // namespace

void RegisterVerify(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand(
      "verify",
      "Check a card's (or a presentation's) QR payload offline: valid, revoked, expired or "
      "invalid (why)");
  cmd->add_option("payload", o->payload, "The QR payload text, or - to read standard input");
  cmd->add_option("--file", o->file, "Read the payload text from this file");
  cmd->add_option("--image", o->image, "Read the payload from the QR code in a PNG or JPEG image");
  cmd->add_option("--keys", o->keys, "The city's public key set (JSON, from `cityid keys export`)");
  cmd->add_option("--status", o->status, "Signed status list(s) (from `cityid status-list export`)");
  cmd->add_option("--data", o->data, "Use a data folder's keys and status lists instead");
  cmd->footer("Exit status: 0 valid, 10 invalid, 11 revoked, 12 expired.");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Verify(g, *o); }; });
}

}  // namespace cityid::cli
