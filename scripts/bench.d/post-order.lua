-- wrk script: POST /orders of one unit, with a bearer token from the
-- environment, spread over the listings BENCH-1 .. BENCH-$BENCH_SKUS (one
-- hot listing when BENCH_SKUS=1).
dofile("scripts/bench.d/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

local skus = tonumber(os.getenv("BENCH_SKUS") or "40")
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"items":[{"sku":"BENCH-%d","quantity":1}]}', n % skus + 1)
  return wrk.format(nil, nil, nil, body)
end
