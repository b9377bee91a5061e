// The only HTTP client the control plane's domain gets for reaching workers: every request it
// sends is signed by its ServiceSigner (v1 + v2) just before it leaves, so no code path can
// send an unsigned one. Pooling, timeouts and the response bound are http::Client's.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>

#include "auth/ServiceSigner.h"
#include "http/Client.h"

namespace npufleet::auth {

class ServiceHttpClient {
 public:
  ServiceHttpClient(boost::asio::any_io_executor executor, ServiceSigner signer,
                    http::Client::Options options = {});
  ~ServiceHttpClient();
  ServiceHttpClient(const ServiceHttpClient&) = delete;
  ServiceHttpClient& operator=(const ServiceHttpClient&) = delete;

  // Signs `request` (method, host, port, target, body) and sends it. A request that cannot be
  // signed is not sent: the result has failure kProtocol and a message naming the field.
  boost::asio::awaitable<http::ClientResult> send(http::ClientRequest request);

  const ServiceSigner& signer() const { return signer_; }
  void closeIdle();

 private:
  ServiceSigner signer_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace npufleet::auth
