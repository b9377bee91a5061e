#include "http/AccessLog.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace npufleet::http {
namespace {

constexpr size_t kBatchBytes = 64 * 1024;

// "2026-12-03T11:38:18.123+00:00", the time format of the process's other log lines. The part
// down to the second changes once a second, so each thread keeps it.
void appendTime(std::string& out) {
  struct Cached {
    time_t second = -1;
    char text[32] = {};
    char zone[8] = {};
  };
  thread_local Cached cached;
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const time_t second = static_cast<time_t>(ms.count() / 1000);
  if (second != cached.second) {
    std::tm tm{};
    localtime_r(&second, &tm);
    std::strftime(cached.text, sizeof cached.text, "%Y-%m-%dT%H:%M:%S", &tm);
    const int minutes = static_cast<int>(std::labs(tm.tm_gmtoff) / 60 % (24 * 60));
    std::snprintf(cached.zone, sizeof cached.zone, "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+',
                  minutes / 60, minutes % 60);
    cached.second = second;
  }
  const auto milli = static_cast<int>(ms.count() % 1000);
  out.append(cached.text).push_back('.');
  out.push_back(static_cast<char>('0' + milli / 100));
  out.push_back(static_cast<char>('0' + milli / 10 % 10));
  out.push_back(static_cast<char>('0' + milli % 10));
  out.append(cached.zone);
}

void appendNumber(std::string& out, uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// Written out by hand: a format string with a float argument costs a printf call per line.
void appendLine(std::string& out, const AccessLog::Entry& e) {
  out.append(e.remote).append(" \"").append(e.method).push_back(' ');
  out.append(e.path).append("\" ");
  appendNumber(out, static_cast<uint64_t>(e.status < 0 ? 0 : e.status));
  out.push_back(' ');
  appendNumber(out, e.bytes);
  out.append("B ");
  // Milliseconds with one decimal, rounded.
  const auto tenths = static_cast<uint64_t>(std::llround(std::max(0.0, e.seconds) * 10000.0));
  appendNumber(out, tenths / 10);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + tenths % 10));
  out.append("ms rid=").append(e.request_id).append(" who=");
  out.append(e.principal.empty() ? std::string_view("-") : e.principal);
}

}  // namespace

AccessLog::AccessLog(Options options) : options_(options), writer_([this] { run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

std::shared_ptr<AccessLog> AccessLog::forLogLevel(std::string_view level) {
  if (level == "trace" || level == "debug" || level == "info") return std::make_shared<AccessLog>();
  return nullptr;
}

std::string AccessLog::format(const Entry& entry) {
  std::string out;
  appendLine(out, entry);
  return out;
}

void AccessLog::record(const Entry& entry) {
  thread_local std::string line;
  line.clear();
  appendTime(line);
  line.append(" info ");
  appendLine(line, entry);
  line.push_back('\n');
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (pending_.size() + line.size() > options_.max_pending_bytes) {
      ++dropped_;
      return;
    }
    const size_t before = pending_.size();
    pending_.append(line);
    ++recorded_;
    wake = before == 0 || (before < kBatchBytes && pending_.size() >= kBatchBytes);
  }
  if (wake) wake_.notify_one();
}

void AccessLog::flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = recorded_;
  if (done_ >= target) return;
  flush_wanted_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ >= target; });
}

uint64_t AccessLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void AccessLog::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty() && stopping_) return;
    // Let a batch gather: one write for many lines is most of what keeps the log cheap.
    wake_.wait_for(lock, options_.flush_every,
                   [&] { return stopping_ || flush_wanted_ || pending_.size() >= kBatchBytes; });
    flush_wanted_ = false;
    std::string batch;
    batch.swap(pending_);
    const uint64_t upto = recorded_;
    const uint64_t lost = dropped_ - dropped_reported_;
    dropped_reported_ = dropped_;
    lock.unlock();
    if (lost > 0) {
      appendTime(batch);
      fmt::format_to(std::back_inserter(batch),
                     " warn access log: {} line(s) dropped, its writer could not keep up\n", lost);
    }
    writeAll(batch);
    lock.lock();
    done_ = upto;
    written_.notify_all();
  }
}

void AccessLog::writeAll(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(options_.fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to write (closed stderr): the lines are lost, not retried
    off += static_cast<size_t>(n);
  }
}

}  // namespace npufleet::http
