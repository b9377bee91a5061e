#include "common/Sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace npufleet {

std::string toHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
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
