#include "auth/KeyFile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdio>

#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

std::string modeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status checkStat(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {
    return Error::badRequest("key file " + path + " is not a regular file", "key_file");
  }
  if ((st.st_mode & 077) != 0) {
    return Error::badRequest("key file " + path + " has mode " + modeString(st.st_mode) +
                                 ", readable or writable by group or others; run: chmod 600 " +
                                 path,
                             "key_file");
  }
  return okStatus();
}

// fstat of an opened key file, then checkStat; closes `fd` when either fails.
Status statOpenKeyFile(int fd, const std::string& path, struct stat& st) {
  Status ok = okStatus();
  if (::fstat(fd, &st) != 0) {
    ok = Error::badRequest("cannot stat key file " + path, "key_file");
  } else {
    ok = checkStat(path, st);
  }
  if (!ok) ::close(fd);
  return ok;
}

// Wipes the raw file contents on every path out of readKeyFile.
struct Cleansed {
  std::string text;
  ~Cleansed() {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

}  // namespace

Status checkPrivateKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error::badRequest("cannot read key file " + path + ": " + std::strerror(errno),
                             "key_file");
  }
  return checkStat(path, st);
}

Result<std::vector<std::string>> readKeyFile(const std::string& path) {
  // O_NONBLOCK: a FIFO planted in place of a key file must fail the regular-file check, not hang.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Error::badRequest("cannot open key file " + path + ": " + std::strerror(errno),
                             "key_file");
  }
  struct stat st {};
  if (auto ok = statOpenKeyFile(fd, path, st); !ok) return ok.error();
  if (st.st_size > 1024 * 1024) {
    ::close(fd);
    return Error::badRequest("key file " + path + " is larger than 1 MiB", "key_file");
  }
  Cleansed raw;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Error::badRequest("cannot read key file " + path + ": " + std::strerror(errno),
                               "key_file");
    }
    if (n == 0) break;
    raw.text.append(buf, static_cast<size_t>(n));
  }
  OPENSSL_cleanse(buf, sizeof buf);
  ::close(fd);

  std::vector<std::string> keys;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < raw.text.size()) {
    size_t end = raw.text.find('\n', pos);
    if (end == std::string::npos) end = raw.text.size();
    ++line_no;
    std::string_view line(raw.text.data() + pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = path + " line " + std::to_string(line_no);
    if (line.size() < kMinKeyLength) {
      return Error::badRequest("key in " + where + " is shorter than " +
                                   std::to_string(kMinKeyLength) + " characters",
                               "key_file");
    }
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        return Error::badRequest("key in " + where + " contains a control character",
                                 "key_file");
      }
    }
    keys.emplace_back(line);
  }
  return keys;
}

Result<std::string> loadServiceKeyFile(const std::string& path) {
  auto keys = readKeyFile(path);
  if (!keys) return keys.error();
  auto& list = keys.value();
  if (list.size() != 1) {
    for (auto& k : list) OPENSSL_cleanse(k.data(), k.size());
    return Error::badRequest("service key file " + path + " must hold exactly one key, found " +
                                 std::to_string(list.size()),
                             "service_key_file");
  }
  return std::move(list.front());
}

Result<std::string> generateKey() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return Error::internal("the system random generator failed (RAND_bytes)");
  }
  std::string key = toHex(bytes, sizeof bytes);
  OPENSSL_cleanse(bytes, sizeof bytes);
  return key;
}

Status writeKeyLine(const std::string& path, const std::string& key, bool append) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    if (!append) {
      return Error::conflict("key file " + path + " already exists; pass --rotate to add a key",
                             "key_file");
    }
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
      struct stat st {};
      if (auto ok = statOpenKeyFile(fd, path, st); !ok) return ok.error();
      // A file without a final newline would glue the new key onto the last one.
      const int rfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      char last = '\n';
      if (rfd >= 0) {
        if (st.st_size > 0 && ::pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
        ::close(rfd);
      }
      if (last != '\n' && ::write(fd, "\n", 1) != 1) {
        ::close(fd);
        return Error::internal("cannot write key file " + path + ": " + std::strerror(errno));
      }
    }
  }
  if (fd < 0) {
    return Error::badRequest("cannot create key file " + path + ": " + std::strerror(errno),
                             "key_file");
  }
  // O_CREAT honours the umask; force 0600 regardless.
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return Error::internal("cannot chmod 600 key file " + path + ": " + std::strerror(errno));
  }
  std::string line = key + "\n";
  const ssize_t n = ::write(fd, line.data(), line.size());
  OPENSSL_cleanse(line.data(), line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()) || !synced) {
    return Error::internal("cannot write key file " + path + ": " + std::strerror(errno));
  }
  return okStatus();
}

}  // namespace npufleet::auth
