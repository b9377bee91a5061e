#include "http/ConnectionAdmission.h"

namespace npufleet::http {

void ConnectionAdmission::setLimits(Limits limits) {
  std::lock_guard lock(mu_);
  limits_ = limits;
}

ConnectionAdmission::Limits ConnectionAdmission::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

ConnectionAdmission::Refusal ConnectionAdmission::admit(const std::string& address) {
  std::lock_guard lock(mu_);
  if (limits_.max_connections != 0 && open_ >= limits_.max_connections) {
    return Refusal::kMaxConnections;
  }
  if (limits_.count_unauthenticated) {
    if (limits_.max_unauthenticated != 0 && unauthenticated_ >= limits_.max_unauthenticated) {
      return Refusal::kUnauthenticatedTotal;
    }
    auto it = unauthenticated_by_address_.find(address);
    const size_t from_address = it == unauthenticated_by_address_.end() ? 0 : it->second;
    if (limits_.max_unauthenticated_per_address != 0 &&
        from_address >= limits_.max_unauthenticated_per_address) {
      return Refusal::kUnauthenticatedPerAddress;
    }
  }
  ++open_;
  ++unauthenticated_;
  ++unauthenticated_by_address_[address];
  return Refusal::kNone;
}

void ConnectionAdmission::releaseUnauthenticatedLocked(const std::string& address) {
  if (unauthenticated_ > 0) --unauthenticated_;
  auto it = unauthenticated_by_address_.find(address);
  if (it == unauthenticated_by_address_.end()) return;
  if (--it->second == 0) unauthenticated_by_address_.erase(it);  // the map stays as small as the set of addresses connected
}

void ConnectionAdmission::authenticated(const std::string& address) {
  std::lock_guard lock(mu_);
  releaseUnauthenticatedLocked(address);
}

void ConnectionAdmission::closed(const std::string& address, bool was_authenticated) {
  std::lock_guard lock(mu_);
  if (open_ > 0) --open_;
  if (!was_authenticated) releaseUnauthenticatedLocked(address);
}

size_t ConnectionAdmission::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

size_t ConnectionAdmission::unauthenticated() const {
  std::lock_guard lock(mu_);
  return unauthenticated_;
}

std::string_view ConnectionAdmission::label(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone: return "none";
    case Refusal::kMaxConnections: return "max_connections";
    case Refusal::kUnauthenticatedTotal: return "unauthenticated_total";
    case Refusal::kUnauthenticatedPerAddress: return "unauthenticated_per_address";
  }
  return "none";
}

std::string ConnectionAdmission::describe(Refusal refusal, const Limits& limits) {
  switch (refusal) {
    case Refusal::kNone: return "admitted";
    case Refusal::kMaxConnections:
      return "max_connections (" + std::to_string(limits.max_connections) + ") reached";
    case Refusal::kUnauthenticatedTotal:
      return "max_unauthenticated_connections (" + std::to_string(limits.max_unauthenticated) +
             ") reached";
    case Refusal::kUnauthenticatedPerAddress:
      return "max_unauthenticated_per_address (" +
             std::to_string(limits.max_unauthenticated_per_address) + ") reached for this address";
  }
  return {};
}

}  // namespace npufleet::http
