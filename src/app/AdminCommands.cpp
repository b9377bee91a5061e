// Admin commands that talk to a running control plane over its API (DESIGN.md 4.5):
//   npufleet nodes list|add|show|update|rm
//   npufleet npu list|status|summary|detect|load|unload|history
//   npufleet lb show|set|stats
//   npufleet token create|list|revoke
// They share --server URL and --token-file FILE (defaults: $NPUFLEET_SERVER or
// http://127.0.0.1:8080, and $NPUFLEET_TOKEN_FILE or ./npufleet-data/admin.token; a token in
// $NPUFLEET_TOKEN wins over the file). An https:// server is verified against --ca-file FILE
// ($NPUFLEET_CA_FILE), or the system's trust store.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "app/Commands.h"
#include "http/Client.h"

namespace npufleet::app {
namespace {

namespace bj = boost::json;

struct ApiFlags {
  std::string server;
  std::string token_file;
  std::string ca_file;
  bool json = false;
};

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void addApiFlags(CLI::App& cmd, ApiFlags& flags) {
  cmd.add_option("--server", flags.server, "Control plane URL (default $NPUFLEET_SERVER or http://127.0.0.1:8080)");
  cmd.add_option("--token-file", flags.token_file,
                 "File holding an API token (default $NPUFLEET_TOKEN_FILE or ./npufleet-data/admin.token)");
  cmd.add_option("--ca-file", flags.ca_file,
                 "PEM CA certificates to verify an https:// server with (default $NPUFLEET_CA_FILE, "
                 "else the system's trust store)");
}

// One API call; on failure prints why (the server's error message and offending field, or the
// transport failure) and returns nullopt.
class ApiCaller {
 public:
  explicit ApiCaller(const ApiFlags& flags) : flags_(flags) {}

  std::optional<http::ClientResponse> call(const std::string& method, const std::string& target,
                                           const std::optional<bj::value>& body = std::nullopt) {
    std::string base = flags_.server.empty() ? envOr("NPUFLEET_SERVER", "http://127.0.0.1:8080") : flags_.server;
    http::ClientRequest r;
    if (!http::parseBaseUrl(base, r)) {
      std::cerr << "npufleet: --server must look like http://HOST:PORT or https://HOST[:PORT], got '"
                << base << "'\n";
      return std::nullopt;
    }
    r.tls_ca_file = flags_.ca_file.empty() ? envOr("NPUFLEET_CA_FILE", "") : flags_.ca_file;
    auto token = loadToken();
    if (!token) return std::nullopt;
    r.method = method;
    r.target = target;
    r.headers.set("Authorization", "Bearer " + *token);
    if (body) {
      r.body = bj::serialize(*body);
      r.headers.set("Content-Type", "application/json");
    }
    r.total_timeout = std::chrono::seconds(30);
    auto result = http::sendBlocking(std::move(r));
    if (!result.ok()) {
      std::cerr << "npufleet: " << base << ": " << result.message << "\n";
      return std::nullopt;
    }
    if (result.response.status >= 400) {
      printApiError(result.response);
      return std::nullopt;
    }
    return std::move(result.response);
  }

 private:
  std::optional<std::string> loadToken() const {
    if (const char* t = std::getenv("NPUFLEET_TOKEN"); t && *t && flags_.token_file.empty()) {
      return std::string(t);
    }
    std::string path = flags_.token_file.empty()
                           ? envOr("NPUFLEET_TOKEN_FILE", "npufleet-data/admin.token")
                           : flags_.token_file;
    std::ifstream in(path);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      std::cerr << "npufleet: cannot read an API token from " << path
                << " (use --token-file FILE or set NPUFLEET_TOKEN)\n";
      return std::nullopt;
    }
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    return token;
  }

  static void printApiError(const http::ClientResponse& res) {
    boost::system::error_code ec;
    auto v = bj::parse(res.body, ec);
    const bj::object* err = nullptr;
    if (!ec && v.is_object()) {
      if (auto* e = v.as_object().if_contains("error"); e && e->is_object()) err = &e->as_object();
    }
    if (!err) {
      std::cerr << "npufleet: HTTP " << res.status << ": " << res.body.substr(0, 300) << "\n";
      return;
    }
    std::cerr << "npufleet: " << res.status << " ";
    if (auto* m = err->if_contains("message"); m && m->is_string()) std::cerr << m->as_string().c_str();
    if (auto* d = err->if_contains("details"); d && d->is_array()) {
      for (const auto& item : d->as_array()) {
        if (!item.is_object()) continue;
        if (auto* f = item.as_object().if_contains("field"); f && f->is_string()) {
          std::cerr << " [field: " << f->as_string().c_str() << "]";
        }
      }
    }
    std::cerr << "\n";
  }

