// Policy: document checks, rule evaluation with explanations, and the public JSON description.

#include "policy/policy.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace cityid::policy {
namespace {

// A presented type id is untrusted input: echo it only when it looks like an id.
std::string QuoteType(std::string_view type) {
  const bool printable =
      !type.empty() && type.size() <= 64 && std::all_of(type.begin(), type.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7F && c != '\'';
      });
  return printable ? "'" + std::string(type) + "'" : std::string("(unprintable id)");
}

std::string Plural(int n, std::string_view what) {
  std::string out = std::to_string(n) + " " + std::string(what) + " point";
  if (n != 1) out += 's';
  return out;
}

// "3 identity points and 1 residency point"; "nothing" when both are zero.
std::string PointsPhrase(int identity, int residency) {
  std::string out;
  if (identity > 0) out = Plural(identity, "identity");
  if (residency > 0) {
    if (!out.empty()) out += " and ";
    out += Plural(residency, "residency");
  }
  return out.empty() ? "no points" : out;
}

// "Utility bill, issued within the last 60 days," / "Birth certificate" — the subject of a
// suggestion sentence.
std::string Subject(const DocumentType& doc) {
  std::string out = doc.Name();
  const std::string validity = doc.validity.Describe();
  if (!validity.empty()) out += ", " + validity + ",";
  return out;
}

// Checks `doc` against `type`. On success sets *grace when the document is accepted only through
// expired_within_days.
Status CheckAgainst(const DocumentType& type, const PresentedDocument& doc, const Date& today,
                    bool* grace) {
  *grace = false;
  if (doc.issued && !doc.issued->valid()) {
    return Error(ErrorId::kInvalidDate, "issue date is not a calendar date");
  }
  if (doc.expires && !doc.expires->valid()) {
    return Error(ErrorId::kInvalidDate, "expiry date is not a calendar date");
  }
  if (doc.issued && *doc.issued > today) {
    return Error(ErrorId::kInvalidDate,
                 "issue date " + doc.issued->ToString() + " is in the future");
  }
  if (doc.issued && doc.expires && *doc.issued > *doc.expires) {
    return Error(ErrorId::kInvalidDate, "issue date is after the expiry date");
  }
  if (type.requires_number && !doc.has_number) {
    return Error(ErrorId::kMissingField,
                 "document number not recorded (this document type "
                 "requires one)");
  }
  const Validity& v = type.validity;
  if (v.needs_issued() && !doc.issued) {
    return Error(ErrorId::kInvalidDate, "issue date required (must be " + v.Describe() + ")");
  }
  if (v.needs_expires() && !doc.expires) {
    return Error(ErrorId::kInvalidDate, "expiry date required (must be " + v.Describe() + ")");
  }
  const int64_t day = today.DaysSinceEpoch();
  if (v.issued_within_days && doc.issued->DaysSinceEpoch() < day - *v.issued_within_days) {
    return Error(ErrorId::kDocumentNotValid,
                 "issued on " + doc.issued->ToString() + ", more than " +
                     std::to_string(*v.issued_within_days) + " days ago");
  }
  if (v.not_expired && *doc.expires < today) {
    return Error(ErrorId::kDocumentNotValid, "expired on " + doc.expires->ToString());
  }
  if (v.expired_within_days && *doc.expires < today) {
    if (doc.expires->DaysSinceEpoch() < day - *v.expired_within_days) {
      return Error(ErrorId::kDocumentNotValid,
                   "expired on " + doc.expires->ToString() + ", more than " +
                       std::to_string(*v.expired_within_days) + " days ago");
    }
    *grace = true;
  }
  return Status::Ok();
}

// Orders suggestion candidates: types the applicant presented but that were not accepted first
// (a fresher copy is the easiest fix), then by `score` (higher first), then catalogue order.
std::vector<const DocumentType*> Rank(const std::vector<DocumentType>& catalogue,
                                      const std::set<std::string, std::less<>>& rejected,
                                      const std::set<std::string, std::less<>>& excluded,
                                      const std::function<int(const DocumentType&)>& score,
                                      size_t limit) {
  struct Candidate {
    int presented;
    int score;
    size_t order;
    const DocumentType* doc;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < catalogue.size(); ++i) {
    const DocumentType& doc = catalogue[i];
    if (excluded.count(doc.id) != 0) continue;
    const int s = score(doc);
    if (s <= 0) continue;
    candidates.push_back({rejected.count(doc.id) != 0 ? 1 : 0, s, i, &doc});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.presented != b.presented) return a.presented > b.presented;
    if (a.score != b.score) return a.score > b.score;
    return a.order < b.order;
  });
  std::vector<const DocumentType*> out;
  for (const Candidate& c : candidates) {
    if (out.size() == limit) break;
    out.push_back(c.doc);
  }
  return out;
}

