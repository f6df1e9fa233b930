#!/usr/bin/env bash
# Load benchmark of otpgate's REST API with wrk, on the embedded H2 database and on PostgreSQL, beside the floor (a
# bare Spring MVC application on the same stack). From the repository root, on a quiet machine:
#
#     bench/load/run.sh                 # both databases and the floor, about 9 minutes
#     DATABASES=h2 bench/load/run.sh    # one database (and the floor)
#
# For each database it starts its own server (./otpgate; for PostgreSQL a throw-away cluster from Debian's package,
# installed if missing, on 127.0.0.1 and a free port, started and stopped by ThrowawayPostgres of the postgres-test
# module, with PostgreSQL's own durability settings; free loopback port, access tokens of 30 min), enrols users
# through `./otpgate import-django`, measures, stops the server, and at the end prints one table of requests/s, p50
# and p99 latency and non-2xx responses for:
#
#   1. GET  /api/me             with OTP-verified access tokens (ME_USERS users, in turn)
#   2. GET  /api/totp/status    with password-only access tokens (the same users)
#   3. POST /api/totp/login     with valid codes, each (user, code) pair sent once (a code is accepted only once): one
#                               code of the current step for each of LOGIN_USERS users; the run stops when they are
#                               spent (or after LOGIN_DURATION s), and its rate counts the 200s only.
#   4. POST /api/token/refresh  in chains (each refresh token is spent once; its answer carries the next), ME_USERS
#                               chains over REFRESH_CONNECTIONS connections; the rate counts the 200s.
#   5. POST /api/token          username and password (the cost is the argon2id hash; its parameters are printed)
#   6. GET  /api/me open loop   at a fixed rate, half the capacity measured in 1 (OPEN_RATE sets another), for
#                               OPEN_DURATION s after OPEN_WARMUP s, over OPEN_CONNECTIONS keep-alive connections, by
#                               io.otpgate.bench.load.OpenLoop (bench module; wrk2 is not in Debian): the latency of
#                               each request counts from its scheduled send time (no coordinated omission); p50, p90,
#                               p99 and p99.9.
#   7. The floor                after the first database's server stopped: bench/floor (a Spring Boot application
#                               with Tomcat and Spring MVC answering GET /api/me with the same JSON, built and
#                               serialized on each request, without security or database), on the same JDK with the
#                               same JVM options as the server had (read from its /proc/PID/cmdline, less the launcher's
#                               start-up cache), measured as 1 (same warm-up, wrk threads, connections, durations and
#                               requests, tokens included) and 6 (at half its own capacity). FLOOR=0 leaves it out.
#
# 1 and 2 are measured at each connection count of CONNECTIONS, after a warm-up (the JIT needs tens of seconds of
# load before the server's cost per request settles), 3 and 4 after a warm-up run. The table also gives the server's
# CPU time per request, and the cores used by the server, by wrk and by everything else during each run: on a
# machine shared with other work, these tell a slow server from a starved one. Latencies are wrk's, which corrects
# for coordinated omission (a stalled request also counts for those it held back), so rare stalls show in p99. It
# also prints each server's start-up time (launch to health UP) and resident memory (VmRSS) after the load. Last, it
# prints one table of the figures that issue 14 section 5 asks for (otpgate's /api/me rate as a percentage of the
# floor's, the open-loop latencies, the login, refresh and password rates, CPU per password login, start-up, memory,
# and the machine's load average before and after), in Markdown, with the goals. Every step is bounded: under 4
# minutes a database and under 2 for the floor, plus the builds if the sources changed. It measures; it asserts
# nothing.
#
# Settings (environment): DATABASES ("h2 postgres"), THREADS (wrk threads, 2), CONNECTIONS (tried for 1 and 2,
# "16 32 64"), DURATION (s per run of 1, 2 and 4, 10), WARMUP (s of unmeasured /api/me load first, 30),
# LOGIN_CONNECTIONS (32), LOGIN_DURATION (at most s of 3, 15), LOGIN_USERS (9000), LOGIN_WARM_USERS (3000),
# ME_USERS (64), REFRESH_CONNECTIONS (16), TOKEN_CONNECTIONS (4), TOKEN_DURATION (10), OPEN_RATE (requests/s of 6;
# half the capacity if unset), OPEN_DURATION (15), OPEN_WARMUP (3), OPEN_CONNECTIONS (32), FLOOR (1), BENCH_KEEP=1
# keeps the work directory (server logs, wrk outputs, access logs).
#
# Tokens: each user's first POST /api/token costs the server an argon2id hash (about 26 ms of CPU), far too slow for
# thousands of users, so the server gets a known HS256 key (otpgate.token.secret) and the login users' password-only
# tokens are signed by bench.py from a real one (same claims, their own user_id and jti). The /api/me and status
# users, and a sample of the login users, log in for real. The latencies of 3 include the few health-check fillers
# that a wrk thread sends while its last logins are in flight (see totp_login.lua).
#
# Files: run.sh (this), bench.py (users, tokens, codes), bearer_get.lua (1 and 2), totp_login.lua (3), refresh.lua
# (4), password_login.lua (5), ../src/main/java/io/otpgate/bench/load/OpenLoop.java (6), ../floor (7).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/load"
cd "$root"

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-"16 32 64"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-30}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-32}
LOGIN_DURATION=${LOGIN_DURATION:-15}
LOGIN_USERS=${LOGIN_USERS:-9000}
LOGIN_WARM_USERS=${LOGIN_WARM_USERS:-3000}
LOGIN_WARM_DURATION=6
ME_USERS=${ME_USERS:-64}
REFRESH_CONNECTIONS=${REFRESH_CONNECTIONS:-16}
TOKEN_CONNECTIONS=${TOKEN_CONNECTIONS:-4}
TOKEN_DURATION=${TOKEN_DURATION:-10}
DATABASES=${DATABASES:-"h2 postgres"}
OPEN_RATE=${OPEN_RATE:-}
OPEN_DURATION=${OPEN_DURATION:-15}
OPEN_WARMUP=${OPEN_WARMUP:-3}
OPEN_CONNECTIONS=${OPEN_CONNECTIONS:-32}
FLOOR=${FLOOR:-1}
# The password hash of POST /api/token, as the server describes it (Passwords.parameters()).
hash_parameters=$(sed -n 's/.*return "\(argon2id[^"]*\)".*/\1/p' server/src/main/java/io/otpgate/server/user/Passwords.java)

