#pragma once
// Errors are values: Status and Result<T>. No exceptions cross module boundaries.

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/errors.h"

namespace cityid {

// A Status is either OK or an error from the catalogue (base/errors.h) plus a detail message
// naming the problem (e.g. "documents[1].type: unknown document type 'foo'"). The message must
// never contain personal data: callers name fields, not their values.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorId id, std::string message) : id_(id), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return id_ == ErrorId::kNone; }
  ErrorId id() const { return id_; }
  StatusCode code() const { return GetErrorInfo(id_).code; }
  const std::string& message() const { return message_; }
  // "slug: message", for logs and CLI output.
  std::string ToString() const;

  // Returns a copy with `prefix` prepended to the message ("prefix: message").
  Status WithContext(std::string_view prefix) const;

 private:
  ErrorId id_ = ErrorId::kNone;
  std::string message_;
};

// Shorthand: Error(ErrorId::kBadBase45, "offset 12: invalid character").
inline Status Error(ErrorId id, std::string message) { return Status(id, std::move(message)); }

// Result<T> holds a T or a non-OK Status (Abseil StatusOr, SerenityOS ErrorOr).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) std::abort();  // a Result never holds an OK status
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return Get(); }
  const T& value() const& { return const_cast<Result*>(this)->Get(); }
  T&& value() && { return std::move(Get()); }
  T& operator*() & { return Get(); }
  T&& operator*() && { return std::move(Get()); }
  const T& operator*() const& { return const_cast<Result*>(this)->Get(); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Get(); }

 private:
  T& Get() {
    if (!ok()) std::abort();  // checked crash: reading a failed Result is a programming error
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

}  // namespace cityid

#define CITYID_CONCAT_INNER_(a, b) a##b
#define CITYID_CONCAT_(a, b) CITYID_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define CITYID_RETURN_IF_ERROR(expr) \
  CITYID_RETURN_IF_ERROR_IMPL_(CITYID_CONCAT_(cityid_status_, __LINE__), expr)
#define CITYID_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                          \
    ::cityid::Status tmp = (expr);              \
    if (!tmp.ok()) return tmp;                  \
  } while (0)

// CITYID_ASSIGN_OR_RETURN(auto x, ResultExpr()); returns the Status on error.
#define CITYID_ASSIGN_OR_RETURN(lhs, expr) \
  CITYID_ASSIGN_OR_RETURN_IMPL_(CITYID_CONCAT_(cityid_result_, __LINE__), lhs, expr)
#define CITYID_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
