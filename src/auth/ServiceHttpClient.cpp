#include "auth/ServiceHttpClient.h"

namespace npufleet::auth {

ServiceHttpClient::ServiceHttpClient(boost::asio::any_io_executor executor, ServiceSigner signer,
                                     http::Client::Options options)
    : signer_(std::move(signer)),
      client_(std::make_unique<http::Client>(std::move(executor), options)) {}

ServiceHttpClient::~ServiceHttpClient() = default;

boost::asio::awaitable<http::ClientResult> ServiceHttpClient::send(http::ClientRequest request) {
  if (auto signed_ok = signer_.sign(request); !signed_ok) {
    http::ClientResult failed;
    failed.failure = http::ClientFailure::kProtocol;
    failed.message = "request not sent: " + signed_ok.error().message;
    co_return failed;
  }
  co_return co_await client_->send(std::move(request));
}

void ServiceHttpClient::closeIdle() { client_->closeIdle(); }

}  // namespace npufleet::auth
