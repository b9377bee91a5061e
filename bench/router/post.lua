-- wrk script: the worker's inference body, as POST /inference.
wrk.method = "POST"
wrk.body = '{"model":"bench","inputs":{"x":{"shape":[1],"data":[1.0]}}}'
wrk.headers["Content-Type"] = "application/json"
