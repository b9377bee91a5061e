// The control plane's router with every API handler, wired as app/ServerCommand.cpp and
// app/ServerConfig.cpp wire it, over in-memory repositories and a canned worker instead of
// SQLite and the network: what the HTTP and JSON fuzz targets drive. One world per input,
// so that no input sees what an earlier one stored.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/ApiContext.h"
#include "auth/tokens/TokenService.h"
#include "common/Clock.h"
#include "fleet/NodeService.h"
#include "http/Message.h"
#include "http/Router.h"
#include "http/Server.h"

namespace npufleet::fuzz {

// Answers what a healthy npufleet worker answers; the status of POST /inference can be set
// so that the router's retry and error paths run too.
struct CannedWorkerAnswers {
  int inference_status = 200;
  std::string inference_body = R"({"model":"resnet50","outputs":{"y":{"shape":[1],"data":[0.5]}}})";
};

class ControlPlaneWorld {
 public:
  ControlPlaneWorld();
  ~ControlPlaneWorld();
  ControlPlaneWorld(const ControlPlaneWorld&) = delete;
  ControlPlaneWorld& operator=(const ControlPlaneWorld&) = delete;

  // Matches the route and runs it as http::Server's dispatch does (404/405 when nothing
  // matches). With `authenticate`, the bearer-token middleware runs first; without, the request
  // acts as the admin token. An exception escaping a handler propagates to the caller: the
  // server would turn it into a 500, and the fuzzer should hear about it.
  http::Response handle(http::Request& req, bool authenticate);

  const http::Router& router() const;
  // For running a real http::Server over this world: its io_context, the server's middleware,
  // and an end to every open event stream (as ControlPlaneExtensions::stop does).
  boost::asio::io_context& io();
  const http::Middleware& middleware() const;
  void closeEventStreams();
  // A node with the npu-worker role, detected, serving resnet50 (for PATCH, detect, routing).
  const std::string& workerNodeId() const;
  // The bearer secret of an admin token, a viewer token.
  const std::string& adminToken() const;
  const std::string& viewerToken() const;
  CannedWorkerAnswers& worker();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The body limit http::Server applies to a route (64 KiB when nothing matched).
size_t bodyLimitFor(const http::Router& router, const http::Request& req);

// Statuses a control-plane handler may answer; anything else (a 500) is a finding.
bool isExpectedApiStatus(int status);

}  // namespace npufleet::fuzz