constexpr size_t kSuggestionsPerGap = 3;

}  // namespace

bool Policy::Prints(std::string_view field) const {
  return std::find(printed_fields_.begin(), printed_fields_.end(), field) != printed_fields_.end();
}

const DocumentType* Policy::FindDocument(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &documents_[it->second];
}

Status Policy::CheckDocument(const PresentedDocument& document, const Date& today) const {
  const DocumentType* type = FindDocument(document.type);
  if (type == nullptr) {
    return Error(ErrorId::kUnknownDocumentType,
                 "unknown document type " + QuoteType(document.type));
  }
  bool grace = false;
  return CheckAgainst(*type, document, today, &grace);
}

Status Policy::CheckAge(const Date& date_of_birth, const Date& today) const {
  if (!date_of_birth.valid()) {
    return Error(ErrorId::kInvalidDate, "date of birth is not a calendar date");
  }
  if (date_of_birth > today) return Error(ErrorId::kInvalidDate, "date of birth is in the future");
  if (AgeOn(date_of_birth, today) < minimum_age_) {
    return Error(ErrorId::kUnderMinimumAge,
                 "applicant is under the minimum age of " + std::to_string(minimum_age_));
  }
  return Status::Ok();
}

Evaluation Policy::Evaluate(std::span<const PresentedDocument> documents, const Date& today) const {
  Evaluation ev;
  ev.identity_required = rule_.kind == RuleKind::kPoints ? rule_.identity_min : 0;
  ev.residency_required = rule_.residency_min;
  ev.documents.resize(documents.size());

  // 1. Each document on its own.
  std::vector<const DocumentType*> types(documents.size(), nullptr);
  for (size_t i = 0; i < documents.size(); ++i) {
    const PresentedDocument& doc = documents[i];
    DocumentResult& r = ev.documents[i];
    r.type = doc.type;
    types[i] = FindDocument(doc.type);
    if (types[i] == nullptr) {
      r.reason = "unknown document type " + QuoteType(doc.type);
      continue;
    }
    r.name = types[i]->Name();
    if (types[i]->tier != Tier::kNone) r.tier = std::string(TierName(types[i]->tier));
    bool grace = false;
    Status st = CheckAgainst(*types[i], doc, today, &grace);
    if (!st.ok()) {
      r.reason = st.message();
      continue;
    }
    r.accepted = true;
    r.identity_points = grace && types[i]->expired_identity_points
                            ? *types[i]->expired_identity_points
                            : types[i]->identity_points;
    r.residency_points = types[i]->residency_points;
  }

  // 2. The same type counts once: keep the accepted occurrence worth most (first on ties).
  std::map<std::string_view, size_t> best;
  for (size_t i = 0; i < documents.size(); ++i) {
    const DocumentResult& r = ev.documents[i];
    if (!r.accepted) continue;
    auto [it, inserted] = best.emplace(types[i]->id, i);
    if (inserted) continue;
    const DocumentResult& kept = ev.documents[it->second];
    if (r.identity_points + r.residency_points > kept.identity_points + kept.residency_points) {
      it->second = i;
    }
  }
  std::vector<const DocumentType*> counted;
  std::set<std::string, std::less<>> counted_ids, rejected_ids;
  for (size_t i = 0; i < documents.size(); ++i) {
    DocumentResult& r = ev.documents[i];
    if (types[i] == nullptr) continue;
    if (!r.accepted) {
      rejected_ids.insert(types[i]->id);
      continue;
    }
    if (best[types[i]->id] != i) {
      r.accepted = false;
      r.identity_points = 0;
      r.residency_points = 0;
      r.reason = "duplicate: another document of this type is already counted";
      continue;
    }
    counted.push_back(types[i]);
    counted_ids.insert(types[i]->id);
    ev.identity_points += r.identity_points;
    ev.residency_points += r.residency_points;
    ev.has_photo_document = ev.has_photo_document || types[i]->has_photo;
    ev.has_dob_document = ev.has_dob_document || types[i]->has_dob;
  }
  for (const std::string& id : counted_ids) rejected_ids.erase(id);

  // 3. The rule, what is missing, and what would close each gap. Each catalogue type is
  // suggested at most once, for the first gap it helps with.
  std::set<std::string, std::less<>> suggested = counted_ids;
  // The gap being suggested for (the code of the last missing entry pushed).
  std::string gap_code;
  auto add_missing = [&](std::string sentence, std::string code, int count) {
    ev.missing.push_back(std::move(sentence));
    ev.missing_codes.push_back({code, count});
    gap_code = std::move(code);
  };
  auto suggest = [&](const DocumentType* doc, std::string sentence) {
    suggested.insert(doc->id);
    ev.suggestions.push_back(std::move(sentence));
    ev.suggested.push_back(doc->id);
    ev.suggested_for.push_back(gap_code);
  };
  bool identity_ok = false;

  if (rule_.kind == RuleKind::kPoints) {
    ev.rule = "points";
    const int gap = rule_.identity_min - ev.identity_points;
    const bool need_photo = rule_.require_photo && !ev.has_photo_document;
    const bool need_dob = rule_.require_dob && !ev.has_dob_document;
    identity_ok = gap <= 0 && !need_photo && !need_dob;
    // "<subject> has a photo and shows the date of birth, and would give 3 identity points":
    // names the features only where they close a gap.
    bool photo_covered = false, dob_covered = false;
    auto points_suggestion = [&](const DocumentType* d) {
      const bool photo = need_photo && d->has_photo;
      const bool dob = need_dob && d->has_dob;
      photo_covered = photo_covered || photo;
      dob_covered = dob_covered || dob;
      std::string features;
      if (photo) features = " has a photo";
      if (dob) features += photo ? " and shows the date of birth" : " shows the date of birth";
      features += features.empty() ? " would give " : ", and would give ";
      suggest(d, Subject(*d) + features + PointsPhrase(d->identity_points, d->residency_points));
    };
    if (gap > 0) {
      add_missing("needs " + std::to_string(gap) + " more identity point" + (gap == 1 ? "" : "s"),
                  "identity_points", gap);
      auto score = [&](const DocumentType& d) {
        if (d.identity_points <= 0) return 0;
        return (d.identity_points >= gap ? 1000 : 0) + (need_photo && d.has_photo ? 100 : 0) +
               (need_dob && d.has_dob ? 100 : 0) + d.identity_points;
      };
      for (const DocumentType* d :
           Rank(documents_, rejected_ids, suggested, score, kSuggestionsPerGap)) {
        points_suggestion(d);
      }
    }
    if (need_photo) {
      add_missing("needs an accepted document with a photo", "photo", 1);
      auto score = [&](const DocumentType& d) {
        return d.has_photo ? 1 + d.identity_points + (need_dob && d.has_dob ? 100 : 0) : 0;
      };
      if (!photo_covered) {
        for (const DocumentType* d :
             Rank(documents_, rejected_ids, suggested, score, kSuggestionsPerGap)) {
          points_suggestion(d);
        }
      }
    }
    if (need_dob) {
      add_missing("needs an accepted document showing the date of birth", "dob", 1);
      auto score = [&](const DocumentType& d) { return d.has_dob ? 1 + d.identity_points : 0; };
      if (!dob_covered) {
        for (const DocumentType* d :
             Rank(documents_, rejected_ids, suggested, score, kSuggestionsPerGap)) {
          points_suggestion(d);
        }
      }
    }
  } else {
    int primaries = 0, secondaries = 0;
    bool secondary_photo = false, secondary_dob = false;
    for (const DocumentType* d : counted) {
      if (d->tier == Tier::kPrimary) ++primaries;
      if (d->tier == Tier::kSecondary) {
        ++secondaries;
        secondary_photo = secondary_photo || d->has_photo;
        secondary_dob = secondary_dob || d->has_dob;
      }
    }
    const bool need_photo = rule_.secondary_require_photo && !secondary_photo;
    const bool need_dob = rule_.secondary_require_dob && !secondary_dob;
    const int secondary_gap = std::max(0, rule_.secondary_min - secondaries);
    const bool secondary_ok = secondary_gap == 0 && !need_photo && !need_dob;
    identity_ok = primaries > 0 || secondary_ok;
    const std::string n_secondary =
        rule_.secondary_min == 2 ? "two" : std::to_string(rule_.secondary_min);
    if (primaries > 0) {
      ev.rule = "list: one primary";
    } else if (secondary_ok) {
      ev.rule = "list: " + n_secondary + " secondary";
    } else {
      ev.rule = "list";
      const size_t identity_first = ev.missing_codes.size();
      std::string conditions;
      if (rule_.secondary_require_photo && rule_.secondary_require_dob) {
        conditions = " (at least one with a photo and one showing the date of birth)";
      } else if (rule_.secondary_require_photo) {
        conditions = " (at least one with a photo)";
      } else if (rule_.secondary_require_dob) {
        conditions = " (at least one showing the date of birth)";
      }
      if (secondaries == 0) {
        add_missing("needs one primary identity document, or " + n_secondary +
                        " secondary identity documents" + conditions,
                    "identity_document", rule_.secondary_min);
      } else {
        if (secondary_gap > 0) {
          add_missing("needs one primary identity document, or " + std::to_string(secondary_gap) +
                          " more secondary identity document" + (secondary_gap == 1 ? "" : "s"),
                      "secondary_documents", secondary_gap);
        }
        if (need_photo) {
          add_missing("needs a secondary identity document with a photo", "secondary_photo", 1);
        }
        if (need_dob) {
          add_missing("needs a secondary identity document showing the date of birth",
                      "secondary_dob", 1);
        }
      }
      // Both kinds of suggestion answer the identity requirement as a whole: attribute them to
      // its first missing entry.
      gap_code = ev.missing_codes[identity_first].code;
      auto primary_score = [](const DocumentType& d) { return d.tier == Tier::kPrimary ? 1 : 0; };
      for (const DocumentType* d :
           Rank(documents_, rejected_ids, suggested, primary_score, kSuggestionsPerGap)) {
        suggest(d, Subject(*d) + " would prove identity on its own");
      }
      if (secondaries > 0) {
        auto secondary_score = [&](const DocumentType& d) {
          if (d.tier != Tier::kSecondary) return 0;
          const int fills = (need_photo && d.has_photo ? 10 : 0) + (need_dob && d.has_dob ? 10 : 0);
          if ((need_photo || need_dob) && fills == 0) return 0;
          return 1 + fills;
        };
        for (const DocumentType* d :
             Rank(documents_, rejected_ids, suggested, secondary_score, kSuggestionsPerGap)) {
          std::string with;
          if (need_photo && d->has_photo) with = " with a photo";
          if (need_dob && d->has_dob) {
            with += with.empty() ? " showing the date of birth" : " and the date of birth";
          }
          suggest(d, Subject(*d) + " would count as another secondary identity document" + with);
        }
      }
    }
  }

  const int residency_gap = rule_.residency_min - ev.residency_points;
  if (residency_gap > 0) {
    add_missing("needs " + std::to_string(residency_gap) + " more residency point" +
                    (residency_gap == 1 ? "" : "s"),
                "residency_points", residency_gap);
    auto score = [&](const DocumentType& d) {
      if (d.residency_points <= 0) return 0;
      return (d.residency_points >= residency_gap ? 100 : 0) + d.residency_points;
    };
    for (const DocumentType* d :
         Rank(documents_, rejected_ids, suggested, score, kSuggestionsPerGap)) {
      const int identity = rule_.kind == RuleKind::kPoints ? d->identity_points : 0;
      suggest(d, Subject(*d) + " would give " + PointsPhrase(identity, d->residency_points));
    }
  }
  ev.satisfied = identity_ok && residency_gap <= 0;
  return ev;
}

