// How the router reaches a worker. In the control plane this is auth::ServiceHttpClient, which
// signs every request over pooled keep-alive connections; balancer/ only needs the signature.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/Client.h"

namespace npufleet::balancer {

class WorkerClient {
 public:
  virtual ~WorkerClient() = default;
  virtual boost::asio::awaitable<http::ClientResult> send(http::ClientRequest request) = 0;
};

}  // namespace npufleet::balancer