started_at=$SECONDS
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }
log() { printf '[%3ds] %s\n' $((SECONDS - started_at)) "$*"; }
# Processes that used at least 20 % of a core over the last second (top's second sample), except the server.
busy_processes() {
  top -b -n2 -d1 | awk -v skip="${server_pid:-0}" '/^top -/ {f++}
    f == 2 && $1 ~ /^[0-9]+$/ && $1 != skip && $9 + 0 >= 20 {printf "%s(pid %s, %s%%) ", $12, $1, $9}'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== otpgate load benchmark: $(nproc) cores, load average $load_before, $(date -u +%FT%TZ)"
busy=$(busy_processes)
[ -z "$busy" ] || echo "   note: busy processes now (the figures share the CPU with them): $busy"

# --- wrk -------------------------------------------------------------------------------------------------------------
command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk) >/dev/null
command -v wrk >/dev/null || { echo "wrk is missing and could not be installed" >&2; exit 1; }

# --- work directory, servers, clean-up -------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/otpgate-load.XXXXXX")
server_pid=""
pg_root=""
# The throw-away PostgreSQL cluster's command line (start DIR, stop DIR, available), built below if needed.
pg_jar="$root/postgres-test/target/otpgate-postgres-test.jar"
pg_java=java
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then pg_java="$JAVA_HOME/bin/java"; fi
pg_tool() { "$pg_java" -cp "$pg_jar" io.otpgate.postgres.ThrowawayPostgres "$@"; }
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -- "-$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  if [ -n "$pg_root" ]; then
    if [ "${BENCH_KEEP:-}" = 1 ] && [ -d "$work/postgres" ]; then
      cp "$pg_root/server.log" "$work/postgres/postgres-server.log" 2>/dev/null || true
    fi
    pg_tool stop "$pg_root" >/dev/null 2>&1 || echo "could not stop the PostgreSQL cluster in $pg_root" >&2
  fi
  if [ "${BENCH_KEEP:-}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A throw-away PostgreSQL cluster from Debian's package (installed if missing), on 127.0.0.1 and a free port, with
# PostgreSQL's own durability settings (as a production server) and the database otpgate, owned by the role otpgate
# with a random password. Sets PG_URL, PG_USER, PG_PASSWORD, PG_PORT, PG_VERSION, ... (ThrowawayPostgres's output).
start_postgres() {
  if ! pg_tool available >/dev/null 2>&1; then
    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql) >/dev/null
  fi
  pg_root=$(mktemp -d "${TMPDIR:-/tmp}/otpgate-load-pg.XXXXXX")
  local pg_env
  pg_env=$(pg_tool start "$pg_root" --durable --setting max_connections=100 --database otpgate)
  eval "$pg_env"
  log "PostgreSQL $PG_VERSION on $PG_HOST:$PG_PORT"
}

