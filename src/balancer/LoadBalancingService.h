// The use cases behind GET/POST /api/npu/load-balancing: read the setting in force; validate a
// new one against the fleet, store it, audit it and hand it to the router, which applies it to
// the next request.
#pragma once

#include <boost/json/value.hpp>
#include <mutex>
#include <string>

#include "balancer/CandidateSource.h"
#include "balancer/InferenceRouter.h"
#include "balancer/LoadBalancingRepository.h"
#include "common/Error.h"
#include "fleet/AuditLog.h"

namespace npufleet::balancer {

class LoadBalancingService {
 public:
  // `audit` may be null (tests without an audit log).
  LoadBalancingService(InferenceRouter& router, LoadBalancingRepository& repo,
                       const CandidateSource& fleet, fleet::AuditLog* audit, const Clock& clock);

  // At start-up: applies the stored setting, if any, on top of the router's defaults.
  Status loadStored();

  LoadBalancingConfig current() const;

  // Body of POST /api/npu/load-balancing. 400 naming the field on bad input.
  Result<LoadBalancingConfig> update(const boost::json::value& body, const std::string& actor);

 private:
  InferenceRouter& router_;
  LoadBalancingRepository& repo_;
  const CandidateSource& fleet_;
  fleet::AuditLog* audit_;
  const Clock& clock_;
  std::mutex write_mu_;  // one update at a time: validate, store, apply in the same order
};

}  // namespace npufleet::balancer
