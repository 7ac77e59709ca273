#!/usr/bin/env bash
# Faults under load on the production shape (issue: wave 2, 2 of 7), bounded in time, printing its figures:
# PostgreSQL and Redis from the machine's packages, a standalone backend and a gateway as separate processes
# (Release builds, Production, only environment settings), wrk reading through the gateway, and a writer creating
# profiles one request at a time. Then:
#   (a) Redis is killed (SIGKILL) and started again during a read run: failed reads must be 0;
#   (b) PostgreSQL is stopped for 10 s during a read-and-write run: reads keep answering from memory, writes that need
#       the store fail fast (503/504 within the backend timeout), it recovers with no restart, and every write that was
#       answered 2xx is in the store exactly once (rows counted before and after).
# Usage: bench/faults.sh [seconds per run = 30]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${1:-30}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/huiqi-faults-XXXX); chmod 755 "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PG_PORT=$(free_port); REDIS_PORT=$(free_port); BACKEND_PORT=$(free_port); METRICS_PORT=$(free_port); GW_PORT=$(free_port); GW_METRICS=$(free_port)
KEY="huiqi-faults-signing-key-0123456789-0123456789"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)" GiB"}'), dotnet $(dotnet --version)"
dotnet build -c Release src/Huiqi.Gateway -v q -nologo >/dev/null
dotnet build -c Release src/Huiqi.Backend -v q -nologo >/dev/null
dotnet build -c Release src/Huiqi.Cli -v q -nologo >/dev/null

chown postgres "$WORK"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
pg_start() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 30 start -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK" >/dev/null; }
pg_start
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres huiqi
redis_start() { redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no > "$WORK/redis.log" 2>&1 & REDIS_PID=$!; PIDS+=("$REDIS_PID"); for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done; }
redis_start

PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=huiqi;Timeout=3;Command Timeout=5"
( cd src/Huiqi.Backend/bin/Release/net10.0 && ASPNETCORE_ENVIRONMENT=Production Backend__Listen="http://127.0.0.1:$BACKEND_PORT" Backend__MetricsListen="http://127.0.0.1:$METRICS_PORT" \
  Huiqi__Store__Provider=postgres ConnectionStrings__Postgres="$PG" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" Auth__SigningKey="$KEY" \
  Huiqi__Demo__Seed=true Huiqi__Demo__Population=10000 Logging__LogLevel__Default=Warning exec dotnet Huiqi.Backend.dll ) > "$WORK/backend.log" 2>&1 &
PIDS+=($!)
( cd src/Huiqi.Gateway/bin/Release/net10.0 && ASPNETCORE_ENVIRONMENT=Production Gateway__Listen="http://127.0.0.1:$GW_PORT" Gateway__MetricsListen="http://127.0.0.1:$GW_METRICS" \
  Gateway__BackendAddress="http://127.0.0.1:$BACKEND_PORT" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" Auth__SigningKey="$KEY" \
  Gateway__RateLimit__Enabled=false Logging__LogLevel__Default=Warning exec dotnet Huiqi.Gateway.dll ) > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$GW_PORT/readyz" >/dev/null && break; sleep 1; done
sleep 15 # the first 免申即享 pass over the demo data

token() { Auth__SigningKey="$KEY" dotnet src/Huiqi.Cli/bin/Release/net10.0/huiqi.dll token "$@"; }
ADMIN=$(token --role admin --sub faults)
PARTNER=$(token --role partner --sub faults-bank --scope "profiles:write profiles:read")
USCC=$(curl -s "http://127.0.0.1:$GW_PORT/v1/policies/lz-utilities-subsidy/matches?status=eligible&limit=1" -H "Authorization: Bearer $ADMIN" | sed 's/.*"uscc":"\([^"]*\)".*/\1/')
OWNER=$(token --role enterprise --uscc "$USCC")
rows() { runuser -u postgres -- psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d huiqi -tAc "SELECT count(*) FROM enterprises WHERE uscc LIKE '91620102FT%'" 2>/dev/null || echo "?"; }

# One writer: new profiles one request at a time, each with its own USCC; prints "status uscc" per request.
writer() { # seconds, file
  dotnet bench/Huiqi.Bench/bin/Release/net10.0/Huiqi.Bench.dll writes --url "http://127.0.0.1:$GW_PORT" --token "$PARTNER" --seconds "$1" --prefix "$2" > "$WORK/$2.txt"
}
dotnet build -c Release bench/Huiqi.Bench -v q -nologo >/dev/null

read_run() { # name, seconds
  wrk -t2 -c32 -d"${2}s" --latency -H "Authorization: Bearer $OWNER" "http://127.0.0.1:$GW_PORT/v1/me/eligibility" > "$WORK/$1.wrk"
  local total non2xx errors p99
  total=$(awk '/requests in/ {print $1}' "$WORK/$1.wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$1.wrk"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' "$WORK/$1.wrk"); errors=${errors:-0}
  p99=$(awk '/ 99%/ {print $2}' "$WORK/$1.wrk")
  echo "$1: reads=$total failed_non2xx=$non2xx socket_errors=$errors p99=$p99"
}

set +e # from here on a fault is the point: nothing stops the script but the end
echo "== baseline"
read_run baseline "$RUN"

echo "== (a) Redis killed at 5 s, started again at 10 s"
( sleep 5; kill -9 "$REDIS_PID"; sleep 5; redis_start; echo "redis restarted" ) &
FAULT=$!
read_run redis_kill "$RUN"
wait "$FAULT"

echo "== (b) PostgreSQL stopped at 5 s for 10 s, reads and writes"
BEFORE=$(rows)
( sleep 5; runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null; echo "postgres stopped"; sleep 10; pg_start; echo "postgres started" ) &
FAULT=$!
writer "$RUN" 91620102FT &
WRITER=$!
read_run postgres_stop "$RUN"
wait "$WRITER"; wait "$FAULT"
sleep 3
AFTER=$(rows)
ok=$(awk '$1 >= 200 && $1 < 300' "$WORK/91620102FT.txt" | wc -l)
refused=$(awk '$1 >= 500' "$WORK/91620102FT.txt" | wc -l)
refused_by_status=$(awk '$1 >= 500 {print $1}' "$WORK/91620102FT.txt" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')
other=$(awk '$1 < 200 || ($1 >= 300 && $1 < 500)' "$WORK/91620102FT.txt" | wc -l)
slowest_refusal=$(awk '$1 >= 500 {print $3}' "$WORK/91620102FT.txt" | sort -n | tail -1)
echo "writes: answered_2xx=$ok refused_5xx=$refused ($refused_by_status) other=$other slowest_refusal_ms=${slowest_refusal:-none} rows_before=$BEFORE rows_after=$AFTER"
echo "writes_lost=$(( ok - (AFTER - BEFORE) < 0 ? 0 : ok - (AFTER - BEFORE) )) rows_not_acknowledged=$(( (AFTER - BEFORE) - ok > 0 ? (AFTER - BEFORE) - ok : 0 ))"
echo "== after recovery (no restart)"
read_run after "$((RUN / 3))"
curl -s "http://127.0.0.1:$GW_PORT/readyz"; echo
grep -c 'fail:' "$WORK/gateway.log" | sed 's/^/gateway_error_log_lines=/'
