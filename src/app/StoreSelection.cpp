#include "app/StoreSelection.h"

#include "store/PostgresDatabase.h"

namespace npufleet::app {

void addStoreConfigKeys(ConfigSchema& schema) {
  schema.add({"store", "url", ConfigType::kString, std::string(""),
              "postgresql://USER@HOST:PORT/DB to keep state in PostgreSQL; empty = SQLite in "
              "server.data_dir",
              false, [](const ConfigValue& v) -> std::string {
                const auto& url = std::get<std::string>(v);
                if (url.empty()) return {};
                if (!store::isPostgresUrl(url)) {
                  return "takes a postgresql://USER@HOST:PORT/DB URL (got " + store::maskPostgresUrl(url) +
                         "); leave it empty for SQLite in server.data_dir";
                }
                if (store::maskPostgresUrl(url) != url) {
                  return "must not contain the password (" + store::maskPostgresUrl(url) +
                         "): put it in the file named by store.password_file";
                }
                return {};
              }});
  schema.add({"store", "password_file", ConfigType::kString, std::string(""),
              "file holding the PostgreSQL password (first line); empty = none or ~/.pgpass", false, {}});
}

Status checkStoreSelection(const Config& config) {
  const std::string& url = config.getString("store.url");
  if (url.empty()) {
    if (!config.getString("store.password_file").empty()) {
      return Error::badRequest("store.password_file is set but store.url is not: the password is for "
                               "a PostgreSQL store (--database postgresql://...)",
                               "store.password_file");
    }
    return okStatus();
  }
  return Error::unavailable(
      "--database " + store::maskPostgresUrl(url) +
      ": the PostgreSQL store is not complete yet. Nodes, tokens and the audit log have a PostgreSQL "
      "implementation; NPU state, utilization history and load-balancing settings do not, and a "
      "server keeping those in a local SQLite file would not be safe to run as a replica (issue 16). "
      "Leave out --database ([store] url, NPUFLEET_STORE_URL) to use SQLite in the data dir.");
}

}  // namespace npufleet::app