# The launcher builds the jar when the sources are newer than it, and prepares its start-up cache once per build.
log "checking the build (./otpgate builds the jar if the sources changed)"
t=$(now)
OTPGATE_DATA_DIR="$work/scratch" ./otpgate help >/dev/null
rm -rf "$work/scratch"
log "build check and one command start: $(since "$t") s"
# The launcher prepares its start-up cache for the server at the first server start after a build: one throw-away
# start (scratch data, stopped once UP) prepares it when needed, so that the measured start-ups are ordinary ones.
t=$(now)
port=$(free_port)
OTPGATE_DATA_DIR="$work/scratch" setsid ./otpgate --server.port="$port" >"$work/scratch-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 1800); do   # at most 3 min
  kill -0 "$server_pid" 2>/dev/null || { echo "the server stopped:" >&2; tail -30 "$work/scratch-server.log" >&2; exit 1; }
  if curl -sf --max-time 2 "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then break; fi
  sleep 0.05
done
stop_server
rm -rf "$work/scratch"
log "one throw-away server start$(grep -q 'preparing a faster start' "$work/scratch-server.log" \
  && echo ", with the launcher's cache preparation"): $(since "$t") s"
if [[ " $DATABASES " == *" postgres "* ]] && { [ ! -f "$pg_jar" ] || [ -n "$(find postgres-test/pom.xml \
     postgres-test/src/main -newer "$pg_jar" -type f -print -quit)" ]; }; then
  t=$(now)
  ./mvnw -q -pl postgres-test package -DskipTests
  touch "$pg_jar"   # Maven leaves a jar whose content did not change untouched
  log "built $pg_jar: $(since "$t") s"
fi
# The open-loop client (bench module, with the core) and the floor, each built when missing or older than its sources.
open_jar="$root/bench/target/otpgate-benchmarks.jar"
floor_jar="$root/bench/floor/target/otpgate-floor.jar"
if [ ! -f "$open_jar" ] || [ -n "$(find pom.xml bench/pom.xml bench/src core/pom.xml core/src -newer "$open_jar" \
     -type f -print -quit)" ]; then
  t=$(now)
  ./mvnw -q -pl bench -am package -DskipTests
  touch "$open_jar"
  log "built $open_jar: $(since "$t") s"
fi
if [ "$FLOOR" = 1 ] && { [ ! -f "$floor_jar" ] || [ -n "$(find pom.xml bench/floor/pom.xml bench/floor/src \
     -newer "$floor_jar" -type f -print -quit)" ]; }; then
  t=$(now)
  ./mvnw -q -pl bench/floor package -DskipTests
  touch "$floor_jar"
  log "built $floor_jar: $(since "$t") s"
fi

secret=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
python3 "$here/bench.py" --dir "$work" dump "$ME_USERS" $((LOGIN_WARM_USERS + LOGIN_USERS))
ticks_per_second=$(getconf CLK_TCK)
results="$work/results.txt"
servers="$work/servers.txt"
: >"$results"
: >"$servers"

