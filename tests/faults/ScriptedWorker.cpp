#include "faults/ScriptedWorker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace npufleet::testing {
namespace {

bool sendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

std::string modelList(const std::vector<std::string>& models) {
  std::string out = "[";
  for (size_t i = 0; i < models.size(); ++i) out += (i ? ",\"" : "\"") + models[i] + "\"";
  return out + "]";
}

}  // namespace

ScriptedReply ScriptedWorker::healthy(const std::string& method, const std::string& path,
                                      const std::vector<std::string>& models) {
  ScriptedReply r;
  if (method == "GET" && path == "/health") {
    r.body = R"({"status":"healthy","max_concurrent":4,"memory_gb":8,"utilization":0,)"
             R"("device":"CPU","loaded_models":)" +
             modelList(models) + "}";
  } else if (method == "GET" && path == "/models") {
    r.body = R"({"available":)" + modelList(models) + R"(,"loaded":)" + modelList(models) + "}";
  } else if (method == "POST" && path == "/inference") {
    r.body = R"({"model":"embedding-mlp","outputs":{"output":{"shape":[1,2],"data":[0.5,0.25]}},)"
             R"("device":"scripted"})";
  } else {
    r.status = 404;
    r.body = R"({"detail":"not found"})";
  }
  return r;
}

ScriptedWorker::ScriptedWorker(Script script, uint16_t port) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("bind/listen failed: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

ScriptedWorker::~ScriptedWorker() { stop(); }

void ScriptedWorker::setScript(Script script) {
  std::lock_guard lock(mu_);
  script_ = std::move(script);
}

int ScriptedWorker::requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = requests_.find(path);
  return it == requests_.end() ? 0 : it->second;
}

int ScriptedWorker::abandonedByPeer() const {
  std::lock_guard lock(mu_);
  return abandoned_;
}

int ScriptedWorker::hanging() const {
  std::lock_guard lock(mu_);
  return hanging_;
}

void ScriptedWorker::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes recv()
    threads.swap(connections_);
  }
  for (auto& t : threads) t.join();
}

void ScriptedWorker::acceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

ScriptedReply ScriptedWorker::replyFor(const std::string& method, const std::string& path) {
  std::lock_guard lock(mu_);
  ++requests_[path];
  return script_(method, path);
}

void ScriptedWorker::serve(int fd) {
  std::string buffer;
  char chunk[16 * 1024];
  auto readMore = [&] {
    for (;;) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
  };
  // Waits for the peer to close (or for stop()), discarding anything it sends.
  auto holdOpen = [&] {
    {
      std::lock_guard lock(mu_);
      ++hanging_;
    }
    while (readMore()) buffer.clear();
    std::lock_guard lock(mu_);
    --hanging_;
    if (!stopping_) ++abandoned_;
  };

  for (bool open = true; open;) {
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!readMore()) {
        open = false;
        break;
      }
    }
    if (!open) break;
    const std::string head = buffer.substr(0, head_end);
    size_t content_length = 0;
    std::string method, path;
    {
      size_t sp1 = head.find(' ');
      size_t sp2 = head.find(' ', sp1 + 1);
      method = head.substr(0, sp1);
      path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      path = path.substr(0, path.find('?'));
      const std::string lh = lower(head);
      if (auto at = lh.find("\r\ncontent-length:"); at != std::string::npos) {
        content_length = std::stoul(lh.substr(at + 17));
      }
    }
    while (buffer.size() < head_end + 4 + content_length) {
      if (!readMore()) {
        open = false;
        break;
      }
    }
    if (!open) break;
    buffer.erase(0, head_end + 4 + content_length);

    ScriptedReply reply = replyFor(method, path);
    if (reply.kind == ScriptedReply::Kind::kHang) {
      holdOpen();
      break;
    }
    if (reply.kind == ScriptedReply::Kind::kRaw) {
      sendAll(fd, reply.body.data(), reply.body.size());
      break;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                      reasonPhrase(reply.status) + "\r\nContent-Type: " + reply.content_type +
                      "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                      "\r\nConnection: keep-alive\r\n\r\n";
    if (reply.kind == ScriptedReply::Kind::kAnswer) {
      out += reply.body;
      if (!sendAll(fd, out.data(), out.size())) break;
      continue;
    }
    out += reply.body.substr(0, reply.body.size() / 2);
    if (!sendAll(fd, out.data(), out.size())) break;
    if (reply.kind == ScriptedReply::Kind::kPartialThenStall) holdOpen();
    break;
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(fd);
  ::close(fd);
}

}  // namespace npufleet::testing
