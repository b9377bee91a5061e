// SHA-256 as lowercase hex, and the hex encoding it uses: for token hashes, body digests and key
// ids. Fast on hot paths: the digest is fetched from OpenSSL's provider once, not per call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace npufleet {

std::string sha256Hex(std::string_view data);
std::string toHex(const unsigned char* data, size_t size);

}  // namespace npufleet