# --- runs ------------------------------------------------------------------------------------------------------------
server_ticks() {
  awk '{print $14 + $15}' "/proc/$server_pid/stat" 2>/dev/null && return
  echo "the server is gone (stopped from outside?); its log ends with:" >&2
  tail -5 "$db_dir/server.log" >&2
  exit 1
}
# All CPUs' busy time, in ticks (/proc/stat: user nice system idle iowait irq softirq steal ...).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
last=""
# timed_run NAME CONNECTIONS OUT COMMAND...: one run of a load generator (wrk or OpenLoop), its output to OUT; sets
# $last to its RESULT line plus the server's CPU milliseconds per request (per valid login for totp/login, per
# refresh for refresh, per request sent, warm-up included, for the open loop) and the cores used on average by the
# server, by the load generator and by everything else on the machine during the run.
timed_run() {
  local name=$1 conns=$2 out=$3; shift 3
  local before after all_before all_after t0 wall line n client_cpu
  before=$(server_ticks); all_before=$(machine_ticks); t0=$(now)
  client_cpu=$( { TIMEFORMAT='%U %S'; time "$@" >"$out" 2>&1 || echo "failed"; } 2>&1 )
  after=$(server_ticks); all_after=$(machine_ticks); wall=$(since "$t0")
  line=$(grep '^RESULT ' "$out" | tail -1)
  if [[ "$client_cpu" == failed* ]] || [ -z "$line" ]; then echo "$1 failed:" >&2; cat "$out" >&2; return 1; fi
  # The run's active time: wrk's -d, or less for totp/login, whose threads stop when their pairs are spent (wrk
  # itself then idles until -d, and nothing runs); the whole run for the open loop, whose warm-up the server serves
  # too.
  local seconds client_user client_sys
  n=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$line")
  if [ -n "$n" ]; then
    seconds=$wall
  else
    n=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line"); [ -n "$n" ] || n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
    seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")
    [ -n "$seconds" ] || seconds=$wall
  fi
  read -r client_user client_sys <<<"$client_cpu"
  last="$line $(awk -v st="$((after - before))" -v at="$((all_after - all_before))" -v hz="$ticks_per_second" \
    -v wu="$client_user" -v ws="$client_sys" -v n="$n" -v secs="$seconds" -v wall="$wall" 'BEGIN {
      server = st / hz; wrk = wu + ws; other = at / hz - server - wrk; if (other < 0) other = 0
      printf "cpu_ms=%.3f cores=%.2f wrk_cores=%.2f other_cores=%.2f", server * 1000 / (n > 0 ? n : 1),
        server / (secs > 0 ? secs : 1), wrk / (secs > 0 ? secs : 1), other / (wall > 0 ? wall : 1) }')"
  log "$db $name -c$conns: ${last#RESULT }"
}
# wrk_run NAME CONNECTIONS DURATION SCRIPT ARGS...: one wrk run (timed_run).
wrk_run() {
  local name=$1 conns=$2 duration=$3 script=$4 threads; shift 4
  threads=$THREADS; [ "$conns" -ge "$threads" ] || threads=$conns
  timed_run "$name" "$conns" "$db_dir/wrk-$name-c$conns.txt" wrk -t"$threads" -c"$conns" -d"${duration}s" \
    --timeout 10s --latency -s "$here/$script" "$base" -- "$@"
}
# The JDK and JVM options of the first server, for the floor and the open-loop client (set by measure).
server_java=""
server_options=()
# open_run NAME TOKENS: GET /api/me at a fixed rate (OPEN_RATE, else half the best rate of this server's closed-loop
# /api/me runs in $results) with OpenLoop (timed_run), each request with one of the bearer tokens in turn.
open_run() {
  local name=$1 tokens=$2 rate
  rate=$OPEN_RATE
  if [ -z "$rate" ]; then
    rate=$(awk -v db="$db" '$1 == "db=" db && / label=GET \/api\/me conns=/ {
        for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { v = substr($i, 5) + 0; if (v > best) best = v } }
      END {printf "%.0f", best / 2}' "$results")
  fi
  if [ "${rate:-0}" -lt 1 ]; then echo "no closed-loop /api/me rate of $db to halve: no open loop" >&2; return 1; fi
  log "$db: GET /api/me open loop at $rate requests/s: ${OPEN_WARMUP} s unrecorded, then ${OPEN_DURATION} s over" \
    "$OPEN_CONNECTIONS connections"
  timed_run "$name" "$OPEN_CONNECTIONS" "$db_dir/$name.txt" "$server_java" -XX:+UseSerialGC -Xms64m -Xmx256m \
    -cp "$open_jar" io.otpgate.bench.load.OpenLoop --port "$port" --path /api/me --rate "$rate" \
    --duration "$OPEN_DURATION" --warmup "$OPEN_WARMUP" --connections "$OPEN_CONNECTIONS" --tokens "$tokens"
}
record() { echo "db=$db label=$1 conns=$2 $last" >>"$results"; }

# measure_me NAME TOKENS: GET /api/me after the warm-up, closed loop at each connection count, then the open loop
# (the same for every server and the floor).
measure_me() {
  log "$1: GET /api/me: ${WARMUP} s warm-up at -c64, then ${DURATION} s at each of -c ${CONNECTIONS} (-t$THREADS)"
  wrk_run warmup-me 64 "$WARMUP" bearer_get.lua /api/me "$2"
  for c in $CONNECTIONS; do
    wrk_run me "$c" "$DURATION" bearer_get.lua /api/me "$2" && record "GET /api/me" "$c"
  done
  open_run open-me "$2" && record "GET /api/me open loop" "$OPEN_CONNECTIONS"
}

# rss_fields PID: its resident memory in MiB, and of that the anonymous part (heap, metaspace, code, malloc) and the
# file-backed part (the jar, the launcher's AOT cache, which the kernel can drop and read again).
rss_fields() {
  awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} /^RssFile/ {f = $2}
    END {printf "rss_after=%d rss_anon=%d rss_file=%d", r / 1024, a / 1024, f / 1024}' "/proc/$1/status"
}

