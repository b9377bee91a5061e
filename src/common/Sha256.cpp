#include "common/Sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace npufleet {

namespace {

// "000102...ff": two digits per byte value, so each byte is one two-character copy.
struct HexPairs {
  char digits[512];
  constexpr HexPairs() : digits{} {
    constexpr char kDigits[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
      digits[2 * i] = kDigits[i >> 4];
      digits[2 * i + 1] = kDigits[i & 0x0f];
    }
  }
};
constexpr HexPairs kHexPairs;

}  // namespace

std::string toHex(const unsigned char* data, size_t size) {
  std::string out(size * 2, '0');
  char* o = out.data();
  for (size_t i = 0; i < size; ++i) std::memcpy(o + 2 * i, kHexPairs.digits + 2 * data[i], 2);
  return out;
}

std::string sha256Hex(std::string_view data) {
  // SHA256() fetches the algorithm from the provider on every call; the fetched digest and a
  // context per thread are kept instead.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  static thread_local Ctx local;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  if (md != nullptr && local.ctx != nullptr && EVP_DigestInit_ex2(local.ctx, md, nullptr) == 1 &&
      EVP_DigestUpdate(local.ctx, data.data(), data.size()) == 1 &&
      EVP_DigestFinal_ex(local.ctx, digest, &len) == 1) {
    return toHex(digest, len);
  }
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return toHex(digest, sizeof digest);
}

}  // namespace npufleet