  const ApiFlags& flags_;
};

std::string str(const bj::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  return bj::serialize(v);
}

std::string field(const bj::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v ? str(*v) : "-";
}

void printPretty(const bj::value& v, std::ostream& out, int indent = 0) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) {
      out << "{}";
      return;
    }
    out << "{\n";
    size_t i = 0;
    for (const auto& kv : o) {
      out << pad << "  " << bj::serialize(bj::string(kv.key())) << ": ";
      printPretty(kv.value(), out, indent + 2);
      out << (++i < o.size() ? ",\n" : "\n");
    }
    out << pad << "}";
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) {
      out << "[]";
      return;
    }
    out << "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      out << pad << "  ";
      printPretty(a[i], out, indent + 2);
      out << (i + 1 < a.size() ? ",\n" : "\n");
    }
    out << pad << "]";
  } else {
    out << bj::serialize(v);
  }
}

int printBody(const http::ClientResponse& res) {
  boost::system::error_code ec;
  auto v = bj::parse(res.body, ec);
  if (ec) {
    std::cout << res.body << "\n";
  } else {
    printPretty(v, std::cout);
    std::cout << "\n";
  }
  return 0;
}

// Runs one call and prints the JSON answer (or "done" for 204); sets the exit code.
void callAndPrint(const ApiFlags& flags, int& exit_code, const std::string& method,
                  const std::string& target, const std::optional<bj::value>& body = std::nullopt) {
  ApiCaller api(flags);
  auto res = api.call(method, target, body);
  if (!res) {
    exit_code = 1;
    return;
  }
  exit_code = res->body.empty() ? (std::cout << "done\n", 0) : printBody(*res);
}

// For a listing: runs a GET and returns the answer for the caller to print as a table, or
// nullopt when there is nothing left to print (the call failed, exit code 1, or --json asked for
// the API's own JSON, printed here).
std::optional<bj::value> fetchForTable(const ApiFlags& flags, int& exit_code,
                                       const std::string& target) {
  ApiCaller api(flags);
  auto res = api.call("GET", target);
  if (!res) {
    exit_code = 1;
    return std::nullopt;
  }
  if (flags.json) {
    exit_code = printBody(*res);
    return std::nullopt;
  }
  exit_code = 0;
  return bj::parse(res->body);
}

// Percent-encodes a path segment or query value.
std::string encode(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out << c;
    } else {
      out << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0') << int(c)
          << std::dec;
    }
  }
  return out.str();
}

// "k=v" pairs into a JSON object; nullopt (after a message) on a malformed pair.
std::optional<bj::object> parseLabels(const std::vector<std::string>& pairs) {
  bj::object labels;
  for (const auto& p : pairs) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "npufleet: --label must be KEY=VALUE, got '" << p << "'\n";
      return std::nullopt;
    }
    labels[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return labels;
}

struct NodeFlags {
  ApiFlags api;
  std::string id, name, ip, role, status, query;
  int port = 0;
  std::vector<std::string> roles, labels;
  int page = 1, per_page = 100;
};

