-- wrk script: the control plane's inference body, as POST /api/npu/inference with the bearer
-- token in BENCH_TOKEN (the same request for npufleet server and the signing HAProxy).
wrk.method = "POST"
wrk.path = "/api/npu/inference"
wrk.body = '{"model":"bench","inputs":{"x":{"shape":[1],"data":[1.0]}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
