-- wrk script: POST /api/token with a correct username and password, the users taken in turn from a file of
-- usernames (one per line), all with the password given. Its cost is the password hash (argon2id).
--
--   wrk -t2 -c4 -d10s --latency -s password_login.lua http://127.0.0.1:PORT -- usernames.txt PASSWORD
--
-- done() prints: RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B non2xx=K socket_errors=E

local requests = {}
local next_index = 1
local threads_made = 0
function setup(thread)
  thread:set("thread_index", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
  for name in file:lines() do
    if name ~= "" then
      requests[#requests + 1] = wrk.format("POST", "/api/token", { ["Content-Type"] = "application/json" },
        '{"username":"' .. name .. '","password":"' .. args[2] .. '"}')
    end
  end
  file:close()
  assert(#requests > 0, "no usernames in " .. args[1])
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