void addNodesCommands(CLI::App& app, int& exit_code) {
  auto* nodes = app.add_subcommand("nodes", "List and manage fleet nodes through the API");
  nodes->require_subcommand(1);
  auto f = std::make_shared<NodeFlags>();

  auto* list = nodes->add_subcommand("list", "List nodes (table; --json for the raw answer)");
  addApiFlags(*list, f->api);
  list->add_option("--role", f->role, "Only nodes with this role");
  list->add_option("--status", f->status, "Only nodes in this status");
  list->add_option("-q,--query", f->query, "Name contains");
  list->add_option("--page", f->page, "Page (from 1)");
  list->add_option("--per-page", f->per_page, "Nodes per page");
  list->add_flag("--json", f->api.json, "Print the API's JSON");
  list->callback([f, &exit_code] {
    std::string target = "/api/fleet/nodes?page=" + std::to_string(f->page) +
                         "&per_page=" + std::to_string(f->per_page);
    if (!f->role.empty()) target += "&role=" + encode(f->role);
    if (!f->status.empty()) target += "&status=" + encode(f->status);
    if (!f->query.empty()) target += "&q=" + encode(f->query);
    auto answer = fetchForTable(f->api, exit_code, target);
    if (!answer) return;
    const bj::value& v = *answer;
    std::cout << std::left << std::setw(18) << "ID" << std::setw(20) << "NAME" << std::setw(22)
              << "ADDRESS" << std::setw(12) << "STATUS" << "ROLES\n";
    for (const auto& n : v.at("nodes").as_array()) {
      const auto& o = n.as_object();
      std::string roles;
      for (const auto& r : o.at("roles").as_array()) roles += (roles.empty() ? "" : ",") + str(r);
      std::cout << std::setw(18) << field(o, "id") << std::setw(20) << field(o, "name")
                << std::setw(22) << field(o, "ip") + ":" + field(o, "npuPort") << std::setw(12)
                << field(o, "status") << roles << "\n";
    }
    std::cout << v.at("total").as_int64() << " node(s)\n";
  });

  auto* add = nodes->add_subcommand("add", "Register a node");
  addApiFlags(*add, f->api);
  add->add_option("--name", f->name, "Unique node name")->required();
  add->add_option("--ip", f->ip, "IPv4/IPv6 address or host name")->required();
  add->add_option("--port", f->port, "Worker port (default 8081)");
  add->add_option("--role", f->roles, "Role to give it (repeatable), e.g. npu-worker");
  add->add_option("--label", f->labels, "KEY=VALUE label (repeatable)");
  add->callback([f, &exit_code] {
    bj::object body{{"name", f->name}, {"ip", f->ip}};
    if (f->port) body["npuPort"] = f->port;
    if (!f->roles.empty()) body["roles"] = bj::value_from(f->roles);
    auto labels = parseLabels(f->labels);
    if (!labels) {
      exit_code = 2;
      return;
    }
    if (!labels->empty()) body["labels"] = std::move(*labels);
    callAndPrint(f->api, exit_code, "POST", "/api/fleet/nodes", bj::value(body));
  });

  auto* show = nodes->add_subcommand("show", "Show one node (with its NPU status when it has one)");
  addApiFlags(*show, f->api);
  show->add_option("id", f->id, "Node id")->required();
  show->callback([f, &exit_code] {
    callAndPrint(f->api, exit_code, "GET", "/api/fleet/nodes/" + encode(f->id));
  });

  auto* update = nodes->add_subcommand("update", "Change a node's name, address, port or labels");
  addApiFlags(*update, f->api);
  update->add_option("id", f->id, "Node id")->required();
  update->add_option("--name", f->name, "New name");
  update->add_option("--ip", f->ip, "New address");
  update->add_option("--port", f->port, "New worker port");
  update->add_option("--label", f->labels, "KEY=VALUE label (repeatable; replaces all labels)");
  update->callback([f, &exit_code] {
    bj::object body;
    if (!f->name.empty()) body["name"] = f->name;
    if (!f->ip.empty()) body["ip"] = f->ip;
    if (f->port) body["npuPort"] = f->port;
    auto labels = parseLabels(f->labels);
    if (!labels) {
      exit_code = 2;
      return;
    }
    if (!f->labels.empty()) body["labels"] = std::move(*labels);
    if (body.empty()) {
      std::cerr << "npufleet: nothing to update (give --name, --ip, --port or --label)\n";
      exit_code = 2;
      return;
    }
    callAndPrint(f->api, exit_code, "PATCH", "/api/fleet/nodes/" + encode(f->id), bj::value(body));
  });

  auto* rm = nodes->add_subcommand("rm", "Remove a node from the registry");
  addApiFlags(*rm, f->api);
  rm->add_option("id", f->id, "Node id")->required();
  rm->callback([f, &exit_code] {
    ApiCaller api(f->api);
    auto res = api.call("DELETE", "/api/fleet/nodes/" + encode(f->id));
    if (res) std::cout << "removed " << f->id << "\n";
    exit_code = res ? 0 : 1;
  });
}

struct TokenFlags {
  ApiFlags api;
  std::string name, role;
};

