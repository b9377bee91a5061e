// Reads sysfs and procfs files under a root directory, so that detection runs unchanged against
// the real "/" in production and against committed fixture trees in tests. Every read is bounded
// and every parse is checked: an odd file yields an Error that a probe turns into a note, never
// a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/Error.h"

namespace npufleet::worker {

class HostFileReader {
 public:
  // `root` stands for "/": readText("sys/class/accel") reads <root>/sys/class/accel.
  explicit HostFileReader(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  // <root>/<relative>, for messages and for callers that must copy a tree.
  std::filesystem::path path(const std::string& relative) const;

  bool exists(const std::string& relative) const;
  // Whole file, at most `max_bytes` (a larger file is an error, not a truncated read), with
  // surrounding whitespace removed.
  Result<std::string> readText(const std::string& relative, std::size_t max_bytes = 4096) const;
  // Decimal integers as sysfs writes them ("1234\n"); anything else is an error naming the file.
  Result<uint64_t> readUnsigned(const std::string& relative) const;
  Result<int64_t> readSigned(const std::string& relative) const;
  // Hexadecimal with or without "0x" ("0x8086\n", as PCI vendor/device/class files are).
  Result<uint64_t> readHex(const std::string& relative) const;
  // Last component of a symlink's target: "driver" -> "../../../bus/pci/drivers/intel_vpu"
  // gives "intel_vpu". Works on dangling links, which is all a driver link needs.
  Result<std::string> readLinkName(const std::string& relative) const;
  // Last component of the fully resolved path ("0000:00:0b.0" for a PCI device directory).
  Result<std::string> resolvedName(const std::string& relative) const;
  // Entries of a directory named <prefix><digits> ("accel0", "card1"), ordered by number.
  // A missing directory gives an empty list.
  std::vector<std::string> numberedEntries(const std::string& relative,
                                           const std::string& prefix) const;

 private:
  std::filesystem::path root_;
};

}  // namespace npufleet::worker