std::string Policy::ToJson() const {
  using Json = nlohmann::ordered_json;
  Json documents = Json::array();
  for (const DocumentType& d : documents_) {
    Json names = Json::object();
    for (const std::string& language : languages_) names[language] = d.Name(language);
    Json validity = Json::object();
    if (d.validity.not_expired) validity["not_expired"] = true;
    if (d.validity.issued_within_days)
      validity["issued_within_days"] = *d.validity.issued_within_days;
    if (d.validity.expired_within_days) {
      validity["expired_within_days"] = *d.validity.expired_within_days;
    }
    Json doc = {
        {"id", d.id},
        {"names", names},
        {"category", CategoryName(d.category)},
        {"identity_points", d.identity_points},
        {"residency_points", d.residency_points},
        {"has_photo", d.has_photo},
        {"has_dob", d.has_dob},
        {"tier", TierName(d.tier)},
        {"requires_number", d.requires_number},
        {"validity", validity},
        {"validity_text", d.validity.Describe()},
    };
    if (d.expired_identity_points) doc["expired_identity_points"] = *d.expired_identity_points;
    documents.push_back(std::move(doc));
  }
  Json rule = {{"kind", rule_.kind == RuleKind::kPoints ? "points" : "list"},
               {"residency_min", rule_.residency_min}};
  if (rule_.kind == RuleKind::kPoints) {
    rule["identity_min"] = rule_.identity_min;
    rule["require_photo"] = rule_.require_photo;
    rule["require_dob"] = rule_.require_dob;
  } else {
    rule["secondary_min"] = rule_.secondary_min;
    rule["secondary_require_photo"] = rule_.secondary_require_photo;
    rule["secondary_require_dob"] = rule_.secondary_require_dob;
  }
  Json out = {
      {"city",
       {{"name", city_name_},
        {"issuer", issuer_},
        {"languages", languages_},
        {"version", version_}}},
      {"fingerprint", fingerprint_},
      {"card",
       {{"validity_years", validity_years_},
        {"minimum_age", minimum_age_},
        {"printed_fields", printed_fields_}}},
      {"retention",
       {{"abandoned_application_days", retention_.abandoned_application_days},
        {"rejected_application_days", retention_.rejected_application_days},
        {"after_card_expiry_days", retention_.after_card_expiry_days},
        {"keep_photo_after_print", retention_.keep_photo_after_print},
        {"keep_address_after_print", retention_.keep_address_after_print},
        {"print_window_days", retention_.print_window_days}}},
      {"rule", rule},
      {"documents", documents},
  };
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cityid::policy
