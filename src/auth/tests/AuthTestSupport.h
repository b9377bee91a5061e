// Helpers shared by the auth tests: running a coroutine to completion, turning a signed
// ClientRequest into the server-side Request the verifier sees, and temporary key directories.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "http/Client.h"
#include "http/Message.h"

namespace npufleet::auth::testing {

template <typename T>
T runAwaitable(boost::asio::awaitable<T> aw) {
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(io, std::move(aw), boost::asio::use_future);
  io.run();
  return fut.get();
}

// What the server would build from this request: the target verbatim, the Host header that
// http::Client writes, the body.
inline http::Request toServerRequest(const http::ClientRequest& c,
                                     std::string remote = "10.0.0.1") {
  http::Request r;
  r.method = c.method;
  r.target = c.target;
  auto q = c.target.find('?');
  r.path = c.target.substr(0, q);
  if (q != std::string::npos) r.query = c.target.substr(q + 1);
  if (!c.headers.has("Host")) r.headers.add("Host", c.host + ":" + std::to_string(c.port));
  for (const auto& [k, v] : c.headers.all()) r.headers.add(k, v);
  r.body = c.body;
  r.remote_address = std::move(remote);
  return r;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "npufleet-auth-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text, mode_t mode) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::trunc) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::string path_;
};

}  // namespace npufleet::auth::testing
