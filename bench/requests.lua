-- wrk script for `make bench`: every request is one line of a file, METHOD<TAB>PATH<TAB>BODY (BODY may be empty),
-- taken in turn from an offset (so that creates never repeat a person across runs). Headers come from -H.
-- At the end it prints one line, "WRKJSON {...}", that bench_http.py parses.
--   wrk -t1 -c50 -d3s -s bench/requests.lua http://127.0.0.1:PORT -- FILE OFFSET

local requests = {}
local index = 0
used = 0 -- global: read back by done() through thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  index = tonumber(args[2] or "0")
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    if body == "" then body = nil end
    table.insert(requests, wrk.format(method, path, nil, body))
  end
end

function request()
  local r = requests[(index % #requests) + 1]
  index = index + 1
  used = used + 1
  return r
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("used") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p99_us": %d, "used": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), total))
end
