#include "support/PostgresInstance.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace npufleet::testing {
namespace {

namespace fs = std::filesystem;

// A port nobody listens on right now: bind port 0, read what the kernel chose, let it go. Another
// process could take it before the server does; start() then tries another.
uint16_t freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string runuserPath() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "runuser";
}

}  // namespace

std::unique_ptr<PostgresInstance> PostgresInstance::start(const Options& options, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<PostgresInstance> {
    if (error) *error = why;
    return nullptr;
  };
  std::string bin = options.bin_dir;
  if (bin.empty()) {
    const char* env = std::getenv("NPUFLEET_PG_BIN");
    bin = env && *env ? env : "/usr/lib/postgresql/15/bin";
  }
  for (const char* program : {"initdb", "pg_ctl", "postgres", "psql"}) {
    if (::access((bin + "/" + program).c_str(), X_OK) != 0) {
      return fail("PostgreSQL 15 is not installed: " + bin + "/" + program +
                  " is missing. Run scripts/install-deps.sh (as root), which installs the Debian "
                  "packages postgresql and libpq-dev.");
    }
  }

  std::unique_ptr<PostgresInstance> pg(new PostgresInstance());
  pg->bin_dir_ = bin;
  pg->password_ = options.password;
  pg->settings_ = options.settings;
  pg->as_root_ = ::geteuid() == 0;
  std::string tmpl = (fs::temp_directory_path() / "npufleet-pg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return fail("mkdtemp failed");
  pg->dir_ = tmpl;
  fs::create_directories(pg->dir_ + "/socket");
  {
    std::ofstream pw(pg->dir_ + "/pwfile");
    pw << pg->password_ << "\n";
  }
  if (pg->as_root_) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) {
      return fail("running as root, and there is no 'postgres' user to run PostgreSQL as. Run "
                  "scripts/install-deps.sh (the postgresql package creates it).");
    }
    for (const std::string& p : {pg->dir_, pg->dir_ + "/socket", pg->dir_ + "/pwfile"}) {
      if (::chown(p.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
        return fail("cannot hand " + p + " to the postgres user");
      }
    }
  }
  if (pg->runAsServerUser({bin + "/initdb", "-D", pg->dir_ + "/data", "-U", pg->user_, "-E", "UTF8",
                           "--locale=C", "--no-sync", "--auth-local=trust",
                           "--auth-host=scram-sha-256", "--pwfile=" + pg->dir_ + "/pwfile"}) != 0) {
    return fail("initdb failed:\n" + pg->commandLog());
  }
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    pg->port_ = freeLoopbackPort();
    if (pg->startServer(&why)) return pg;
  }
  return fail(why);
}

PostgresInstance::~PostgresInstance() {
  std::string ignored;
  if (running_) stopServer(&ignored);
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PostgresInstance::url(const std::string& database, const std::string& schema) const {
  std::string u = "postgresql://" + user_ + "@" + host_ + ":" + std::to_string(port_) + "/" + database;
  if (!schema.empty()) u += "?options=-csearch_path%3D" + schema;
  return u;
}

bool PostgresInstance::startServer(std::string* error) {
  // Throw-away data: no fsync, no full-page writes (an operating-system crash may lose it, a
  // server crash may not). synchronous_commit stays on: with it off, stopServer's immediate stop
  // would lose commits the client saw acknowledged, which the tests of an outage must not see.
  // `-k` puts the unix socket in our directory.
  std::string server_options = "-c listen_addresses=" + host_ + " -p " + std::to_string(port_) +
                               " -k " + dir_ + "/socket -c fsync=off -c full_page_writes=off";
  for (const auto& s : settings_) server_options += " -c " + s;
  if (runAsServerUser({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w",
                       "-t", "30", "-o", server_options, "start"}) != 0) {
    if (error) *error = "pg_ctl start on port " + std::to_string(port_) + " failed:\n" + commandLog() +
                        "\nserver log:\n" + serverLog();
    return false;
  }
  running_ = true;
  return true;
}

bool PostgresInstance::stopServer(std::string* error) {
  if (runAsServerUser({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}) !=
      0) {
    if (error) *error = "pg_ctl stop failed:\n" + commandLog();
    return false;
  }
  running_ = false;
  return true;
}

bool PostgresInstance::runSql(const std::string& sql, std::string* error, const std::string& database) {
  if (runAsSelf({bin_dir_ + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir_ + "/socket", "-p",
                 std::to_string(port_), "-U", user_, "-d", database, "-c", sql}) != 0) {
    if (error) *error = "psql failed on: " + sql + "\n" + commandLog();
    return false;
  }
  return true;
}

bool PostgresInstance::createDatabase(const std::string& name, std::string* error) {
  return runSql("CREATE DATABASE \"" + name + "\"", error);
}

bool PostgresInstance::createSchema(const std::string& name, std::string* error,
                                    const std::string& database) {
  return runSql("CREATE SCHEMA \"" + name + "\"", error, database);
}

std::string PostgresInstance::serverLog() const { return readFile(dir_ + "/server.log"); }
std::string PostgresInstance::commandLog() const { return readFile(dir_ + "/commands.log"); }

int PostgresInstance::runAsServerUser(const std::vector<std::string>& argv) {
  if (!as_root_) return runAsSelf(argv);
  std::vector<std::string> wrapped = {runuserPath(), "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return runAsSelf(wrapped);
}

int PostgresInstance::runAsSelf(const std::vector<std::string>& argv) {
  const std::string log = dir_ + "/commands.log";
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // Our working directory may be closed to the postgres user, and initdb needs to read its own.
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace npufleet::testing
