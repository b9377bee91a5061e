#!/usr/bin/env python3
"""Soak test (`make soak`, not in CI): a control plane and three workers under mixed API and
inference traffic for SOAK_SECONDS (default 600), one worker restarted (SIGTERM, then started
again on the same port after SOAK_DOWN_SECONDS, default 2) every SOAK_RESTART_EVERY seconds
(default 30), workers 1 and 2 in
rotation; worker 0 runs throughout, so that its memory can be followed over the whole run.

Records every client-visible error (anything but the expected status, or no answer), latency
percentiles per kind of request, and the resident memory (VmRSS) of each process every
SOAK_RSS_EVERY seconds (default 10). Writes results.json and results.md to SOAK_OUT (default
build/soak) and exits 1 when a client saw an error.

Usage: scripts/soak.py NPUFLEET_BINARY. Python standard library only. The load is paced
(SOAK_INFERENCE_RPS, SOAK_API_RPS) rather than flat out: a soak looks for leaks and errors over
time, not for the highest throughput (that is `make bench`).
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_int(name, default):
    return int(os.environ.get(name, default))


SECONDS = env_int("SOAK_SECONDS", 600)
RESTART_EVERY = env_int("SOAK_RESTART_EVERY", 30)
DOWN_SECONDS = env_int("SOAK_DOWN_SECONDS", 2)
RSS_EVERY = env_int("SOAK_RSS_EVERY", 10)
INFERENCE_RPS = env_int("SOAK_INFERENCE_RPS", 60)
API_RPS = env_int("SOAK_API_RPS", 40)
INFERENCE_THREADS = 4
API_THREADS = 2
OUT = os.environ.get("SOAK_OUT", os.path.join(ROOT, "build", "soak"))


class Process:
    """A child npufleet process whose stdout announces 'listening on HOST:PORT'."""

    def __init__(self, name, args, env, log_dir):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = os.path.join(log_dir, name + ".log")
        self.proc = None
        self.port = None

    def start(self, timeout=60):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=log,
                                     env={**os.environ, **self.env})
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                raise RuntimeError(f"{self.name} exited before it was ready; see {self.log_path}")
            m = re.search(r"listening on ([0-9.]+):(\d+)", line)
            if m:
                self.port = int(m.group(2))
                # Keep draining stdout so the child never blocks on a full pipe.
                threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
                return
        raise RuntimeError(f"{self.name} not ready in {timeout} s")

    @staticmethod
    def _drain(proc):
        for _ in proc.stdout:
            pass

    def stop(self, grace=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Api:
    """One keep-alive connection; reconnects after any failure."""

    def __init__(self, port, token, timeout=30):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            payload = r.read()
            return r.status, payload, dict(r.getheaders())
        except (OSError, http.client.HTTPException) as e:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, str(e).encode(), {}


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}   # kind -> [seconds]
        self.counts = {}      # kind -> requests
        self.errors = []      # (t, kind, status, body excerpt)
        self.by_node = {}

    def record(self, t, kind, took, ok, status, body, node=None):
        with self.lock:
            self.latencies.setdefault(kind, []).append(took)
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if not ok:
                self.errors.append((round(t, 1), kind, status, body[:200].decode(errors="replace")))
            if node:
                self.by_node[node] = self.by_node.get(node, 0) + 1


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def paced(rate, stop, fn):
    """Calls fn() about `rate` times a second until stop is set (no catching up after a stall)."""
    period = 1.0 / rate if rate > 0 else 1.0
    nxt = time.monotonic()
    while not stop.is_set():
        fn()
        nxt += period
        delay = nxt - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            nxt = time.monotonic()


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="npufleet-soak-")
    logs = os.path.join(OUT, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    procs = []
    try:
        return run(binary, work, logs, procs)
    finally:
        for p in procs:
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(binary, work, logs, procs):
    data = os.path.join(work, "data")
    server = Process("server", [binary, "server", "--listen", "127.0.0.1:0", "--data-dir", data,
                                "--web-dir", os.path.join(work, "web")],
                     {"NPUFLEET_LOG_LEVEL": "warn"}, logs)
    server.start()
    procs.append(server)
    token = open(os.path.join(data, "admin.token")).read().strip()
    keys = os.path.join(work, "keys")
    os.makedirs(keys)
    shutil.copyfile(os.path.join(data, "service.key"), os.path.join(keys, "main-backend.key"))
    os.chmod(os.path.join(keys, "main-backend.key"), 0o600)
    models = os.path.join(work, "models")
    os.makedirs(models)
    for ext in (".onnx", ".json"):
        shutil.copyfile(os.path.join(ROOT, "models", "samples", "embedding-mlp" + ext),
                        os.path.join(models, "embedding-mlp" + ext))

    def worker(i, port=0):
        return Process(f"worker{i}", [binary, "worker", "--listen", f"127.0.0.1:{port}",
                                      "--models-dir", models, "--trusted-keys", keys,
                                      "--device", "cpu", "--log-level", "warn"],
                       {"NPUFLEET_WORKER_PRELOAD": "embedding-mlp",
                        "NPUFLEET_WORKER_AUTO_LOAD": "true"}, logs)

    workers = []
    for i in range(3):
        w = worker(i)
        w.start()
        procs.append(w)
        workers.append(w)

    api = Api(server.port, token)
    worker_ids = []
    for i, w in enumerate(workers):
        st, body, _ = api.call("POST", "/api/fleet/nodes", {
            "name": f"soak-worker-{i}", "ip": "127.0.0.1", "npuPort": w.port, "roles": ["npu-worker"]})
        assert st == 201, body
        worker_ids.append(json.loads(body)["id"])
    plain_ids = []
    for i in range(20):
        st, body, _ = api.call("POST", "/api/fleet/nodes", {
            "name": f"soak-node-{i}", "ip": f"10.77.0.{i + 1}", "roles": ["backend"]})
        assert st == 201, body
        plain_ids.append(json.loads(body)["id"])
    deadline = time.time() + 60
    while time.time() < deadline:
        states = [json.loads(api.call("GET", f"/api/nodes/{n}/npu/status")[1]).get("status")
                  for n in worker_ids]
        if all(s == "online" for s in states):
            break
        time.sleep(0.2)
    else:
        raise RuntimeError(f"workers not online: {states}")

    rec = Recorder()
    stop = threading.Event()
    t0 = time.monotonic()
    vector = [round((i % 13) / 13.0, 4) for i in range(64)]

    def inference_loop():
        c = Api(server.port, token)

        def one():
            start = time.monotonic()
            st, body, headers = c.call("POST", "/api/npu/inference", {
                "model": "embedding-mlp", "inputs": {"input": {"shape": [1, 64], "data": vector}}})
            rec.record(start - t0, "inference", time.monotonic() - start, st == 200, st, body,
                       headers.get("X-Npufleet-Node"))
        paced(INFERENCE_RPS / INFERENCE_THREADS, stop, one)

    def api_loop(seed):
        c = Api(server.port, token)
        n = [seed]

        def one():
            n[0] += 1
            k = n[0] % 6
            node = plain_ids[n[0] % len(plain_ids)]
            start = time.monotonic()
            if k == 0:
                kind, st, body, _ = ("list",) + c.call("GET", "/api/fleet/nodes?per_page=50")
            elif k == 1:
                kind, st, body, _ = ("get",) + c.call("GET", f"/api/fleet/nodes/{node}")
            elif k == 2:
                kind, st, body, _ = ("patch",) + c.call(
                    "PATCH", f"/api/fleet/nodes/{node}", {"labels": {"soak": str(n[0])}})
            elif k == 3:
                wid = worker_ids[n[0] % len(worker_ids)]
                kind, st, body, _ = ("npu-status",) + c.call("GET", f"/api/nodes/{wid}/npu/status")
            elif k == 4:
                kind, st, body, _ = ("summary",) + c.call("GET", "/api/npu/summary")
            else:
                kind, st, body, _ = ("routing-stats",) + c.call("GET", "/api/npu/routing/stats")
            rec.record(start - t0, kind, time.monotonic() - start, st == 200, st, body)
        paced(API_RPS / API_THREADS, stop, one)

    rss_rows = []

    def sample_rss():
        row = {"t": round(time.monotonic() - t0), "server": rss_kib(server.pid)}
        for i, w in enumerate(workers):
            row[f"worker{i}"] = rss_kib(w.pid)
        rss_rows.append(row)

    threads = [threading.Thread(target=inference_loop) for _ in range(INFERENCE_THREADS)]
    threads += [threading.Thread(target=api_loop, args=(s,)) for s in range(API_THREADS)]
    for t in threads:
        t.start()

    restarts = []
    next_rss = 0.0
    next_restart = RESTART_EVERY
    victim = 1
    while True:
        now = time.monotonic() - t0
        if now >= SECONDS:
            break
        if now >= next_rss:
            sample_rss()
            next_rss += RSS_EVERY
        if RESTART_EVERY > 0 and now >= next_restart:
            w = workers[victim]
            port = w.port
            began = time.monotonic()
            code = w.stop()
            procs.remove(w)
            time.sleep(DOWN_SECONDS)  # down long enough for requests to find it gone
            w2 = worker(victim, port)
            w2.start()
            procs.append(w2)
            workers[victim] = w2
            restarts.append({"t": round(now, 1), "worker": victim, "exit": code,
                             "down_s": round(time.monotonic() - began, 2)})
            victim = 2 if victim == 1 else 1
            next_restart += RESTART_EVERY
        time.sleep(0.1)
    sample_rss()
    stop.set()
    for t in threads:
        t.join()
    server_alive = server.proc.poll() is None
    # What the router did behind the clients' backs: failures it absorbed by retrying elsewhere.
    # A fresh connection: the setup one has been idle past the server's keep-alive timeout.
    st, body, _ = Api(server.port, token).call("GET", "/api/npu/routing/stats")
    routing = {}
    if st == 200:
        for n in json.loads(body)["nodes"]:
            routing[n["nodeId"]] = {k: n[k] for k in ("routed", "failures", "retries", "ejections")}

    kinds = sorted(rec.latencies)
    summary = {
        "seconds": SECONDS,
        "restart_every_s": RESTART_EVERY,
        "down_s": DOWN_SECONDS,
        "inference_rps_target": INFERENCE_RPS,
        "api_rps_target": API_RPS,
        "loadavg_end": os.getloadavg(),
        "cpus": os.cpu_count(),
        "requests": {k: rec.counts[k] for k in kinds},
        "errors": len(rec.errors),
        "error_samples": rec.errors[:20],
        "latency_ms": {k: {p: round(1000 * percentile(rec.latencies[k], q), 2)
                           for p, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))}
                       for k in kinds},
        "inference_by_node": rec.by_node,
        "worker_nodes": worker_ids,
        "routing": routing,
        "restarts": restarts,
        "rss_kib": rss_rows,
        "server_alive_at_end": server_alive,
    }
    api_all = [x for k in kinds if k != "inference" for x in rec.latencies[k]]
    summary["latency_ms"]["api (all)"] = {p: round(1000 * percentile(api_all, q), 2)
                                         for p, q in (("p50", 50), ("p95", 95), ("p99", 99),
                                                      ("max", 100))}
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(render(summary))
    print(render(summary))
    return 0 if not rec.errors and server_alive else 1


def render(s):
    out = [f"soak: {s['seconds']} s, a worker stopped every {s['restart_every_s']} s and started "
           f"again {s['down_s']} s later ({len(s['restarts'])} restarts), target {s['inference_rps_target']} inference/s + "
           f"{s['api_rps_target']} API/s; {s['cpus']} CPUs, load average at the end "
           f"{', '.join(f'{x:.2f}' for x in s['loadavg_end'])}", "",
           f"client-visible errors: {s['errors']}", "",
           "| request | count | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    for k, v in s["latency_ms"].items():
        count = s["requests"].get(k, sum(c for n, c in s["requests"].items() if n != "inference"))
        out.append(f"| {k} | {count} | {v['p50']} | {v['p95']} | {v['p99']} | {v['max']} |")
    out += ["", "| worker | node | answers | routed | failures | retries to it | ejections |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for i, n in enumerate(s["worker_nodes"]):
        r = s["routing"].get(n, {})
        out.append(f"| worker{i} | {n} | {s['inference_by_node'].get(n, 0)} | {r.get('routed', '-')} | "
                   f"{r.get('failures', '-')} | {r.get('retries', '-')} | {r.get('ejections', '-')} |")
    out += ["",
        "| t (s) | server RSS (MiB) | worker0 | worker1 | worker2 |", "|---:|---:|---:|---:|---:|"]

    def mib(v):
        return "-" if v is None else f"{v / 1024:.1f}"
    for r in s["rss_kib"]:
        out.append(f"| {r['t']} | {mib(r['server'])} | {mib(r['worker0'])} | {mib(r['worker1'])} | "
                   f"{mib(r['worker2'])} |")
    if s["error_samples"]:
        out += ["", "first errors:"] + [f"- t={e[0]} {e[1]} {e[2]} {e[3]}" for e in s["error_samples"]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