void addTokenCommands(CLI::App& app, int& exit_code) {
  auto* token = app.add_subcommand("token", "Create, list and revoke API tokens (admin)");
  token->require_subcommand(1);
  auto f = std::make_shared<TokenFlags>();

  auto* create = token->add_subcommand("create", "Issue a token; prints it alone on the last line");
  addApiFlags(*create, f->api);
  create->add_option("--name", f->name, "Unique token name")->required();
  create->add_option("--role", f->role, "admin, operator, viewer or inference")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "viewer", "inference"}));
  create->callback([f, &exit_code] {
    ApiCaller api(f->api);
    auto res = api.call("POST", "/api/tokens", bj::value{{"name", f->name}, {"role", f->role}});
    if (!res) {
      exit_code = 1;
      return;
    }
    auto v = bj::parse(res->body);
    std::cout << "token '" << f->name << "' (" << f->role << ") created; it is shown only once:\n"
              << v.at("token").as_string().c_str() << "\n";
  });

  auto* list = token->add_subcommand("list", "List tokens (names, roles, last use; never secrets)");
  addApiFlags(*list, f->api);
  list->add_flag("--json", f->api.json, "Print the API's JSON");
  list->callback([f, &exit_code] {
    auto answer = fetchForTable(f->api, exit_code, "/api/tokens");
    if (!answer) return;
    const bj::value& v = *answer;
    std::cout << std::left << std::setw(24) << "NAME" << std::setw(11) << "ROLE" << std::setw(26)
              << "CREATED" << "LAST USED\n";
    for (const auto& t : v.at("tokens").as_array()) {
      const auto& o = t.as_object();
      std::cout << std::setw(24) << field(o, "name") << std::setw(11) << field(o, "role")
                << std::setw(26) << field(o, "createdAt") << field(o, "lastUsedAt") << "\n";
    }
  });

  auto* revoke = token->add_subcommand("revoke", "Revoke a token by name");
  addApiFlags(*revoke, f->api);
  revoke->add_option("name", f->name, "Token name")->required();
  revoke->callback([f, &exit_code] {
    ApiCaller api(f->api);
    auto res = api.call("DELETE", "/api/tokens/" + encode(f->name));
    if (res) std::cout << "revoked " << f->name << "\n";
    exit_code = res ? 0 : 1;
  });
}

std::string num(const bj::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return "-";
  if (v->is_double()) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << v->as_double();
    return s.str();
  }
  return str(*v);
}

struct NpuFlags {
  ApiFlags api;
  std::string id, model, range;
  bool all = false;
};

void addNpuCommands(CLI::App& app, int& exit_code) {
  auto* npu = app.add_subcommand("npu", "NPU workers: status, detection, models");
  npu->require_subcommand(1);
  auto f = std::make_shared<NpuFlags>();

  auto* list = npu->add_subcommand("list", "Every npu-worker node with its detected capabilities");
  addApiFlags(*list, f->api);
  list->add_flag("--json", f->api.json, "Print the API's JSON");
  list->callback([f, &exit_code] {
    auto answer = fetchForTable(f->api, exit_code, "/api/npu/nodes");
    if (!answer) return;
    const bj::value& v = *answer;
    std::cout << std::left << std::setw(18) << "ID" << std::setw(18) << "NAME" << std::setw(10)
              << "STATUS" << std::setw(11) << "DETECTION" << std::setw(12) << "DEVICE"
              << std::setw(8) << "MODELS" << std::setw(8) << "UTIL%" << "QUEUE\n";
    for (const auto& item : v.at("nodes").as_array()) {
      const auto& node = item.at("node").as_object();
      const auto& st = item.at("npu").as_object();
      std::string device = "-", models = "-", util = "-";
      if (auto* c = st.if_contains("capabilities"); c && c->is_object()) {
        device = field(c->as_object(), "deviceType");
        models = std::to_string(c->at("models").as_array().size());
        util = num(c->as_object(), "utilization");
      }
      std::cout << std::setw(18) << field(node, "id") << std::setw(18) << field(node, "name")
                << std::setw(10) << field(st, "status") << std::setw(11)
                << field(st, "detectionStatus") << std::setw(12) << device << std::setw(8)
                << models << std::setw(8) << util << num(st, "queueDepth") << "\n";
    }
  });

  auto* status = npu->add_subcommand("status", "One node's NPU status (seed shape and metrics)");
  addApiFlags(*status, f->api);
  status->add_option("id", f->id, "Node id")->required();
  status->callback([f, &exit_code] {
    callAndPrint(f->api, exit_code, "GET", "/api/nodes/" + encode(f->id) + "/npu/status");
  });

  auto* summary = npu->add_subcommand("summary", "Fleet totals: nodes, models, utilization");
  addApiFlags(*summary, f->api);
  summary->callback([f, &exit_code] { callAndPrint(f->api, exit_code, "GET", "/api/npu/summary"); });

  auto* detect = npu->add_subcommand("detect", "Run capability detection on a node, or --all");
  addApiFlags(*detect, f->api);
  detect->add_option("id", f->id, "Node id");
  detect->add_flag("--all", f->all, "Every npu-worker node");
  detect->callback([f, &exit_code] {
    if (f->all == !f->id.empty()) {
      std::cerr << "npufleet: give a node id or --all\n";
      exit_code = 2;
      return;
    }
    if (f->all) {
      callAndPrint(f->api, exit_code, "POST", "/api/npu/detect", bj::value(bj::object{}));
    } else {
      callAndPrint(f->api, exit_code, "POST", "/api/nodes/" + encode(f->id) + "/npu/detect");
    }
  });

  for (const char* verb : {"load", "unload"}) {
    auto* cmd = npu->add_subcommand(verb, std::string(verb == std::string("load") ? "Load" : "Unload") +
                                              " a model on a worker");
    addApiFlags(*cmd, f->api);
    cmd->add_option("id", f->id, "Node id")->required();
    cmd->add_option("model", f->model, "Model name")->required();
    cmd->callback([f, &exit_code, v = std::string(verb)] {
      callAndPrint(f->api, exit_code, "POST",
                   "/api/nodes/" + encode(f->id) + "/npu/models/" + encode(f->model) + "/" + v);
    });
  }

  auto* history = npu->add_subcommand("history", "Utilization history of a node");
  addApiFlags(*history, f->api);
  history->add_option("id", f->id, "Node id")->required();
  history->add_option("--window", f->range, "1h, 24h or 7d")->default_val("1h");
  history->callback([f, &exit_code] {
    callAndPrint(f->api, exit_code, "GET",
                 "/api/nodes/" + encode(f->id) + "/npu/history?window=" + encode(f->range));
  });
}

