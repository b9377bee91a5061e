#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (docs/fuzzing.md).

Seeds are realistic inputs: the requests the web UI and the CLI send, the answers of every
worker dialect of DESIGN.md 4.4, the configuration files operators write, the sample models and
ONNX test tensors. Each starts with the mode byte its harness reads first. Re-running the script
rewrites the same files; auth_signature_verifier's seeds are kept as they are.

  python3 fuzz/support/make_seeds.py
"""
import base64
import json
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
ONNX_NODE_TESTS = "/usr/share/libonnx-testdata/data/node"


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def js(v):
    return json.dumps(v, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# http_request: mode byte (bit 0 = run the bearer middleware, bits 1-3 = read size, bit 7 =
# worker response) + raw bytes. "@admin-token", "@viewer-token", "@node" are substituted.

def request(method, target, body=None, token="@admin-token", extra=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:8080", "User-Agent: npufleet-cli"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += list(extra)
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


def http_seeds():
    t = "http_request"
    auth = 0x01
    node = {"name": "npu-node-7", "ip": "10.0.0.7", "npuPort": 8081, "roles": ["npu-worker"],
            "labels": {"rack": "r1"}}
    seeds = {
        "healthz": (0x00, request("GET", "/healthz", token=None)),
        "list_nodes_query": (auth, request(
            "GET", "/api/fleet/nodes?role=npu-worker&status=online&q=npu%20node&page=1&per_page=10")),
        "create_node": (auth, request("POST", "/api/fleet/nodes", js(node))),
        "patch_node": (auth | 0x06, request("PATCH", "/api/fleet/nodes/@node",
                                            js({"labels": {"zone": "b"}, "status": "maintenance"}))),
        "npu_status": (auth, request("GET", "/api/nodes/@node/npu/status")),
        "npu_history": (auth | 0x02, request("GET", "/api/nodes/@node/npu/history?window=24h")),
        "npu_summary_viewer": (auth, request("GET", "/api/npu/summary", token="@viewer-token")),
        "lb_viewer_forbidden": (auth, request("POST", "/api/npu/load-balancing",
                                              js({"strategy": "round-robin"}),
                                              token="@viewer-token")),
        "lb_set": (auth, request("POST", "/api/npu/load-balancing",
                                 js({"strategy": "model-affinity",
                                     "modelAffinity": {"resnet50": ["@node"]}}))),
        "inference": (auth | 0x08, request("POST", "/api/npu/inference",
                                           js({"model": "resnet50", "inputs": {
                                               "x": {"shape": [1, 2], "data": [0.5, 1.5]}}}))),
        "remove_role": (auth, request("DELETE", "/api/fleet/nodes/@node/roles/npu-worker")),
        "drain": (auth, request("POST", "/api/fleet/nodes/@node/drain")),
        "tokens_list": (auth, request("GET", "/api/tokens")),
        "audit_paged": (auth, request("GET", "/api/audit?page=2&per_page=5")),
        "events_query_token": (auth, request("GET", "/api/events?access_token=@viewer-token",
                                             token=None)),
        "bad_token": (auth, request("GET", "/api/fleet/nodes", token="npf_" + "0" * 48)),
        "no_token": (auth, request("GET", "/api/fleet/nodes", token=None)),
        "unknown_route": (0x00, request("GET", "/api/nope/%2e%2e/x")),
        "method_not_allowed": (0x00, request("PUT", "/api/fleet/nodes", "{}")),
        "percent_param": (0x00, request("GET", "/api/nodes/%6e%6f%64%65/npu/status")),
        "bad_percent": (0x00, request("GET", "/api/fleet/nodes/%zz")),
        "head": (0x00, request("HEAD", "/healthz", token=None)),
    }
    chunked_body = js({"name": "ci-viewer", "role": "viewer"})
    seeds["chunked_token"] = (auth | 0x04, (
        "POST /api/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer @admin-token\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        f"{len(chunked_body[:10]):x}\r\n{chunked_body[:10]}\r\n"
        f"{len(chunked_body[10:]):x}\r\n{chunked_body[10:]}\r\n0\r\n\r\n"))
    seeds["pipelined"] = (auth, request("GET", "/api/me") + request("GET", "/api/npu/nodes") +
                          request("POST", "/api/npu/detect", js({"nodeIds": ["@node"]})))
    seeds["keepalive_close"] = (auth, request("GET", "/readyz", token=None,
                                              extra=["Connection: close"]) +
                                request("GET", "/healthz", token=None))
    seeds["smuggle_cl_te"] = (0x00, (
        "POST /api/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/tokens HTTP/1.1\r\nHost: x\r\n\r\n"))
    seeds["smuggle_two_cl"] = (0x00, (
        "POST /api/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}"))
    seeds["oversized_header"] = (0x00, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                 "a" * 17000 + "\r\n\r\n")
    seeds["over_body_limit"] = (auth, "POST /api/tokens HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Length: 70000\r\n\r\n{}")
    seeds["http10"] = (0x00, "GET /healthz HTTP/1.0\r\n\r\n")
    seeds["obs_fold"] = (0x00, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n")
    health = js({"status": "healthy", "max_concurrent": 4, "memory_gb": 16, "utilization": 3})
    seeds["worker_response"] = (0x80, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                f"Content-Length: {len(health)}\r\n\r\n{health}")
    seeds["worker_response_chunked"] = (0x82, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                        f"\r\n{len(health):x}\r\n{health}\r\n0\r\n\r\n")
    seeds["worker_response_401"] = (0x80, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 47\r\n\r\n"
                                    '{"detail":"bad signature","authenticated":false}')
    seeds["worker_response_eof_body"] = (0x80, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{}")
    for name, (mode, text) in seeds.items():
        write(t, name, bytes([mode]) + text.encode())
    # The same bytes sent to a real http::Server over loopback (bit 6).
    for name in ("create_node", "pipelined", "chunked_token", "events_query_token", "head",
                 "smuggle_cl_te", "smuggle_two_cl", "oversized_header", "keepalive_close",
                 "over_body_limit", "obs_fold", "http10", "lb_viewer_forbidden"):
        mode, text = seeds[name]
        write(t, name + "_live", bytes([mode | 0x40]) + text.encode())


# ---------------------------------------------------------------------------------------------
# api_json: endpoint byte, worker status byte, body.
ENDPOINTS = ["nodes_create", "nodes_patch", "tokens_create", "load_balancing", "inference",
             "detect", "probe"]


def api_seeds():
    t = "api_json"
    bodies = {
        "nodes_create": [
            {"name": "npu-node-7", "ip": "10.0.0.7", "npuPort": 8081, "roles": ["npu-worker"],
             "labels": {"rack": "r1", "zone": "a"}, "status": "pending"},
            {"name": "gpu-1", "ip": "fd00::12", "roles": []},
            {"name": "", "ip": "300.1.1.1"},
        ],
        "nodes_patch": [
            {"roles": ["npu-worker", "gpu-worker"], "npuPort": 9000},
            {"status": "maintenance", "labels": None},
            {"name": "renamed", "ip": "10.0.0.99", "labels": {"a": 1}},
        ],
        "tokens_create": [
            {"name": "ci-viewer", "role": "viewer"},
            {"name": "router-client", "role": "inference"},
            {"name": "x", "role": "root"},
        ],
        "load_balancing": [
            {"strategy": "round-robin", "modelAffinity": {}},
            {"strategy": "model-affinity", "modelAffinity": {"resnet50": ["@node"], "bert": []},
             "fallback": "none", "maxRetries": 3, "queueTimeoutMs": 2000, "queueLimit": 100,
             "requestTimeoutMs": 15000,
             "ejection": {"enabled": True, "consecutiveFailures": 3, "baseEjectionMs": 1000,
                          "maxEjectionMs": 60000, "maxEjectionPercent": 30}},
            {"strategy": "least-loaded", "ejection": {"enabled": False}},
        ],
        "inference": [
            {"model": "resnet50", "inputs": {"x": {"shape": [1, 2], "data": [1, 2]}}},
            {"model_id": "resnet50", "input_text": "hello"},
            {"model": "unknown-model"},
        ],
        "detect": [{"nodeIds": ["@node"]}, {}, {"nodeIds": ["missing", 5]}],
        "probe": [{"ip": "10.0.0.11", "npuPort": 8081}, {"ip": "10.0.0.11"},
                  {"ip": "not-an-ip", "npuPort": 70000}],
    }
    for endpoint, items in bodies.items():
        idx = ENDPOINTS.index(endpoint)
        for i, body in enumerate(items):
            for status_idx in ([0, 4] if endpoint == "inference" else [0]):
                text = js(body)
                write(t, f"{endpoint}_{i}_{status_idx}", bytes([idx, status_idx]) + text.encode())
    write(t, "empty_body_detect", bytes([ENDPOINTS.index("detect"), 0]))
    write(t, "not_json_tokens", bytes([ENDPOINTS.index("tokens_create"), 0]) + b"{name:")


# ---------------------------------------------------------------------------------------------
# npu_worker_dialect: statuses byte (2 bits each: 200, 404, 401, 503 for health, models, stats)
# then health \0 models \0 stats.

def dialect_seeds():
    t = "npu_worker_dialect"
    ours_health = {"status": "healthy", "max_concurrent": 4, "memory_gb": 15.6, "utilization": 37.5,
                   "device_type": "intel-npu", "device_name": "Intel(R) AI Boost",
                   "queue_depth": 2, "running": 1, "loaded_models": ["resnet50", "bert-base"]}
    ours_models = {"available": ["resnet50", "bert-base", "yolo"], "loaded": ["resnet50", "bert-base"]}
    ours_stats = {"inference_time_ms": {"p50": 3.2, "p95": 9.8}, "throughput_per_min": 420,
                  "running": 1, "queued": 2, "max_concurrent": 4,
                  "memory": {"process_rss_bytes": 734003200, "models": {"resnet50": 102760448}}}
    seed_health = {"max_concurrent": 8, "memory_gb": 32, "utilization": 0}
    seed_models = {"available": ["llama-3-8b", "phi-3-mini"]}
    container_health = {"status": "healthy", "npu_available": True, "loaded_models": 2,
                        "optimal_device": "NPU"}
    container_models = {"npu_available": True, "optimal_device": "GPU.1",
                        "loaded_models": {"whisper-small": {"device": "NPU", "inference_count": 12,
                                                            "loaded_at": "2026-01-01T00:00:00"}},
                        "available_devices": ["CPU", "GPU.1", "NPU"]}
    windows_health = {"status": "healthy", "worker_id": "win-01", "platform": "Windows-11",
                      "npu_available": True, "loaded_models": ["phi-3-mini"],
                      "stats": {"average_response_time_ms": 41.5, "npu_utilization_percent": 63,
                                "queue_depth": 1},
                      "npu_metrics": {"utilization_percent": 64.5, "memory_usage_mb": 2048}}
    windows_stats = {"average_response_time_ms": 41.5, "requests_per_minute": 88}
    linux_health = {"status": "degraded", "service": "npu-worker",
                    "capabilities": {"device": "NPU", "available": True, "models_dir": "/srv/models",
                                     "models_loaded": ["mobilenet"],
                                     "available_devices": ["CPU", "NPU"],
                                     "device_name": "Intel Core Ultra NPU"}}
    wrong_types = {"max_concurrent": "four", "memory_gb": -1, "utilization": 250,
                   "loaded_models": [1, {"id": "m"}, {"x": 1}], "device_type": 7,
                   "capabilities": [], "stats": "x", "npu_available": "yes"}
    huge = {"max_concurrent": 1e300, "memory_gb": 1e300, "queue_depth": 1e20,
            "running": -5, "utilization": 1e-320}
    huge_stats = {"inference_time_ms": {"p50": 1e300, "p95": -1},
                  "memory": {"process_rss_bytes": 1e300, "models": {"a": 1e30, "b": -1}},
                  "running": 1e300}

    def status(h, m, s):
        codes = [200, 404, 401, 503]
        return codes.index(h) | codes.index(m) << 2 | codes.index(s) << 4

    cases = {
        "npufleet": (status(200, 200, 200), ours_health, ours_models, ours_stats),
        "seed": (status(200, 200, 404), seed_health, seed_models, None),
        "container": (status(200, 200, 404), container_health, container_models, None),
        "windows": (status(200, 404, 200), windows_health, None, windows_stats),
        "linux_minimal": (status(200, 404, 404), linux_health, None, None),
        "wrong_types": (status(200, 200, 200), wrong_types, {"models": [{"name": "a", "loaded": True}, 3]},
                        {"latency_ms": {"p50": "1"}}),
        "huge_numbers": (status(200, 200, 200), huge, ["bare", "list"], huge_stats),
        "unauthorized": (status(401, 404, 401), {"detail": "Invalid signature", "authenticated": False},
                         None, None),
        "unavailable": (status(503, 503, 503), {"error": {"message": "warming up"}}, None, None),
    }
    for name, (st, h, m, s) in cases.items():
        parts = [js(x) if x is not None else "" for x in (h, m, s)]
        write(t, name, bytes([st]) + "\0".join(parts).encode())
    write(t, "not_json", bytes([0]) + b"<html>502 Bad Gateway</html>\0{\0[1,")


# ---------------------------------------------------------------------------------------------
# config_toml: bit 0 of byte 0 = worker schema; TOML, then NUL-separated --set values.

def config_seeds():
    t = "config_toml"
    server = """# /etc/npufleet/server.toml
