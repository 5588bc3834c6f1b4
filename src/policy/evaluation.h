#pragma once
// The result of evaluating a set of presented documents against a city policy, with the
// explanation shown to clerks and applicants ("needs 1 more residency point; a utility bill issued
// within the last 60 days would give 1 residency point").

#include <string>
#include <vector>

namespace cityid::policy {

// The verdict on one presented document, in the order the documents were presented.
struct DocumentResult {
  std::string type;  // as presented (may be an unknown id)
  std::string name;  // English catalogue name; empty for an unknown type
  std::string tier;  // "primary" or "secondary" under a list rule; empty otherwise
  bool accepted = false;
  // Why the document was not accepted, e.g. "expired on 2024-01-01", "issued on 2024-01-01, more
  // than 60 days ago", "duplicate: another document of this type is already counted".
  // Empty when accepted.
  std::string reason;
  // Points credited (0 when not accepted).
  int identity_points = 0;
  int residency_points = 0;
};

// One unmet requirement in machine-readable form, for portals that explain a verdict in the
// reader's language. `code` is one of:
//   "identity_points"      points rule: `count` more identity points are needed;
//   "photo"                points rule: an accepted document with a photo is needed;
//   "dob"                  points rule: an accepted document showing the date of birth is needed;
//   "identity_document"    list rule, no secondary document yet: one primary document, or
//                          `count` (= secondary_min) secondary documents;
//   "secondary_documents"  list rule: one primary document, or `count` more secondary documents;
//   "secondary_photo"      list rule: a secondary document with a photo is needed;
//   "secondary_dob"        list rule: a secondary document showing the date of birth is needed;
//   "residency_points"     `count` more residency points are needed.
// `count` is 1 for the codes that name no number.
struct MissingCode {
  std::string code;
  int count = 1;
};

struct Evaluation {
  bool satisfied = false;
  // "points"; "list: one primary" / "list: two secondary" when a list rule is met; "list" when not.
  std::string rule;
  int identity_points = 0;          // sum over accepted documents
  int residency_points = 0;         // sum over accepted documents
  int identity_required = 0;        // the rule's identity_min (0 for list rules)
  int residency_required = 0;       // the rule's residency_min
  bool has_photo_document = false;  // an accepted document carries a photo
  bool has_dob_document = false;    // an accepted document shows the date of birth
  std::vector<DocumentResult> documents;
  // One English sentence per unmet requirement, e.g. "needs 1 more residency point". Empty when
  // satisfied.
  std::vector<std::string> missing;
  // Concrete catalogue documents that would close each gap, e.g. "Utility bill, issued within
  // the last 60 days, would give 1 residency point". Empty when satisfied.
  std::vector<std::string> suggestions;
  // missing[] in machine-readable form, one entry per sentence, same order.
  std::vector<MissingCode> missing_codes;
  // The catalogue id of each suggestion, same order as suggestions[] (each id at most once).
  std::vector<std::string> suggested;
  // For each suggestion, the code of the missing_codes entry it was proposed for.
  std::vector<std::string> suggested_for;

  // Multi-line English explanation for clerks and applicants: verdict, totals, each document
  // with its verdict, what is missing and what would help. Ends with a newline.
  std::string Explain() const;
  // Machine-readable form with stable field names: satisfied, rule, identity_points,
  // residency_points, identity_required, residency_required, has_photo_document,
  // has_dob_document, documents[{type, name, tier, accepted, reason, identity_points,
  // residency_points}], missing[], suggestions[], missing_codes[{code, count}], suggested[],
  // suggested_for[]. Compact JSON; invalid UTF-8 in presented type ids is replaced with U+FFFD.
  std::string ToJson() const;
};

}  // namespace cityid::policy
