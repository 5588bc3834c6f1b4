#pragma once
// The domain error catalogue: one list, one place.
//
// Each entry: X(Id, Code, slug, summary)
//   Id      - the enumerator name (ErrorId::Id)
//   Code    - the canonical StatusCode (Abseil's set)
//   slug    - stable identifier; the REST problem `type` is
//             https://cityid.example/problems/<slug> and never changes once shipped
//   summary - short human title (problem `title`); the detail goes in the Status message
//
// CLI exit codes and HTTP statuses are derived from the StatusCode in exactly one place each
// (cli/common.cc, ExitCodeFor, and http/problem.cc, HttpStatusFor). Add new errors at the end
// of a group.

#define CITYID_ERRORS(X)                                                                      \
  /* generic */                                                                               \
  X(kInvalidArgument, kInvalidArgument, "invalid-argument", "Invalid argument")              \
  X(kNotFound, kNotFound, "not-found", "Not found")                                          \
  X(kAlreadyExists, kAlreadyExists, "already-exists", "Already exists")                      \
  X(kPermissionDenied, kPermissionDenied, "permission-denied", "Permission denied")          \
  X(kFailedPrecondition, kFailedPrecondition, "failed-precondition", "Failed precondition")  \
  X(kResourceExhausted, kResourceExhausted, "resource-exhausted", "Resource exhausted")      \
  X(kInternal, kInternal, "internal", "Internal error")                                      \
  X(kIo, kUnavailable, "io-error", "Input/output error")                                     \
  /* input parsing */                                                                         \
  X(kMalformedJson, kInvalidArgument, "malformed-json", "Malformed JSON")                    \
  X(kMalformedToml, kInvalidArgument, "malformed-toml", "Malformed TOML")                    \
  X(kInvalidUtf8, kInvalidArgument, "invalid-utf8", "Text is not valid UTF-8")               \
  X(kFieldTooLong, kInvalidArgument, "field-too-long", "Field too long")                     \
  X(kMissingField, kInvalidArgument, "missing-field", "Required field missing")              \
  X(kUnknownField, kInvalidArgument, "unknown-field", "Unknown field")                       \
  X(kInvalidDate, kInvalidArgument, "invalid-date", "Invalid date")                          \
  X(kInvalidPhoto, kInvalidArgument, "invalid-photo", "Invalid photo")                       \
  X(kInvalidName, kInvalidArgument, "invalid-name", "Name not acceptable (see base/names.h)") \
  /* policy */                                                                                \
  X(kInvalidPolicy, kInvalidArgument, "invalid-policy", "Invalid city policy")               \
  X(kUnknownDocumentType, kInvalidArgument, "unknown-document-type", "Unknown document type") \
  X(kDocumentNotValid, kFailedPrecondition, "document-not-valid", "Document not valid")      \
  X(kDocumentsInsufficient, kFailedPrecondition, "documents-insufficient",                   \
    "Documents do not satisfy the city policy")                                               \
  X(kUnderMinimumAge, kFailedPrecondition, "under-minimum-age", "Applicant under minimum age") \
  /* crypto and keys */                                                                       \
  X(kKeysMissing, kFailedPrecondition, "keys-missing", "Keys not found")                     \
  X(kKeysInvalid, kDataLoss, "keys-invalid", "Key file invalid")                             \
  X(kDecryptFailed, kDataLoss, "decrypt-failed", "Record cannot be decrypted")               \
  X(kKeysSealed, kFailedPrecondition, "keys-sealed",                                         \
    "Data keys sealed: officers' key shares needed")                                          \
  X(kKeyMismatch, kFailedPrecondition, "key-mismatch",                                       \
    "Key does not belong to this data folder")                                                \
  /* workflow */                                                                              \
  X(kInvalidTransition, kFailedPrecondition, "invalid-transition", "State transition not allowed") \
  X(kApplicationNotFound, kNotFound, "application-not-found", "Application not found")       \
  X(kPersonNotFound, kNotFound, "person-not-found", "Person not found")                      \
  X(kCardNotFound, kNotFound, "card-not-found", "Card not found")                            \
  X(kInvalidCardNumber, kInvalidArgument, "invalid-card-number", "Invalid card number")      \
  X(kStatusListFull, kResourceExhausted, "status-list-full", "Status list full")             \
  X(kStoreNotInitialized, kFailedPrecondition, "store-not-initialized",                      \
    "Data folder not initialized")                                                            \
  X(kStoreCorrupt, kDataLoss, "store-corrupt", "Store corrupt")                              \
  X(kStoreBusy, kUnavailable, "store-busy", "Store busy")                                    \
  X(kStoreReadOnly, kUnavailable, "store-read-only", "Data folder not writable")             \
  X(kStoreFull, kUnavailable, "store-full", "Disk full")                                     \
  /* credential (verification results that are failures) */                                   \
  X(kBadPayload, kInvalidArgument, "bad-payload", "Card payload malformed")                  \
  X(kPayloadTooLarge, kInvalidArgument, "payload-too-large", "Card payload too large")       \
  X(kBadBase45, kInvalidArgument, "bad-base45", "Invalid Base45 text")                       \
  X(kBadCompression, kInvalidArgument, "bad-compression", "Invalid compressed data")         \
  X(kBadCbor, kInvalidArgument, "bad-cbor", "Invalid CBOR")                                  \
  X(kBadCose, kInvalidArgument, "bad-cose", "Invalid COSE_Sign1 structure")                  \
  X(kUnknownKey, kInvalidArgument, "unknown-key", "Signed by an unknown key")                \
  X(kBadSignature, kInvalidArgument, "bad-signature", "Signature does not verify")           \
  X(kBadClaims, kInvalidArgument, "bad-claims", "Card claims invalid")                       \
  X(kBadStatusList, kInvalidArgument, "bad-status-list", "Invalid status list")                 \
  X(kCardExpired, kFailedPrecondition, "card-expired", "Card expired")                        \
  X(kCardRevoked, kFailedPrecondition, "card-revoked", "Card revoked")                        \
  /* staff, sessions and roles (src/auth, src/http) */                                        \
  X(kUnauthenticated, kUnauthenticated, "unauthenticated", "Authentication required")        \
  X(kInvalidCredentials, kUnauthenticated, "invalid-credentials", "Invalid credentials")     \
  X(kTotpRequired, kUnauthenticated, "totp-required", "One-time code required")              \
  X(kTotpEnrollmentRequired, kUnauthenticated, "totp-enrollment-required",                  \
    "Set up the one-time code first")                                                         \
  X(kSessionExpired, kUnauthenticated, "session-expired", "Session expired")                 \
  X(kRoleNotAllowed, kPermissionDenied, "role-not-allowed", "Role not allowed")              \
  X(kSiteNotAllowed, kPermissionDenied, "site-not-allowed", "Outside the staff member's site") \
  X(kCsrfTokenInvalid, kPermissionDenied, "csrf-token-invalid", "CSRF token missing or invalid") \
  X(kLoginRateLimited, kResourceExhausted, "login-rate-limited", "Too many login attempts")  \
  X(kWeakPassword, kInvalidArgument, "weak-password", "Password does not meet the policy")   \
  X(kStaffNotFound, kNotFound, "staff-not-found", "Staff member not found")                  \
  X(kStaffExists, kAlreadyExists, "staff-exists", "Staff user name already taken")         \
  /* sites and appointments (core/appointments.h) */                                         \
  X(kSiteNotFound, kNotFound, "site-not-found", "Site not found")                            \
  X(kSiteExists, kAlreadyExists, "site-exists", "Site id already taken")                     \
  X(kSlotUnavailable, kFailedPrecondition, "slot-unavailable", "Not a bookable slot")        \
  X(kSlotFull, kAlreadyExists, "slot-full", "Slot fully booked")                             \
  X(kSiteBookingsConflict, kFailedPrecondition, "site-bookings-conflict",                    \
    "The change would strand live bookings")                                                  \
  X(kBookingNotFound, kNotFound, "booking-not-found", "No booking with that reference and PIN") \
  X(kBookingRateLimited, kResourceExhausted, "booking-rate-limited", "Too many requests") \
  X(kBookingLimitReached, kResourceExhausted, "booking-limit-reached",                       \
    "Too many live bookings from this client")                                                \
  /* emergency key destruction (core/destruction.h) */                                       \
  X(kDestructionRequestNotFound, kNotFound, "destruction-request-not-found",                 \
    "Destruction request not found")                                                          \
  X(kTwoPersonRule, kPermissionDenied, "two-person-rule",                                    \
    "A second, different admin must approve")                                                 \
  X(kDestructionWindowExpired, kFailedPrecondition, "destruction-window-expired",            \
    "Destruction request expired")

namespace cityid {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDataLoss,
  kInternal,
};

enum class ErrorId {
  kNone = 0,
#define CITYID_ERROR_ENUM(id, code, slug, summary) id,
  CITYID_ERRORS(CITYID_ERROR_ENUM)
#undef CITYID_ERROR_ENUM
};

struct ErrorInfo {
  ErrorId id;
  StatusCode code;
  const char* slug;
  const char* summary;
};

// Returns the catalogue entry for `id`. Never fails (kNone maps to an "ok" entry).
const ErrorInfo& GetErrorInfo(ErrorId id);

// Returns the lowercase name of a StatusCode, e.g. "invalid_argument".
const char* StatusCodeName(StatusCode code);

}  // namespace cityid
