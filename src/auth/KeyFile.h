// Reading and writing service key files (DESIGN.md 4.5): `<service-id>.key`, mode 0600, one
// key per line. Every error names the file (and line), never the key.
#pragma once

#include <string>
#include <vector>

#include "common/Error.h"

namespace npufleet::auth {

// Keys shorter than this are refused: an HMAC is only as strong as its key.
inline constexpr size_t kMinKeyLength = 16;

// Refuses anything but a regular file that only its owner can read or write (no group/other
// permission bits at all), with an error naming the file and its mode.
Status checkPrivateKeyFile(const std::string& path);

// The keys of a key file, in file order. Blank lines and lines starting with '#' are skipped;
// trailing whitespace and CR are stripped. The mode is checked on the opened descriptor.
Result<std::vector<std::string>> readKeyFile(const std::string& path);

// The signer's `--service-key-file`: exactly one key.
Result<std::string> loadServiceKeyFile(const std::string& path);

// 32 random bytes from RAND_bytes as 64 lowercase hex characters.
Result<std::string> generateKey();

// Writes `key` as a new line of `path`, creating it with mode 0600; when the file exists it
// must already be private and `append` must be true (rotation), otherwise an error.
Status writeKeyLine(const std::string& path, const std::string& key, bool append);

}  // namespace npufleet::auth
