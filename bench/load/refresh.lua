-- wrk script: POST /api/token/refresh in chains. A refresh token is spent by its one refresh, which returns the next
-- one; each thread keeps a queue of live refresh tokens (its share of the lines of a file, one token per line),
-- sends the first, and puts the new token of each 200 at the back. With more tokens than connections, every
-- connection always has one to send; if the queue runs dry (refusals), a connection sends a cheap filler
-- (GET /actuator/health, not counted) after a pause.
--
--   wrk -t2 -c32 -d10s --latency -s refresh.lua http://127.0.0.1:PORT -- refresh_tokens.txt 2
--
-- done() prints one line that run.sh collects (rps counts the 200s):
--   RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B non2xx=K socket_errors=E ok=... other=... fillers=...

local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

local queue, head, tail = {}, 1, 0
local filler
local calls = 0
ok, other, fillers = 0, 0, 0

local function body(token)
  return wrk.format("POST", "/api/token/refresh", { ["Content-Type"] = "application/json" },
    '{"refresh":"' .. token .. '"}')
end

function init(args)
  local nthreads = tonumber(args[2])
  local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
  local line_number = 0
  for token in file:lines() do
    if token ~= "" then
      if line_number % nthreads == thread_index then
        tail = tail + 1
        queue[tail] = token
      end
      line_number = line_number + 1
    end
  end
  file:close()
  filler = wrk.format("GET", "/actuator/health")
end

function request()
  calls = calls + 1
  -- wrk calls request() once before the run to check it: give it a filler, so that no token is spent unsent.
  if calls == 1 or head > tail then
    fillers = fillers + 1
    return filler
  end
  local token = queue[head]
  queue[head] = nil
  head = head + 1
  return body(token)
end

function delay()
  return head > tail and 100 or 0
end

function response(status, headers, text)
  if status == 200 and text:find('"UP"', 1, true) then
    return -- a filler
  end
  local token = status == 200 and text:match('"refresh"%s*:%s*"([^"]+)"')
  if token then
    ok = ok + 1
    tail = tail + 1
    queue[tail] = token
  else
    other = other + 1
  end
end

function done(summary, latency, _)
  local n = { ok = 0, other = 0, fillers = 0 }
  for _, t in ipairs(threads) do
    for key, _ in pairs(n) do n[key] = n[key] + t:get(key) end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d "
      .. "ok=%d other=%d fillers=%d\n",
    n.ok + n.other, seconds, n.ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, n.ok, n.other, n.fillers))
end
