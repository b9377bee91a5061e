// How the NPU domain talks to a worker: one HTTP exchange. The application wires an adapter over
// auth::ServiceHttpClient so that every request is signed; npu/ never depends on auth/.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/Client.h"

namespace npufleet::npu {

class WorkerClient {
 public:
  virtual ~WorkerClient() = default;
  // Must honour request.connect_timeout and request.total_timeout.
  virtual boost::asio::awaitable<http::ClientResult> send(http::ClientRequest request) = 0;
};

}  // namespace npufleet::npu
