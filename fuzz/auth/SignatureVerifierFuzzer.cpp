// libFuzzer target: service signature header parsing and verification.
//
// Input: first byte chooses the mode, the rest is an HTTP-like request
//   "METHOD TARGET\nName: value\n...\n\nBODY"
// Mode even: the parsed request goes to the verifier as is (header parsing, validation, every
// rejection path). Mode odd: the request is first signed with the trusted key; a request the
// signer accepts must then verify (an oracle), and a second copy with one byte of a signed
// header flipped must not. In both modes no rejection reason may contain the key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/ServiceSigner.h"
#include "auth/SignatureVerifier.h"

namespace {

using namespace npufleet;

constexpr int64_t kNow = 1'767'225'600;
const std::string kKey = "fuzz-key-0123456789abcdef0123456789abcdef";

void parse(std::string_view text, http::ClientRequest& c) {
  auto line_end = text.find('\n');
  std::string_view first = text.substr(0, line_end);
  text = line_end == std::string_view::npos ? std::string_view{} : text.substr(line_end + 1);
  auto sp = first.find(' ');
  c.method = std::string(first.substr(0, sp));
  c.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  c.host = "127.0.0.1";
  c.port = 8081;
  while (!text.empty()) {
    line_end = text.find('\n');
    std::string_view line = text.substr(0, line_end);
    text = line_end == std::string_view::npos ? std::string_view{} : text.substr(line_end + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    c.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  c.body = std::string(text);
}

http::Request toServer(const http::ClientRequest& c) {
  http::Request r;
  r.method = c.method;
  r.target = c.target;
  auto q = c.target.find('?');
  r.path = c.target.substr(0, q);
  if (q != std::string::npos) r.query = c.target.substr(q + 1);
  if (!c.headers.has("Host")) r.headers.add("Host", c.host + ":" + std::to_string(c.port));
  for (const auto& [k, v] : c.headers.all()) r.headers.add(k, v);
  r.body = c.body;
  r.remote_address = "127.0.0.1";
  return r;
}

void checkReason(const Result<auth::VerifiedCaller>& r) {
  if (!r.ok() && r.error().message.find(kKey) != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool sign_first = (data[0] & 1) != 0;
  const int min_version = (data[0] & 2) != 0 ? 1 : 2;
  http::ClientRequest c;
  parse(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), c);

  FakeClock clock(kNow);
  auto ring = std::make_shared<auth::Keyring>();
  (void)ring->add("main-backend", kKey);
  auth::VerifierOptions options;
  options.min_version = min_version;
  options.replay_capacity = 1000;
  auth::SignatureVerifier verifier(options, ring, clock);

  if (!sign_first) {
    checkReason(verifier.verify(toServer(c)));
    return 0;
  }
  auto signer = auth::ServiceSigner::create("main-backend", kKey, clock);
  if (!signer.ok()) std::abort();
  // Signed headers replace any fuzzed ones of the same name; duplicates of them remain and
  // must make verification fail rather than confuse it.
  const bool had_auth_headers = c.headers.has("X-Service-ID") ||
                                c.headers.has("X-Service-Timestamp") ||
                                c.headers.has("X-Service-Signature") ||
                                c.headers.has("X-Service-Signature-V2") ||
                                c.headers.has("X-Service-Nonce") ||
                                c.headers.has("X-Service-Content-SHA256") ||
                                c.headers.has("X-Service-Key-Id") || c.headers.has("Host");
  if (!signer->signWith(c, kNow, "00112233445566778899aabbccddeeff").ok()) return 0;
  auto server_req = toServer(c);
  auto first = verifier.verify(server_req);
  checkReason(first);
  if (!first.ok() && !had_auth_headers) std::abort();  // a signed request must verify

  // Flip one byte of the v2 signature: must be refused (never accepted, never a crash).
  http::Request tampered = server_req;
  http::Headers h;
  for (const auto& [k, v] : tampered.headers.all()) {
    std::string value = v;
    if (k == "X-Service-Signature-V2" && !value.empty()) value[size % value.size()] ^= 1;
    h.add(k, value);
  }
  tampered.headers = h;
  auto second = verifier.verify(tampered);
  checkReason(second);
  if (second.ok()) std::abort();
  return 0;
}