struct LbFlags {
  ApiFlags api;
  std::string strategy, fallback;
  std::vector<std::string> affinity;
  int max_retries = -1;
};

void addLbCommands(CLI::App& app, int& exit_code) {
  auto* lb = app.add_subcommand("lb", "Load balancing: the setting in force, changes, routing stats");
  lb->require_subcommand(1);
  auto f = std::make_shared<LbFlags>();

  auto* show = lb->add_subcommand("show", "The load-balancing setting in force");
  addApiFlags(*show, f->api);
  show->callback([f, &exit_code] { callAndPrint(f->api, exit_code, "GET", "/api/npu/load-balancing"); });

  auto* set = lb->add_subcommand("set", "Change the setting; options left out keep their values");
  addApiFlags(*set, f->api);
  set->add_option("--strategy", f->strategy, "round-robin, least-loaded or model-affinity");
  set->add_option("--fallback", f->fallback, "least-loaded or none");
  set->add_option("--max-retries", f->max_retries, "Retries on another worker (0-10)");
  set->add_option("--affinity", f->affinity,
                  "MODEL=NODE_ID[,NODE_ID...] (repeatable; replaces the whole model-affinity map)");
  set->callback([f, &exit_code] {
    bj::object body;
    if (!f->strategy.empty()) body["strategy"] = f->strategy;
    if (!f->fallback.empty()) body["fallback"] = f->fallback;
    if (f->max_retries != -1) body["maxRetries"] = f->max_retries;
    if (!f->affinity.empty()) {
      bj::object map;
      for (const auto& a : f->affinity) {
        auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == a.size()) {
          std::cerr << "npufleet: --affinity must be MODEL=NODE_ID[,NODE_ID...], got '" << a << "'\n";
          exit_code = 2;
          return;
        }
        bj::array nodes;
        std::istringstream ids(a.substr(eq + 1));
        for (std::string id; std::getline(ids, id, ',');) {
          if (!id.empty()) nodes.push_back(bj::string(id));
        }
        map[a.substr(0, eq)] = std::move(nodes);
      }
      body["modelAffinity"] = std::move(map);
    }
    if (body.empty()) {
      std::cerr << "npufleet: nothing to change (give --strategy, --fallback, --max-retries or --affinity)\n";
      exit_code = 2;
      return;
    }
    callAndPrint(f->api, exit_code, "POST", "/api/npu/load-balancing", bj::value(body));
  });

  auto* stats = lb->add_subcommand("stats", "Per-node routing counts, latencies, ejections, decisions");
  addApiFlags(*stats, f->api);
  stats->callback([f, &exit_code] { callAndPrint(f->api, exit_code, "GET", "/api/npu/routing/stats"); });
}

}  // namespace

void addAdminCommands(CLI::App& app, int& exit_code) {
  addNodesCommands(app, exit_code);
  addNpuCommands(app, exit_code);
  addLbCommands(app, exit_code);
  addTokenCommands(app, exit_code);
}

}  // namespace npufleet::app
