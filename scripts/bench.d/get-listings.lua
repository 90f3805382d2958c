-- wrk script: GET /listings (a page of 20) with a bearer token.
dofile("scripts/bench.d/report.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