[server]
listen = "0.0.0.0:8080"
data_dir = "/var/lib/npufleet"
threads = 4
shutdown_grace_ms = 15000

[log]
level = "warn"

[auth]
service_id = "main-backend"
min_version = 2
window_s = 300
exempt_paths = ["/livez", "/metrics"]

[npu]
detect_timeout_ms = 3000
monitor_interval_ms = 1000
monitor_concurrency = 256
offline_after = 3

[router]
queue_limit = 512
max_retries = 1
max_body_bytes = 33554432
"""
    worker = """[worker]
listen = "0.0.0.0:8081"
models_dir = "/srv/models"
device = "auto"
max_concurrent = 4
memory_gb = 15.5
queue_limit = 32
auto_load = true
preload = ["resnet50", "bert-base"]

[auth]
trusted_keys = ["main-backend:0123456789abcdef0123456789abcdef"]
accepted_hosts = ["10.0.0.7:8081"]
min_version = 1
"""
    write(t, "server", b"\x00" + server.encode())
    write(t, "worker", b"\x01" + worker.encode())
    write(t, "server_with_sets", b"\x00" + server.encode() + b"\0server.threads=8\0log.level=debug"
          b"\0router.max_retries=2")
    write(t, "worker_with_sets", b"\x01" + worker.encode() + b"\0worker.memory_gb=7.25"
          b"\0worker.preload=a,b,,c\0worker.auto_load=no")
    write(t, "unknown_key", b"\x00[server]\nlisten = \"127.0.0.1:1\"\nbogus = 1\n")
    write(t, "bad_types", b"\x01[worker]\nmax_concurrent = \"4\"\nmemory_gb = true\n")
    write(t, "inline_tables", b"\x00server = { listen = \"127.0.0.1:9\" }\nlog.level = \"info\"\n")
    write(t, "special_floats", b"\x01[worker]\nmemory_gb = 1e3\n")
    write(t, "dates_and_strings", b"\x00[server]\ndata_dir = '''multi\nline'''\n"
          b"web_dir = \"\\u00e9t\\u00e9\"\n[log]\nlevel = 1979-05-27T07:32:00Z\n")
    write(t, "empty", b"\x00")


# ---------------------------------------------------------------------------------------------
# worker_inference: byte 0 = 0 /inference, 1 /models/load, 2 parse + validate only.

def floats_b64(values):
    return base64.b64encode(struct.pack("<%df" % len(values), *values)).decode()


def inference_seeds():
    t = "worker_inference"
    mlp = {"model": "embedding-mlp",
           "inputs": {"input": {"shape": [1, 64], "data": [i / 64 for i in range(64)]}}}
    mlp_b64 = {"model_id": "embedding-mlp", "output_encoding": "b64", "timeout_ms": 5000,
               "inputs": {"input": {"shape": [1, 64], "b64": floats_b64([0.25] * 64),
                                    "dtype": "float32"}}}
    cnn = {"model": "cnn-classifier",
           "inputs": {"image": {"shape": [1, 1, 28, 28], "b64": floats_b64([0.5] * 784)}}}
    wrong_shape = {"model": "embedding-mlp", "inputs": {"input": {"shape": [64], "data": [0] * 64}}}
    wrong_count = {"model": "embedding-mlp", "inputs": {"input": {"shape": [1, 64], "data": [1, 2]}}}
    unknown_input = {"model": "cnn-classifier", "inputs": {"x": {"shape": [1], "data": [1]}}}
    odd_b64 = {"model": "embedding-mlp", "inputs": {"input": {"shape": [1, 1], "b64": "AAAA="}}}
    for i, body in enumerate([mlp, mlp_b64, cnn, wrong_shape, wrong_count, unknown_input, odd_b64]):
        write(t, f"inference_{i}", b"\x00" + js(body).encode())
        write(t, f"parse_{i}", b"\x02" + js(body).encode())
    write(t, "unknown_model", b"\x00" + js({"model": "nope", "inputs": {"a": {"shape": [], "data": [1]}}}).encode())
    write(t, "reference_dialect", b"\x00" + js({"model_id": "embedding-mlp", "input_text": "hi"}).encode())
    write(t, "load_reference", b"\x01" + js({"model_id": "embedding-mlp",
                                             "model_config": {"device": "NPU"}}).encode())
    write(t, "load_unknown", b"\x01" + js({"model_id": "../../etc/passwd"}).encode())
    write(t, "load_missing", b"\x01{}")


# ---------------------------------------------------------------------------------------------
# worker_kserve_v2: byte 0 = 0 infer on embedding-mlp, 1 infer on cnn-classifier, 2 parse +
# validate only, 3 a model name for the metadata and ready routes.

def kserve_v2_seeds():
    t = "worker_kserve_v2"

    def v2(name, shape, data, datatype="FP32", **extra):
        return dict({"inputs": [{"name": name, "datatype": datatype, "shape": shape,
                                 "data": data}]}, **extra)

    mlp = v2("input", [1, 64], [i / 64 for i in range(64)], id="req-1")
    mlp_nested = v2("input", [1, 64], [[0.25] * 64], outputs=[{"name": "embedding"}],
                    parameters={"sequence_id": 7})
    cnn = v2("image", [1, 1, 28, 28], [[[[0.5] * 28] * 28]])
    seeds = {
        "infer_mlp": (0, mlp), "infer_mlp_nested": (0, mlp_nested), "infer_cnn": (1, cnn),
        "int64_input": (0, v2("input", [1, 64], [1] * 64, datatype="INT64")),
        "count_mismatch": (0, v2("input", [1, 64], [1, 2])),
        "unknown_output": (0, dict(mlp, outputs=[{"name": "logits"}])),
        "duplicate_input": (0, {"inputs": mlp["inputs"] * 2}),
        "ragged": (2, v2("x", [2, 2], [[1, 2], [3]])),
        "parse_mlp": (2, mlp_nested), "parse_cnn": (2, cnn),
        "binary_ext": (2, v2("x", [1], [1], parameters={"binary_data_output": True})),
    }
    for name, (mode, body) in seeds.items():
        write(t, name, bytes([mode]) + js(body).encode())
    write(t, "not_json", b"\x00{\"inputs\":[")
    for name in ("embedding-mlp", "nope", "../etc"):
        write(t, "meta_" + name.replace("/", "_").replace(".", "_"), b"\x03" + name.encode())


# ---------------------------------------------------------------------------------------------
# worker_openai_request: byte 0 = 0 chat, 1 completion, 2 embeddings, 3 all three parsers.

def openai_request_seeds():
    t = "worker_openai_request"
    chat = {"model": "tiny-chat", "messages": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Name three primes."},
        {"role": "assistant", "content": "2, 3, 5."},
        {"role": "user", "content": "Three more?"}], "temperature": 0.7, "max_tokens": 64}
    seeds = {
        "chat_conversation": (0, chat),
        "chat_content_parts": (0, {"model": "tiny-chat", "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Answer in French. "},
                                              {"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": [{"type": "text", "text": "Bonjour \u00e9t\u00e9 \u2603"}]}]}),
        "chat_image_part": (0, {"model": "tiny-chat", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}),
        "chat_stream_usage": (0, dict(chat, stream=True, stream_options={"include_usage": True},
                                      stop=["\n\n", "User:"], seed=42, top_p=0.9, n=1,
                                      max_completion_tokens=128, user="bench")),
        "chat_stop_string": (0, {"model": "tiny-chat", "stop": "###", "messages": [
            {"role": "user", "content": "Count to ten."},
            {"role": "assistant", "content": None, "tool_calls": []}]}),
        "chat_n_two": (0, dict(chat, n=2)),
        "chat_five_stops": (0, dict(chat, stop=["a", "b", "c", "d", "e"])),
        "chat_bad_role": (0, {"model": "tiny-chat", "messages": [{"role": "tool", "content": "{}"}]}),
        "chat_bad_temperature": (0, dict(chat, temperature=2.5, top_p=0)),
        "chat_empty_messages": (0, {"model": "tiny-chat", "messages": []}),
        "completion": (1, {"model": "tiny-chat", "prompt": "Once upon a time", "max_tokens": 128,
                           "temperature": 0, "stream": False, "seed": -1}),
        "completion_list_stream": (1, {"model": "tiny-chat", "prompt": ["The quick brown fox"],
                                       "stream": True, "stop": None, "stream_options": None}),
        "completion_token_ids": (1, {"model": "tiny-chat", "prompt": [[1, 2, 3]]}),
        "completion_big_max_tokens": (1, {"model": "tiny-chat", "prompt": "x",
                                          "max_tokens": 4294967297}),
        "embedding_string": (2, {"model": "tiny-embed", "input": "The food was delicious."}),
        "embedding_list": (2, {"model": "tiny-embed", "input": ["first", "second", "third \u00fc"],
                               "encoding_format": "float"}),
        "embedding_base64": (2, {"model": "tiny-embed", "input": ["what OpenAI's Python client sends"],
                                 "encoding_format": "base64"}),
        "embedding_dimensions": (2, {"model": "tiny-embed", "input": "x", "dimensions": 32}),
        "embedding_token_ids": (2, {"model": "tiny-embed", "input": [[101, 2023, 102]]}),
        "embedding_empty_item": (2, {"model": "tiny-embed", "input": ["a", ""]}),
        "all_bad_model": (3, {"model": "../tiny", "prompt": "p", "input": "i",
                              "messages": [{"role": "user", "content": "m"}]}),
        "all_every_field": (3, {"model": "m", "prompt": "p", "input": ["i"],
                                "messages": [{"role": "user", "content": "m"}], "max_tokens": 1}),
    }
    for name, (mode, body) in seeds.items():
        write(t, name, bytes([mode]) + js(body).encode())
    write(t, "not_json", b"\x00{\"model\":\"tiny-chat\",\"messages\":[")
    write(t, "duplicate_key", b"\x01{\"model\":\"a\",\"prompt\":\"x\",\"prompt\":\"y\"}")
    write(t, "not_object", b"\x02[\"tiny-embed\"]")
    write(t, "invalid_utf8", b"\x03{\"model\":\"m\",\"prompt\":\"\xff\xfe\",\"input\":\"\xc3\"}")


# ---------------------------------------------------------------------------------------------
# worker_onnx_model: byte 0 = 0 ModelProto, 1 TensorProto, 2 ModelProto + OpenCV import.

ONNX_CASES = ["test_abs", "test_add_bcast", "test_conv_with_strides_padding", "test_gemm_default_matrix_bias",
              "test_relu", "test_softmax_axis_1", "test_maxpool_2d_default", "test_flatten_axis1",
              "test_reshape_reduced_dims", "test_matmul_2d", "test_sigmoid", "test_concat_2d_axis_0",
              "test_transpose_default", "test_averagepool_2d_pads", "test_batchnorm_example"]


def onnx_seeds():
    t = "worker_onnx_model"
    samples = os.path.join(ROOT, "models", "samples")
    for name in ("embedding-mlp", "cnn-classifier"):
        with open(os.path.join(samples, name + ".onnx"), "rb") as f:
            data = f.read()
        write(t, f"sample_{name}", b"\x00" + data)
        write(t, f"sample_{name}_opencv", b"\x02" + data)
    if not os.path.isdir(ONNX_NODE_TESTS):
        print(f"note: {ONNX_NODE_TESTS} missing (libonnx-testdata); ONNX node seeds skipped",
              file=sys.stderr)
        return
    for case in ONNX_CASES:
        d = os.path.join(ONNX_NODE_TESTS, case)
        if not os.path.isdir(d):
            continue
        with open(os.path.join(d, "model.onnx"), "rb") as f:
            write(t, f"{case}_model", b"\x02" + f.read())
        data_dir = os.path.join(d, "test_data_set_0")
        for pb in sorted(os.listdir(data_dir)):
            with open(os.path.join(data_dir, pb), "rb") as f:
                write(t, f"{case}_{pb[:-3]}", b"\x01" + f.read())


def main():
    for target in ("http_request", "api_json", "npu_worker_dialect", "config_toml",
                   "worker_inference", "worker_kserve_v2", "worker_openai_request",
                   "worker_onnx_model"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    http_seeds()
    api_seeds()
    dialect_seeds()
    config_seeds()
    inference_seeds()
    kserve_v2_seeds()
    openai_request_seeds()
    onnx_seeds()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
