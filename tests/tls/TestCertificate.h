// Self-signed certificates made at test time with OpenSSL's C API (no openssl binary, nothing
// committed): a P-256 key and an X.509 v3 certificate that is its own CA, valid for a day, for
// the subjectAltNames the test asks for ("IP:127.0.0.1", "DNS:worker.example", ...).
#pragma once

#include <string>
#include <vector>

namespace npufleet::testing {

struct TestCertificate {
  std::string cert_file;  // PEM certificate, usable as the server's chain and as a client's CA
  std::string key_file;   // PEM private key, mode 0600
};

// Writes <dir>/<name>.crt and <dir>/<name>.key; throws std::runtime_error on failure.
TestCertificate makeSelfSignedCertificate(const std::string& dir, const std::string& name,
                                          const std::string& common_name,
                                          const std::vector<std::string>& alt_names);

}  // namespace npufleet::testing