# measure DB: one server on that database (h2: its own embedded database; postgres: a fresh cluster), the users,
# then every run; appends to $results and $servers.
measure() {
  db=$1
  db_dir="$work/$db"
  mkdir -p "$db_dir"
  local env=(OTPGATE_DATA_DIR="$db_dir/data" OTPGATE_TOKEN_SECRET="$secret")
  if [ "$db" = postgres ]; then
    start_postgres
    env+=(SPRING_DATASOURCE_URL="$PG_URL" SPRING_DATASOURCE_USERNAME="$PG_USER"
          SPRING_DATASOURCE_PASSWORD="$PG_PASSWORD" OTPGATE_SECRETS_KEYS="1:$secret")
  fi
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log "$db: starting the server on $base"
  local t_start up startup_wall startup_ms startup_spring startup_note rss_before rss_after
  t_start=$(now)
  # setsid: the server gets its own process group, which the clean-up ends as a whole. Secrets go by environment.
  env "${env[@]}" setsid ./otpgate --server.port="$port" --otpgate.token.access-lifetime=30m \
    >"$db_dir/server.log" 2>&1 &
  server_pid=$!
  up=""
  for _ in $(seq 1 1800); do   # at most 3 min (the first start after a build also prepares the launcher's cache)
    kill -0 "$server_pid" 2>/dev/null || { echo "the server stopped:" >&2; tail -30 "$db_dir/server.log" >&2; exit 1; }
    if curl -sf --max-time 2 "$base/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then up=1; break; fi
    sleep 0.05
  done
  [ -n "$up" ] || { echo "the server did not answer UP within 3 min" >&2; tail -30 "$db_dir/server.log" >&2; exit 1; }
  startup_wall=$(since "$t_start")
  startup_ms=$(awk -v a="$(now)" -v b="$t_start" 'BEGIN {printf "%.0f", (a - b) * 1000}')
  startup_spring=$(sed -n 's/.*Started OtpgateApplication in \([0-9.]*\) seconds.*/\1/p' "$db_dir/server.log" | head -1)
  startup_note=""
  grep -q 'preparing a faster start' "$db_dir/server.log" && startup_note=" (including the launcher's one-time cache preparation)"
  log "$db: server UP after ${startup_wall} s$startup_note; Spring Boot: started in ${startup_spring:-?} s"

  # Users and tokens
  cp "$work/dump.json" "$work/users.tsv" "$db_dir/"
  t=$(now)
  env "${env[@]}" ./otpgate import-django "$db_dir/dump.json" >"$db_dir/import.txt" 2>&1 \
    || { cat "$db_dir/import.txt" >&2; exit 1; }
  log "$db: import-django: $(grep -m1 '^Imported' "$db_dir/import.txt") ($(since "$t") s)"
  BENCH_TOKEN_SECRET="$secret" python3 "$here/bench.py" --dir "$db_dir" --port "$port" tokens
  rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  # otpgate's answer to GET /api/me, to compare with the floor's; and the JDK and JVM options the launcher chose
  # (its command line up to -jar, less its start-up cache), for the floor and the open-loop client.
  curl -sf --max-time 10 -H "Authorization: Bearer $(head -1 "$db_dir/me_tokens.txt")" "$base/api/me" \
    >"$db_dir/me.json" || echo "GET /api/me with a token failed" >&2
  if [ -z "$server_java" ]; then
    server_java=$(readlink "/proc/$server_pid/exe")
    local arguments argument
    mapfile -d '' arguments <"/proc/$server_pid/cmdline"
    for argument in "${arguments[@]:1}"; do
      [ "$argument" != -jar ] || break
      case $argument in
        -XX:AOTCache=* | -XX:SharedArchiveFile=* | -Xshare:* | -XX:TieredStopAtLevel=*) ;;
        *) server_options+=("$argument") ;;
      esac
    done
    echo "$server_java ${server_options[*]-}" >"$work/jvm.txt"
  fi

  measure_me "$db" "$db_dir/me_tokens.txt"

  log "$db: GET /api/totp/status: 5 s warm-up, then ${DURATION} s at each of -c ${CONNECTIONS}"
  wrk_run warmup-status 64 5 bearer_get.lua /api/totp/status "$db_dir/status_tokens.txt"
  for c in $CONNECTIONS; do
    wrk_run status "$c" "$DURATION" bearer_get.lua /api/totp/status "$db_dir/status_tokens.txt" \
      && record "GET /api/totp/status" "$c"
  done

  log "$db: POST /api/totp/login: $LOGIN_WARM_USERS users for the warm-up, $LOGIN_USERS for the measured run"
  python3 "$here/bench.py" --dir "$db_dir" codes --warm "$LOGIN_WARM_USERS"
  wrk_run warmup-login "$LOGIN_CONNECTIONS" "$LOGIN_WARM_DURATION" totp_login.lua "$db_dir/login_warm_pairs.txt" "$THREADS"
  wrk_run login "$LOGIN_CONNECTIONS" "$LOGIN_DURATION" totp_login.lua "$db_dir/login_pairs.txt" "$THREADS" \
    && record "POST /api/totp/login" "$LOGIN_CONNECTIONS"

  log "$db: POST /api/token/refresh: $ME_USERS chains of refresh tokens, 5 s warm-up, then ${DURATION} s"
  wrk_run warmup-refresh "$REFRESH_CONNECTIONS" 5 refresh.lua "$db_dir/refresh_tokens.txt" "$THREADS"
  # The warm-up spent the file's tokens: the chains go on from the last ones it received, which the run does not
  # know; so the measured run starts from fresh sessions' refresh tokens (new code logins would cost a TOTP step).
  BENCH_TOKEN_SECRET="$secret" python3 "$here/bench.py" --dir "$db_dir" --port "$port" refresh-tokens
  wrk_run refresh "$REFRESH_CONNECTIONS" "$DURATION" refresh.lua "$db_dir/refresh_tokens.txt" "$THREADS" \
    && record "POST /api/token/refresh" "$REFRESH_CONNECTIONS"

  log "$db: POST /api/token (password hash): ${TOKEN_DURATION} s at -c$TOKEN_CONNECTIONS"
  wrk_run token "$TOKEN_CONNECTIONS" "$TOKEN_DURATION" password_login.lua "$db_dir/usernames.txt" "bench-password-1" \
    && record "POST /api/token" "$TOKEN_CONNECTIONS"

  echo "db=$db startup=$startup_wall startup_ms=$startup_ms spring=${startup_spring:-?} note=${startup_note// /_} rss_before=$((rss_before / 1024)) $(rss_fields "$server_pid")" >>"$servers"
  # Warnings and errors of the server, by message (timestamps, pids and thread names left out).
  grep -E ' (ERROR|WARN) ' "$db_dir/server.log" | sed -E 's/^[^ ]+ +//; s/ [0-9]+ --- / /; s/\[[^]]*\] +//g' \
    | cut -c1-200 | sort | uniq -c | sort -rn >"$db_dir/server-warnings.txt" || true
  stop_server
}

