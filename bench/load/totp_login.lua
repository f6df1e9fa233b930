-- wrk script: POST /api/totp/login, each request with its own fresh valid (user, code) pair, read from a file of
-- "USER_INDEX ACCESS_TOKEN CODE" lines (bench.py codes). A code is accepted once only, so the list is never replayed:
-- a thread sends its share of the pairs (the lines whose user index modulo the thread count is its own) once; then
-- its connections wait a second before each cheap filler (GET /actuator/health, not counted as a login) until its
-- last login is answered, and the thread stops.
--
--   wrk -t2 -c32 -d8s --latency -s totp_login.lua http://127.0.0.1:PORT -- login_pairs.txt 2
--                                                         (the pairs file, then the number of wrk threads)
--
-- done() prints one line that run.sh collects. rps counts the 200s only, over the time from the first login sent to
-- the last one answered (wrk's own duration is -d, even when the threads stop early):
--   RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B non2xx=K socket_errors=E ok=... refused=... ...

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

-- Main Lua state: setup() runs there once per thread (before that thread's init), done() at the end.
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

-- Thread Lua states. Globals are what done() reads with thread:get().
local requests = {}
local filler
local calls, sent, answered = 0, 0, 0
ok, refused, throttled, other, fillers, total = 0, 0, 0, 0, 0, 0
first_sent, last_answered = nil, nil

function init(args)
  local nthreads = tonumber(args[2])
  local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
  for line in file:lines() do
    local user, token, code = line:match("^(%d+) (%S+) (%d+)$")
    if user and tonumber(user) % nthreads == thread_index then
      requests[#requests + 1] = wrk.format("POST", "/api/totp/login",
        { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
        '{"token":"' .. code .. '"}')
    end
  end
  file:close()
  total = #requests
  filler = wrk.format("GET", "/actuator/health")
end

function request()
  calls = calls + 1
  -- wrk calls request() once before the run to check the request (in thread 0): give it a filler, so that no pair
  -- is spent on a request that is never sent.
  if calls == 1 or sent >= total then
    fillers = fillers + 1
    return filler
  end
  sent = sent + 1
  if first_sent == nil then first_sent = now() end
  return requests[sent]
end

-- Milliseconds to wait before the next request of a connection: none while there are pairs to send.
function delay()
  return sent >= total and 1000 or 0
end

function response(status, headers, body)
  if status == 200 and body:find('"UP"', 1, true) then
    return -- a filler
  end
  answered = answered + 1
  if status == 200 then
    ok = ok + 1
  elseif status == 400 then
    refused = refused + 1
  elseif status == 429 then
    throttled = throttled + 1
  else
    other = other + 1
  end
  if answered == total then
    last_answered = now()
    wrk.thread:stop()
  end
end

function done(summary, latency, _)
  local n = { ok = 0, refused = 0, throttled = 0, other = 0, fillers = 0, total = 0 }
  local start, finish, unfinished = nil, nil, false
  for _, t in ipairs(threads) do
    for key, _ in pairs(n) do n[key] = n[key] + t:get(key) end
    local s, f = t:get("first_sent"), t:get("last_answered")
    if s and (start == nil or s < start) then start = s end
    if f == nil then
      unfinished = true -- ran until wrk's -d: its end is that
    elseif finish == nil or f > finish then
      finish = f
    end
  end
  local seconds = summary.duration / 1e6
  if start and finish and not unfinished then seconds = finish - start end
  local logins = n.ok + n.refused + n.throttled + n.other
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d "
      .. "ok=%d refused=%d throttled=%d other=%d unanswered=%d fillers=%d all_rps=%.0f\n",
    logins, seconds, n.ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status,
    e.connect + e.read + e.write + e.timeout, n.ok, n.refused, n.throttled, n.other, n.total - logins,
    n.fillers, logins / seconds))
end
