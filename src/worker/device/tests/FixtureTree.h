// Access to the committed sysfs/procfs fixture trees (tests/fixtures/sysfs/<name>) and writable
// copies of them, for tests that change a file between two samples or break one on purpose.
#pragma once

#include <filesystem>
#include <string>

namespace npufleet::worker::testing {

// <source>/tests/fixtures/sysfs/<name>
std::filesystem::path fixturePath(const std::string& name);

// A private copy of a fixture tree (symlinks kept as symlinks), removed on destruction.
class FixtureCopy {
 public:
  explicit FixtureCopy(const std::string& name);
  ~FixtureCopy();
  FixtureCopy(const FixtureCopy&) = delete;
  FixtureCopy& operator=(const FixtureCopy&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // Overwrites <root>/<relative> with `content` (creating parent directories).
  void write(const std::string& relative, const std::string& content) const;
  void remove(const std::string& relative) const;
  void symlink(const std::string& target, const std::string& relative) const;

 private:
  std::filesystem::path root_;
};

}  // namespace npufleet::worker::testing