# measure_floor TOKENS_DIR: the floor (bench/floor) on the first server's JDK and JVM options, GET /api/me measured as
# otpgate's (the same warm-up, connections, durations and requests, with the tokens of TOKENS_DIR), then in the open
# loop at half its own capacity; appends to $results.
measure_floor() {
  db=floor
  db_dir="$work/floor"
  mkdir -p "$db_dir"
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log "floor: starting $floor_jar on $base ($(cat "$work/jvm.txt"))"
  setsid "$server_java" ${server_options[@]+"${server_options[@]}"} -jar "$floor_jar" --server.port="$port" \
    >"$db_dir/server.log" 2>&1 &
  server_pid=$!
  local up=""
  for _ in $(seq 1 1200); do   # at most 2 min
    kill -0 "$server_pid" 2>/dev/null || { echo "the floor stopped:" >&2; tail -30 "$db_dir/server.log" >&2; exit 1; }
    if curl -sf --max-time 2 "$base/api/me" >"$db_dir/me.json" 2>/dev/null; then up=1; break; fi
    sleep 0.05
  done
  [ -n "$up" ] || { echo "the floor did not answer within 2 min" >&2; tail -30 "$db_dir/server.log" >&2; exit 1; }
  log "floor: $(python3 "$here/bench.py" --dir "$db_dir" same-shape "$1/me.json" "$db_dir/me.json")"
  measure_me floor "$1/me_tokens.txt"
  echo "db=floor $(rss_fields "$server_pid")" >>"$servers"
  grep -E ' (ERROR|WARN) ' "$db_dir/server.log" | sed -E 's/^[^ ]+ +//; s/ [0-9]+ --- / /; s/\[[^]]*\] +//g' \
    | cut -c1-200 | sort | uniq -c | sort -rn >"$db_dir/server-warnings.txt" || true
  stop_server
}

first_db=""
for db in $DATABASES; do
  measure "$db"
  if [ -z "$first_db" ]; then
    first_db=$db
    [ "$FLOOR" != 1 ] || measure_floor "$work/$first_db"
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(busy_processes)

# --- report ----------------------------------------------------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo
echo "== Runs: wrk -t$THREADS and OpenLoop on the same $(nproc)-core machine (load generator included), $(date -u +%F)"
format='%-9s %-23s %5s %7s %8s %8s %7s %7s %6s %6s %6s   %s\n'
printf "$format" "database" "endpoint" "conns" "req/s" "p50 ms" "p99 ms" "non-2xx" "CPU ms" "server" "client" "other" \
  "target"
