// `npufleet keys`: creates and inspects the service keys that sign control-plane-to-worker
// requests (DESIGN.md 4.5). Keys go to files (mode 0600), never to the terminal unless asked
// for with --print.
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <filesystem>
#include <sys/stat.h>
#include <memory>
#include <string>

#include "app/Commands.h"
#include "auth/KeyFile.h"
#include "auth/Keyring.h"
#include "auth/SignatureFormat.h"

namespace npufleet::app {
namespace {

struct GenerateArgs {
  std::string service_id = "main-backend";
  std::string dir = ".";
  bool rotate = false;
  bool print = false;
};

int generate(const GenerateArgs& a) {
  if (!auth::isValidServiceId(a.service_id)) {
    std::cerr << "error: --service-id must match [A-Za-z0-9._-]{1,128}\n";
    return 2;
  }
  auto key = auth::generateKey();
  if (!key) {
    std::cerr << "error: " << key.error().message << "\n";
    return 1;
  }
  // A missing --dir is made, private to this user (0700), as a trusted-keys directory should be.
  std::error_code ec;
  if (!std::filesystem::is_directory(a.dir, ec)) {
    const mode_t old_mask = ::umask(077);
    std::filesystem::create_directories(a.dir, ec);
    ::umask(old_mask);
    if (ec) {
      std::cerr << "error: cannot create " << a.dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  const std::string path = a.dir + "/" + a.service_id + ".key";
  auto written = auth::writeKeyLine(path, key.value(), a.rotate);
  if (!written) {
    OPENSSL_cleanse(key->data(), key->size());
    std::cerr << "error: " << written.error().message << "\n";
    return 1;
  }
  std::cout << path << "\n";
  std::cerr << (a.rotate ? "added" : "wrote") << " key " << auth::keyIdFor(key.value())
            << " for service " << a.service_id << " (mode 0600)\n";
  if (a.print) std::cout << key.value() << "\n";
  OPENSSL_cleanse(key->data(), key->size());
  return 0;
}

int list(const std::string& dir) {
  auto ring = auth::Keyring::loadDirectory(dir);
  if (!ring) {
    std::cerr << "error: " << ring.error().message << "\n";
    return 1;
  }
  if (ring->keyCount() == 0) {
    std::cerr << "no <service-id>.key files in " << dir << "\n";
    return 1;
  }
  // Key ids only: enough to match a worker's keys against the control plane's.
  for (const auto& service : ring->serviceIds()) {
    for (const auto& k : ring->keysFor(service)) std::cout << service << " " << k.id << "\n";
  }
  return 0;
}

}  // namespace

void addKeysCommand(CLI::App& app, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "create and inspect service signing keys");
  keys->require_subcommand(1);

  auto gen = std::make_shared<GenerateArgs>();
  auto* g = keys->add_subcommand(
      "generate",
      "write a new random key (64 hex characters) to DIR/<service-id>.key, mode 0600");
  g->add_option("--service-id", gen->service_id, "service id the key belongs to")
      ->capture_default_str();
  g->add_option("--dir", gen->dir, "directory for the key file")->capture_default_str();
  g->add_flag("--rotate", gen->rotate,
              "append a new key to an existing file (old and new both trusted until the old "
              "line is removed)");
  g->add_flag("--print", gen->print, "also print the new key on stdout");
  g->callback([gen, &exit_code] { exit_code = generate(*gen); });

  auto dir = std::make_shared<std::string>(".");
  auto* l = keys->add_subcommand("list", "show the service ids and key ids of a key directory");
  l->add_option("--dir", *dir, "trusted keys directory")->capture_default_str();
  l->callback([dir, &exit_code] { exit_code = list(*dir); });
}

}  // namespace npufleet::app
