#include "auth/ServiceHttpClient.h"

namespace npufleet::auth {

ServiceHttpClient::ServiceHttpClient(boost::asio::any_io_executor executor, ServiceSigner signer,
                                     http::Client::Options options)
    : signer_(std::move(signer)),
      client_(std::make_unique<http::Client>(std::move(executor), options)) {}

ServiceHttpClient::~ServiceHttpClient() = default;

namespace {
boost::asio::awaitable<http::ClientResult> notSent(std::string why) {
  http::ClientResult failed;
  failed.failure = http::ClientFailure::kProtocol;
  failed.message = "request not sent: " + why;
  co_return failed;
}
}  // namespace

// Signs, then hands on the client's coroutine rather than wrapping it in one more frame: a
// coroutine frame is a heap block of a kilobyte or more on every worker call.
boost::asio::awaitable<http::ClientResult> ServiceHttpClient::send(http::ClientRequest request) {
  if (auto signed_ok = signer_.sign(request); !signed_ok) return notSent(signed_ok.error().message);
  return client_->send(std::move(request));
}

void ServiceHttpClient::closeIdle() { client_->closeIdle(); }

}  // namespace npufleet::auth
