-- wrk script: GET one path with a bearer token, the tokens taken in turn from a file (one per line), so that the
-- load is spread over many users. Used by run.sh for GET /api/me and GET /api/totp/status.
--
--   wrk -t2 -c32 -d10s --latency -s bearer_get.lua http://127.0.0.1:PORT -- /api/me tokens.txt
--
-- done() prints one line that run.sh collects:
--   RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B non2xx=K socket_errors=E

local path
local requests = {}
local next_index = 1

-- setup() runs in the main Lua state, once per thread, before that thread's init().
local threads_made = 0
function setup(thread)
  thread:set("thread_index", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  path = args[1]
  local file = assert(io.open(args[2], "r"), "cannot read " .. tostring(args[2]))
  for token in file:lines() do
    if token ~= "" then
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  file:close()
  assert(#requests > 0, "no tokens in " .. args[2])
  -- Each thread starts at its own place in the list.
  next_index = (thread_index * 7919) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end