while IFS= read -r line; do
  label=$(sed -n 's/^db=[^ ]* label=\(.*\) conns=.*/\1/p' <<<"$line")
  db=$(field db " $line")
  case "$db/$label" in
    "h2/GET /api/me") target=">= 80 % of the floor's rate" ;;
    */"GET /api/me open loop") target="p99 <= 5 ms at half the capacity" ;;
    "h2/POST /api/totp/login") target=">= 2000 valid logins/s" ;;
    "postgres/POST /api/totp/login") target=">= 1500 valid logins/s" ;;
    */"POST /api/token/refresh") target=">= 5000 refreshes/s" ;;
    */"POST /api/token") target="the password hash: $hash_parameters" ;;
    *) target="" ;;
  esac
  printf "$format" "$db" "$label" "$(field conns "$line")" "$(field rps "$line")" "$(field p50_ms "$line")" \
    "$(field p99_ms "$line")" "$(field non2xx "$line")" "$(field cpu_ms "$line")" "$(field cores "$line")" \
    "$(field wrk_cores "$line")" "$(field other_cores "$line")" "$target"
done <"$results"
echo "  CPU ms: the server's CPU time per request (per valid login for totp/login, per refresh for refresh, per request"
echo "  sent for the open loop). server, client, other: the cores (CPU seconds per second, $(nproc) in all) used during"
echo "  the run by the server, by the load generator (wrk or OpenLoop), and by everything else. totp/login and refresh"
echo "  count their 200s only; a refusal shows under non-2xx. The floor: bench/floor, the same JVM, no security, no"
echo "  database."
grep 'label=GET /api/me open loop' "$results" | while IFS= read -r open; do
  echo "  $(field db " $open") open loop: $(field requests "$open") requests in $(field seconds "$open") s at" \
    "$(field rate "$open")/s (after $OPEN_WARMUP s unrecorded): p50 $(field p50_ms "$open"), p90 $(field p90_ms "$open")," \
    "p99 $(field p99_ms "$open"), p99.9 $(field p999_ms "$open"), max $(field max_ms "$open") ms from the scheduled" \
    "send time; sent over 1 ms late $(field late "$open"), non-2xx $(field non2xx "$open"), socket errors" \
    "$(field socket_errors "$open")"
done
grep 'label=POST /api/totp/login' "$results" | while IFS= read -r login; do
  echo "  $(field db " $login") totp/login: $(field ok "$login") valid logins (200) in $(field seconds "$login") s" \
    "(first sent to last answered); refused (400) $(field refused "$login"), throttled (429)" \
    "$(field throttled "$login"), other $(field other "$login"), not answered within -d $(field unanswered "$login")," \
    "socket errors $(field socket_errors "$login")"
done
grep 'label=POST /api/token/refresh' "$results" | while IFS= read -r refresh; do
  echo "  $(field db " $refresh") token/refresh: $(field ok "$refresh") refreshes (200), other $(field other "$refresh")"
done
echo
grep -v '^db=floor ' "$servers" | while IFS= read -r server; do
  echo "Server on $(field db " $server"): start-up $(field startup "$server") s to health UP$(field note "$server" | tr _ ' ')," \
    "Spring Boot $(field spring "$server") s; VmRSS $(field rss_before "$server") MiB after set-up," \
    "$(field rss_after "$server") MiB after the load (target < 300 MB)"
done
[ ! -f "$work/jvm.txt" ] || echo "JDK and JVM options of the servers and the floor: $(cat "$work/jvm.txt")"
echo "Machine: load average $load_before at the start, $load_after at the end${busy_after:+; other busy processes: $busy_after}"
measured=$DATABASES
[ ! -d "$work/floor" ] || measured="$measured floor"
for db in $measured; do
  echo "Server log ($db): $(awk '{n += $1} END {print n + 0}' "$work/$db/server-warnings.txt") ERROR/WARN lines"
  head -8 "$work/$db/server-warnings.txt" | sed 's/^/  /'
done

