#!/usr/bin/env bash
# Load benchmark of otpgate's REST API with wrk, on the embedded H2 database and on PostgreSQL. From the repository
# root:
#
#     bench/load/run.sh                 # both databases, about 7 minutes
#     DATABASES=h2 bench/load/run.sh    # one
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
#
# 1 and 2 are measured at each connection count of CONNECTIONS, after a warm-up (the JIT needs tens of seconds of
# load before the server's cost per request settles), 3 and 4 after a warm-up run. The table also gives the server's
# CPU time per request, and the cores used by the server, by wrk and by everything else during each run: on a
# machine shared with other work, these tell a slow server from a starved one. Latencies are wrk's, which corrects
# for coordinated omission (a stalled request also counts for those it held back), so rare stalls show in p99. It
# also prints each server's start-up time (launch to health UP) and resident memory (VmRSS) after the load. Every
# step is bounded: under 4 minutes a database, plus a build if the sources changed. It measures; it asserts nothing.
#
# Settings (environment): DATABASES ("h2 postgres"), THREADS (wrk threads, 2), CONNECTIONS (tried for 1 and 2,
# "16 32 64"), DURATION (s per run of 1, 2 and 4, 10), WARMUP (s of unmeasured /api/me load first, 30),
# LOGIN_CONNECTIONS (32), LOGIN_DURATION (at most s of 3, 15), LOGIN_USERS (9000), LOGIN_WARM_USERS (3000),
# ME_USERS (64), REFRESH_CONNECTIONS (16), TOKEN_CONNECTIONS (4), TOKEN_DURATION (10), BENCH_KEEP=1 keeps the work
# directory (server logs, wrk outputs, access logs).
#
# Tokens: each user's first POST /api/token costs the server an argon2id hash (about 80 ms of CPU), far too slow for
# thousands of users, so the server gets a known HS256 key (otpgate.token.secret) and the login users' password-only
# tokens are signed by bench.py from a real one (same claims, their own user_id and jti). The /api/me and status
# users, and a sample of the login users, log in for real. The latencies of 3 include the few health-check fillers
# that a wrk thread sends while its last logins are in flight (see totp_login.lua).
#
# Files: run.sh (this), bench.py (users, tokens, codes), bearer_get.lua (1 and 2), totp_login.lua (3), refresh.lua
# (4), password_login.lua (5).
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

echo "== otpgate load benchmark: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
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
if [[ " $DATABASES " == *" postgres "* ]] && { [ ! -f "$pg_jar" ] || [ -n "$(find postgres-test/pom.xml \
     postgres-test/src/main -newer "$pg_jar" -type f -print -quit)" ]; }; then
  t=$(now)
  ./mvnw -q -pl postgres-test package -DskipTests
  touch "$pg_jar"   # Maven leaves a jar whose content did not change untouched
  log "built $pg_jar: $(since "$t") s"
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
# wrk_run NAME CONNECTIONS DURATION SCRIPT ARGS...: one wrk run; sets $last to its RESULT line plus the server's CPU
# milliseconds per request (per valid login for totp/login, per refresh for refresh) and the cores used on average
# by the server, by wrk and by everything else on the machine during the run.
wrk_run() {
  local name=$1 conns=$2 duration=$3 script=$4; shift 4
  local out="$db_dir/wrk-$name-c$conns.txt" before after all_before all_after t0 wall line n wrk_cpu threads
  threads=$THREADS; [ "$conns" -ge "$threads" ] || threads=$conns
  before=$(server_ticks); all_before=$(machine_ticks); t0=$(now)
  wrk_cpu=$( { TIMEFORMAT='%U %S'; time wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s --latency \
      -s "$here/$script" "$base" -- "$@" >"$out" 2>&1 || echo "failed"; } 2>&1 )
  after=$(server_ticks); all_after=$(machine_ticks); wall=$(since "$t0")
  line=$(grep '^RESULT ' "$out" | tail -1)
  if [[ "$wrk_cpu" == failed* ]] || [ -z "$line" ]; then echo "wrk failed:" >&2; cat "$out" >&2; return 1; fi
  n=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line"); [ -n "$n" ] || n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  # The run's active time: wrk's -d, or less for totp/login, whose threads stop when their pairs are spent (wrk
  # itself then idles until -d, and nothing runs).
  local seconds wrk_user wrk_sys
  seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")
  [ -n "$seconds" ] || seconds=$wall
  read -r wrk_user wrk_sys <<<"$wrk_cpu"
  last="$line $(awk -v st="$((after - before))" -v at="$((all_after - all_before))" -v hz="$ticks_per_second" \
    -v wu="$wrk_user" -v ws="$wrk_sys" -v n="$n" -v secs="$seconds" -v wall="$wall" 'BEGIN {
      server = st / hz; wrk = wu + ws; other = at / hz - server - wrk; if (other < 0) other = 0
      printf "cpu_ms=%.3f cores=%.2f wrk_cores=%.2f other_cores=%.2f", server * 1000 / (n > 0 ? n : 1),
        server / (secs > 0 ? secs : 1), wrk / (secs > 0 ? secs : 1), other / (wall > 0 ? wall : 1) }')"
  log "$db $name -c$conns: ${last#RESULT }"
}
record() { echo "db=$db label=$1 conns=$2 $last" >>"$results"; }

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
  local t_start up startup_wall startup_spring startup_note rss_before rss_after
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

  log "$db: GET /api/me: ${WARMUP} s warm-up at -c64, then ${DURATION} s at each of -c ${CONNECTIONS} (-t$THREADS)"
  wrk_run warmup-me 64 "$WARMUP" bearer_get.lua /api/me "$db_dir/me_tokens.txt"
  for c in $CONNECTIONS; do
    wrk_run me "$c" "$DURATION" bearer_get.lua /api/me "$db_dir/me_tokens.txt" && record "GET /api/me" "$c"
  done

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

  rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  echo "db=$db startup=$startup_wall spring=${startup_spring:-?} note=${startup_note// /_} rss_before=$((rss_before / 1024)) rss_after=$((rss_after / 1024))" >>"$servers"
  # Warnings and errors of the server, by message (timestamps, pids and thread names left out).
  grep -E ' (ERROR|WARN) ' "$db_dir/server.log" | sed -E 's/^[^ ]+ +//; s/ [0-9]+ --- / /; s/\[[^]]*\] +//g' \
    | cut -c1-200 | sort | uniq -c | sort -rn >"$db_dir/server-warnings.txt" || true
  stop_server
}

