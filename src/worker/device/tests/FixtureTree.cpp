#include "FixtureTree.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace npufleet::worker::testing {
namespace fs = std::filesystem;

fs::path fixturePath(const std::string& name) {
  return fs::path(NPUFLEET_SOURCE_DIR) / "tests" / "fixtures" / "sysfs" / name;
}

FixtureCopy::FixtureCopy(const std::string& name) {
  std::string pattern = (fs::path(::testing::TempDir()) / "npufleet-sysfs-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  fs::copy(fixturePath(name), root_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

FixtureCopy::~FixtureCopy() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void FixtureCopy::write(const std::string& relative, const std::string& content) const {
  const fs::path path = root_ / relative;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void FixtureCopy::remove(const std::string& relative) const { fs::remove(root_ / relative); }

void FixtureCopy::symlink(const std::string& target, const std::string& relative) const {
  fs::remove(root_ / relative);
  fs::create_symlink(target, root_ / relative);
}

}  // namespace npufleet::worker::testing
