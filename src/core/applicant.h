#pragma once
// The applicant file a clerk submits (`cityid enroll --applicant FILE`) and the encrypted
// person record it becomes. See docs/cli.md for the JSON shape.

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/date.h"
#include "base/names.h"
#include "base/status.h"
#include "render/render.h"

namespace cityid::core {

inline constexpr size_t kMaxApplicantFileBytes = 64 * 1024;
// The renderer's limits (render/render.h) are the enrollment limits: what enrolls, prints.
inline constexpr size_t kMaxPhotoBytes = render::kMaxPhotoBytes;
// A name field as it arrives, before normalization (base/names.h bounds the result: at most
// names::kMaxPartCodePoints characters and names::kMaxPartBytes bytes).
inline constexpr size_t kMaxNameInputBytes = 4 * names::kMaxPartBytes;
inline constexpr size_t kMaxDocuments = 20;

// Each part is empty or a name part as base/names.h defines it (NFC, letters and marks of
// any script, ...); at least one of them is set. A mononym may be in either.
struct PersonName {
  std::string given;
  std::string family;
};

struct Address {
  std::string line1, line2, city, state, postal_code;
};

// A document as checked by the clerk. The number is used only to compute its blind index and
// is then dropped; the document itself is never stored.
struct PresentedDocumentInput {
  std::string type;
  std::string number;  // may be empty
  std::optional<Date> issued;
  std::optional<Date> expires;
};

struct ApplicantInput {
  PersonName legal_name;
  // The applicant's own Latin spelling (e.g. as in their passport), when the legal name is in
  // another script; otherwise cityid transliterates.
  std::optional<PersonName> latin_name;
  std::string preferred_name;
  Date date_of_birth;
  std::optional<Address> address;
  std::string gender;  // "F", "M", "X" or empty
  bool veteran = false;  // as the applicant attests (e.g. DD-214 seen); printed only by policy
  Bytes photo;         // JPEG or PNG bytes, may be empty
  std::string photo_type;  // "jpeg" or "png"
  std::string language;    // BCP 47 tag, e.g. "es"; may be empty
  std::string site;        // enrollment site id; may be empty (CLI default "city-hall")
  std::vector<PresentedDocumentInput> documents;
};

// Parses an applicant JSON document strictly: unknown fields, wrong types, invalid UTF-8,
// over-long strings, impossible dates, a date of birth in the future (relative to `today`) and
// malformed photos are errors naming the field (never its value). `base_dir` resolves a
// relative photo path. Does not check documents against the policy (core does).
Result<ApplicantInput> ParseApplicantJson(std::string_view json, const std::string& base_dir,
                                          const Date& today);

// Validates a photo: JPEG or PNG by signature, size bounds, and render::CheckPhotoPrintable
// (pixel limits from the header, then one bounded decode). Returns "jpeg" or "png";
// kInvalidPhoto otherwise.
Result<std::string> CheckPhoto(ByteView photo);

// The decrypted content of a person record. Serialized as JSON inside the ciphertext only.
struct PersonRecord {
  PersonName legal_name;
  PersonName latin_name;   // transliteration for the card, diacritics kept
  PersonName ascii_name;   // ASCII form
  std::string preferred_name;
  Date date_of_birth;
  std::string gender;
  bool veteran = false;
  std::optional<Address> address;
  Bytes photo;
  std::string photo_type;
  std::string language;
  // The full policy evaluation at enrollment (document types, reasons, dates): encrypted here
  // because in clear it would say who showed which (foreign) documents. JSON text.
  std::string evaluation_json;
  // Per card: the 32-byte seed of its attribute-digest salts.
  std::vector<std::pair<std::string, Bytes>> card_seeds;

  std::string ToJson() const;
  static Result<PersonRecord> FromJson(std::string_view json);
};

}  // namespace cityid::core
