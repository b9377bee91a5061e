// Error values shared by every layer: a stable code the API returns, a message for people and
// the field it concerns. Failure that is ordinary (bad input, an unreachable worker) travels as
// Result<T>; exceptions are kept for the truly exceptional.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace npufleet {

enum class ErrorCode {
  kBadRequest,        // 400: input failed validation
  kUnauthenticated,   // 401
  kForbidden,         // 403
  kNotFound,          // 404
  kMethodNotAllowed,  // 405
  kConflict,          // 409
  kPayloadTooLarge,   // 413
  kTooManyRequests,   // 429
  kInternal,          // 500
  kBadGateway,        // 502: a worker answered something we cannot use
  kUnavailable,       // 503
  kGatewayTimeout,    // 504
};

// "bad_request", "not_found", ...: the code string of the JSON error envelope.
std::string_view errorCodeName(ErrorCode code);
int httpStatus(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // the offending input field, empty when none applies

  static Error badRequest(std::string message, std::string field = {}) {
    return {ErrorCode::kBadRequest, std::move(message), std::move(field)};
  }
  static Error notFound(std::string message) { return {ErrorCode::kNotFound, std::move(message), {}}; }
  static Error conflict(std::string message, std::string field = {}) {
    return {ErrorCode::kConflict, std::move(message), std::move(field)};
  }
  static Error internal(std::string message) { return {ErrorCode::kInternal, std::move(message), {}}; }
  static Error unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message), {}};
  }
};

// A value or an Error. Deliberately small: ok(), value(), error(), and operator bool.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Ok{}; }

}  // namespace npufleet