for db in $DATABASES; do
  measure "$db"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(busy_processes)

# --- report ----------------------------------------------------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo
echo "== Results: wrk -t$THREADS on the same $(nproc)-core machine (load generator included), $(date -u +%F)"
format='%-9s %-23s %5s %7s %8s %8s %7s %7s %6s %6s %6s   %s\n'
printf "$format" "database" "endpoint" "conns" "req/s" "p50 ms" "p99 ms" "non-2xx" "CPU ms" "server" "wrk" "other" \
  "target"
while IFS= read -r line; do
  label=$(sed -n 's/^db=[^ ]* label=\(.*\) conns=.*/\1/p' <<<"$line")
  db=$(field db " $line")
  case "$db/$label" in
    "h2/GET /api/me") target=">= 15000 req/s, p99 < 5 ms" ;;
    "h2/POST /api/totp/login") target=">= 2000 valid logins/s" ;;
    "postgres/POST /api/totp/login") target=">= 1000 valid logins/s" ;;
    */"POST /api/token/refresh") target=">= 5000 refreshes/s" ;;
    */"POST /api/token") target="the password hash: $hash_parameters" ;;
    *) target="" ;;
  esac
  printf "$format" "$db" "$label" "$(field conns "$line")" "$(field rps "$line")" "$(field p50_ms "$line")" \
    "$(field p99_ms "$line")" "$(field non2xx "$line")" "$(field cpu_ms "$line")" "$(field cores "$line")" \
    "$(field wrk_cores "$line")" "$(field other_cores "$line")" "$target"
done <"$results"
echo "  CPU ms: the server's CPU time per request (per valid login for totp/login, per refresh for refresh). server,"
echo "  wrk, other: the cores (CPU seconds per second, $(nproc) in all) used during the run by the server, by wrk, and"
echo "  by everything else. totp/login and refresh count their 200s only; a refusal shows under non-2xx."
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
while IFS= read -r server; do
  echo "Server on $(field db " $server"): start-up $(field startup "$server") s to health UP$(field note "$server" | tr _ ' ')," \
    "Spring Boot $(field spring "$server") s; VmRSS $(field rss_before "$server") MiB after set-up," \
    "$(field rss_after "$server") MiB after the load (target < 300 MB)"
done <"$servers"
echo "Machine: load average $load_after at the end${busy_after:+; other busy processes: $busy_after}"
for db in $DATABASES; do
  echo "Server log ($db): $(awk '{n += $1} END {print n + 0}' "$work/$db/server-warnings.txt") ERROR/WARN lines"
  head -8 "$work/$db/server-warnings.txt" | sed 's/^/  /'
done
log "done"
