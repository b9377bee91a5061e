#include "worker/device/HostFileReader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <system_error>
#include <utility>

namespace npufleet::worker {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

template <typename T>
Result<T> parseNumber(const Result<std::string>& text, const std::string& where, int base) {
  if (!text) return text.error();
  std::string_view digits = *text;
  if (base == 16 && digits.size() > 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
  }
  if (digits.empty()) return Error::internal(where + " is empty");
  T value{};
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value, base);
  if (ec == std::errc::result_out_of_range) return Error::internal(where + " is out of range");
  if (ec != std::errc() || ptr != end) {
    // Show a short prefix only: the content of an odd file can be anything, of any size.
    std::string shown(digits.substr(0, 32));
    for (char& c : shown) {
      if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
    }
    return Error::internal(where + " is not a number: \"" + shown + "\"");
  }
  return value;
}

}  // namespace

HostFileReader::HostFileReader(fs::path root) : root_(std::move(root)) {}

fs::path HostFileReader::path(const std::string& relative) const { return root_ / relative; }

bool HostFileReader::exists(const std::string& relative) const {
  std::error_code ec;
  return fs::exists(path(relative), ec);
}

Result<std::string> HostFileReader::readText(const std::string& relative,
                                             std::size_t max_bytes) const {
  const fs::path p = path(relative);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return Error::internal(p.string() + " is a directory");
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::notFound(p.string() + " cannot be read");
  // sysfs reports a size of 4096 for every attribute, so read rather than stat.
  std::string content(max_bytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (in.bad()) return Error::internal(p.string() + " cannot be read");
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got > max_bytes) {
    return Error::internal(p.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  content.resize(got);
  return trim(std::move(content));
}

Result<uint64_t> HostFileReader::readUnsigned(const std::string& relative) const {
  return parseNumber<uint64_t>(readText(relative), path(relative).string(), 10);
}

Result<int64_t> HostFileReader::readSigned(const std::string& relative) const {
  return parseNumber<int64_t>(readText(relative), path(relative).string(), 10);
}

Result<uint64_t> HostFileReader::readHex(const std::string& relative) const {
  return parseNumber<uint64_t>(readText(relative), path(relative).string(), 16);
}

Result<std::string> HostFileReader::readLinkName(const std::string& relative) const {
  std::error_code ec;
  const fs::path target = fs::read_symlink(path(relative), ec);
  if (ec) return Error::notFound(path(relative).string() + " is not a link: " + ec.message());
  std::string name = target.filename().string();
  if (name.empty()) name = target.parent_path().filename().string();
  if (name.empty()) return Error::internal(path(relative).string() + " has an empty target");
  return name;
}

Result<std::string> HostFileReader::resolvedName(const std::string& relative) const {
  std::error_code ec;
  const fs::path resolved = fs::canonical(path(relative), ec);
  if (ec) return Error::notFound(path(relative).string() + " cannot be resolved: " + ec.message());
  return resolved.filename().string();
}

std::vector<std::string> HostFileReader::numberedEntries(const std::string& relative,
                                                         const std::string& prefix) const {
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code ec;
  fs::directory_iterator it(path(relative), ec);
  if (ec) return {};
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view digits = std::string_view(name).substr(prefix.size());
    uint64_t number = 0;
    auto [ptr, perr] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    // "card0-DP-1" (a connector) shares the prefix but is not a device.
    if (perr != std::errc() || ptr != digits.data() + digits.size()) continue;
    found.emplace_back(number, name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  names.reserve(found.size());
  for (auto& [number, name] : found) names.push_back(std::move(name));
  return names;
}

}  // namespace npufleet::worker