# --- the table of issue 14 section 5 ----------------------------------------------------------------------------------
# result DB LABEL: that run's line of $results (the first; the label exactly).
result() { grep -F "db=$1 label=$2 conns=" "$results" | head -1; }
# best_me DB: the best closed-loop GET /api/me rate of DB and its connections, "RPS CONNS".
best_me() {
  awk -v db="$1" '$1 == "db=" db && / label=GET \/api\/me conns=/ {
      for (i = 1; i <= NF; i++) { if ($i ~ /^rps=/) v = substr($i, 5) + 0; if ($i ~ /^conns=/) c = substr($i, 7) }
      if (v > best) { best = v; conns = c } }
    END { if (best > 0) print best, conns }' "$results"
}
# cell DB WHAT: one cell of the table for DB, "-" when not measured.
cell() {
  local line best c floor_best value=""
  case $2 in
    me)
      read -r best c <<<"$(best_me "$1")"
      [ -z "${best:-}" ] || value="$best (-c$c)" ;;
    me-floor)
      [ "$1" != floor ] || return 0
      read -r best _ <<<"$(best_me "$1")"
      read -r floor_best _ <<<"$(best_me floor)"
      [ -z "${best:-}" ] || [ -z "${floor_best:-}" ] \
        || value=$(awk -v a="$best" -v b="$floor_best" 'BEGIN {printf "%.0f %%", 100 * a / b}') ;;
    open-rate | open-p50 | open-p99)
      line=$(result "$1" "GET /api/me open loop")
      if [ -n "$line" ]; then
        case $2 in
          open-rate) value=$(field rate "$line") ;;
          open-p50) value=$(printf '%.2f / %.2f' "$(field p50_ms "$line")" "$(field p90_ms "$line")") ;;
          open-p99) value=$(printf '%.2f / %.2f' "$(field p99_ms "$line")" "$(field p999_ms "$line")") ;;
        esac
      fi ;;
    login) line=$(result "$1" "POST /api/totp/login"); [ -z "$line" ] || value=$(field rps "$line") ;;
    refresh) line=$(result "$1" "POST /api/token/refresh"); [ -z "$line" ] || value=$(field rps "$line") ;;
    password) line=$(result "$1" "POST /api/token"); [ -z "$line" ] || value=$(field rps "$line") ;;
    password-cpu)
      line=$(result "$1" "POST /api/token")
      [ -z "$line" ] || value=$(printf '%.1f ms, %s cores' "$(field cpu_ms "$line")" "$(field cores "$line")") ;;
    startup)
      line=$(grep "^db=$1 " "$servers" | head -1)
      value=$(field startup_ms " $line")
      [ -z "$(field note " $line")" ] || value="$value (cache made)" ;;
    rss) line=$(grep "^db=$1 " "$servers" | head -1); value=$(field rss_after " $line")
      [ -z "$(field rss_anon " $line")" ] || value="$value ($(field rss_anon " $line") + $(field rss_file " $line"))" ;;
  esac
  printf '%s' "${value:--}"
}
row_format='| %-56s | %-20s | %-20s | %-20s | %s |\n'
table_row() {
  printf "$row_format" "$1" "$(cell h2 "$2")" "$(cell postgres "$2")" "$(cell floor "$2")" "$3"
}
echo
echo "== Issue 14 section 5, this run ($(date -u +%FT%TZ), $(nproc) cores; wrk -t$THREADS; open loop over" \
  "$OPEN_CONNECTIONS connections)"
echo
printf "$row_format" "work" "H2" "PostgreSQL" "floor" "goal"
printf "$row_format" "---" "---" "---" "---" "---"
table_row "\`GET /api/me\` req/s, closed loop, best of -c ${CONNECTIONS// /,}" me ""
table_row "\`GET /api/me\`: otpgate's rate as % of the floor's" me-floor ">= 80 %"
table_row "\`GET /api/me\` open loop at half its own capacity, req/s" open-rate ""
table_row "  p50 / p90 ms (from the scheduled send time)" open-p50 ""
table_row "  p99 / p99.9 ms" open-p99 "p99 <= 5 ms"
table_row "valid \`POST /api/totp/login\` /s (-c$LOGIN_CONNECTIONS)" login ">= 2000 on H2, >= 1500 on PostgreSQL"
table_row "\`POST /api/token/refresh\` /s (-c$REFRESH_CONNECTIONS)" refresh ">= 5000 on both"
table_row "\`POST /api/token\` (password) logins/s (-c$TOKEN_CONNECTIONS)" password \
  "faster than Keycloak (40-49/s, argon2id 7 MiB, t=5)"
table_row "\`POST /api/token\`: server CPU ms a login, cores used" password-cpu \
  ">= 90 % of $(nproc) cores on the hash: $hash_parameters"
table_row "start-up to health UP, ms" startup "<= 2000"
table_row "resident memory (VmRSS) after the load, MiB (anonymous + file)" rss "< 300 MB (286 MiB)"
printf "$row_format" "load average (1, 5, 15 min) before the run" "$load_before" "" "" ""
printf "$row_format" "load average (1, 5, 15 min) after the run" "$load_after" "" "" ""
if [ -n "$(best_me floor)" ]; then
  for db in $DATABASES; do
    ratios=""
    for c in $CONNECTIONS; do
      grep -F "db=$db label=GET /api/me conns=$c " "$results" >/dev/null || continue
      a=$(field rps "$(grep -F "db=$db label=GET /api/me conns=$c " "$results")")
      b=$(field rps "$(grep -F "db=floor label=GET /api/me conns=$c " "$results")")
      [ -z "$b" ] || ratios="$ratios${ratios:+, }-c$c $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", 100 * a / b}') %"
    done
    echo "  $db's GET /api/me rate as % of the floor's at each connection count: ${ratios:--}"
  done
fi
log "done"
