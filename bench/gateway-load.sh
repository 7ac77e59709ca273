#!/usr/bin/env bash
# Load test of the JSON gateway (issue 6): wrk on GET /v1/me/eligibility and, in the same run, on the trivial
# GET /healthz, against the embedded default (SQLite, 10,000 demo enterprises, the demo policies).
# Usage: bench/gateway-load.sh [connections=64] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS="${1:-64}"
SECONDS_PER_RUN="${2:-20}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

DATA="$(mktemp -d /tmp/huiqi-load-XXXX)"
PORT=18080
dotnet build -c Release src/Huiqi.Gateway -v q -nologo >/dev/null
dotnet build -c Release src/Huiqi.Backend -v q -nologo >/dev/null
GATEWAY=""
BACKEND=""
trap 'kill $GATEWAY $BACKEND 2>/dev/null; wait $GATEWAY $BACKEND 2>/dev/null; rm -rf "$DATA"' EXIT
start_gateway() { # answer-cache seconds [extra environment assignments...]
  local cache="$1"; shift
  # Rate limits raised (one client address makes all the load here); the limiter itself stays in the path.
  env "$@" ASPNETCORE_ENVIRONMENT=Development Huiqi__DataDir="$DATA" Gateway__Listen="http://127.0.0.1:$PORT" Gateway__EmbeddedBackendListen="http://127.0.0.1:15001" \
    Gateway__RateLimit__PerUserPerSecond=1000000 Gateway__RateLimit__PerUserBurst=1000000 \
    Gateway__RateLimit__PerIpPerSecond=1000000 Gateway__RateLimit__PerIpBurst=1000000 \
    Gateway__AnswerCacheSeconds="$cache" Logging__LogLevel__Default=Warning \
    bash -c 'cd src/Huiqi.Gateway/bin/Release/net10.0 && exec dotnet Huiqi.Gateway.dll' >> "$DATA/gateway.log" 2>&1 &
  GATEWAY=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
}
start_gateway 5
# Let the first 免申即享 pass over the demo data finish, so it does not share the CPU with the load.
sleep 20

UA=$(curl -s "http://127.0.0.1:$PORT/v1/dev/token" -H 'content-type: application/json' -d '{"role":"admin"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
USCC=$(curl -s "http://127.0.0.1:$PORT/v1/policies/lz-hightech-first-award/matches?limit=1&status=eligible" -H "Authorization: Bearer $UA" | sed 's/.*"uscc":"\([^"]*\)".*/\1/')
TOKEN=$(curl -s "http://127.0.0.1:$PORT/v1/dev/token" -H 'content-type: application/json' -d "{\"role\":\"enterprise\",\"uscc\":\"$USCC\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
BYTES=$(curl -s "http://127.0.0.1:$PORT/v1/me/eligibility" -H "Authorization: Bearer $TOKEN" | wc -c)
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)" GiB"}'), $(dotnet --version)"
echo "enterprise: $USCC, /v1/me/eligibility answer: $BYTES bytes (every policy with every condition explained)"

run() { # name path
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$2" > "$DATA/$1.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$DATA/$1.txt")
  p99=$(awk '/ 99%/ {print $2}' "$DATA/$1.txt")
  echo "$1: requests_per_s=$rps p99=$p99 non2xx=$(awk '/Non-2xx/ {print $NF}' "$DATA/$1.txt")"
  eval "${1}_RPS=$rps"
}
wrk -t2 -c"$CONNECTIONS" -d10s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/me/eligibility" >/dev/null # warm-up (tiered JIT)
wrk -t2 -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/healthz" >/dev/null
run trivial /healthz
run eligibility /v1/me/eligibility
echo "ratio: $(awk "BEGIN {printf \"%.2f\", $eligibility_RPS / $trivial_RPS}") (target >= 0.50), connections=$CONNECTIONS"

# The same route for 1,000 different enterprises in turn, with the gateway's answer cache switched off: every answer
# computed afresh by the backend. This is the cost of the round trip itself (no cache can be assumed for real users).
curl -s "http://127.0.0.1:$PORT/v1/policies/lz-utilities-subsidy/matches?limit=1000" -H "Authorization: Bearer $UA" \
  | grep -o '"uscc":"[^"]*"' | cut -d'"' -f4 | head -1000 > "$DATA/usccs.txt"
while read -r u; do
  curl -s "http://127.0.0.1:$PORT/v1/dev/token" -H 'content-type: application/json' -d "{\"role\":\"enterprise\",\"uscc\":\"$u\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'; echo
done < "$DATA/usccs.txt" > "$DATA/tokens.txt"
kill $GATEWAY; wait $GATEWAY 2>/dev/null || true
start_gateway 0
sleep 20 # the start-up 免申即享 pass again
export HUIQI_TOKENS="$DATA/tokens.txt" # read by bench/eligibility-as-many.lua
wrk -t2 -c"$CONNECTIONS" -d15s -s bench/eligibility-as-many.lua "http://127.0.0.1:$PORT" > /dev/null # warm-up (tiered JIT)
wrk -t2 -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/healthz" >/dev/null
# The ratio's two rates taken in alternating slices against this one process (trivial, uncached, trivial, ...), so
# that a slow spell of this shared machine weighs on both sides alike rather than on whichever phase it fell in.
SLICES=4
SLICE_SECONDS=$(( (SECONDS_PER_RUN + SLICES - 1) / SLICES ))
TRIVIAL_SUM=0; MANY_SUM=0; MANY_P99=""; MANY_NON2XX=""
for i in $(seq 1 $SLICES); do
  wrk -t2 -c"$CONNECTIONS" -d"${SLICE_SECONDS}s" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/healthz" > "$DATA/trivial-$i.txt"
  wrk -t2 -c"$CONNECTIONS" -d"${SLICE_SECONDS}s" --latency -s bench/eligibility-as-many.lua "http://127.0.0.1:$PORT" > "$DATA/many-$i.txt"
  t=$(awk '/Requests\/sec/ {print $2}' "$DATA/trivial-$i.txt"); m=$(awk '/Requests\/sec/ {print $2}' "$DATA/many-$i.txt")
  TRIVIAL_SUM=$(awk "BEGIN {print $TRIVIAL_SUM + $t}"); MANY_SUM=$(awk "BEGIN {print $MANY_SUM + $m}")
  MANY_P99="$MANY_P99 $(awk '/ 99%/ {print $2}' "$DATA/many-$i.txt")"; MANY_NON2XX="$MANY_NON2XX$(awk '/Non-2xx/ {print $NF}' "$DATA/many-$i.txt")"
  echo "  slice $i: trivial $t /s, uncached $m /s"
done
echo "eligibility_uncached_many_users: enterprises=$(wc -l < "$DATA/tokens.txt") requests_per_s=$(awk "BEGIN {printf \"%.0f\", $MANY_SUM / $SLICES}") p99_per_slice=$MANY_P99 non2xx=$MANY_NON2XX trivial_same_process_per_s=$(awk "BEGIN {printf \"%.0f\", $TRIVIAL_SUM / $SLICES}") ratio_to_trivial=$(awk "BEGIN {printf \"%.2f\", $MANY_SUM / $TRIVIAL_SUM}") (target >= 0.30)"

# The same for the split deployment: the backend as its own process (src/Huiqi.Backend) on the store the embedded
# run seeded, the gateway calling it over gRPC (h2c, loopback): the second hop, its token check and protobuf both ways.
kill $GATEWAY; wait $GATEWAY 2>/dev/null || true
KEY=$(sed -n 's/.*"SigningKey": *"\([^"]*\)".*/\1/p' src/Huiqi.Gateway/appsettings.Development.json)
Huiqi__DataDir="$DATA" Backend__Listen="http://127.0.0.1:15002" Backend__MetricsListen="http://127.0.0.1:19464" Auth__SigningKey="$KEY" \
  Logging__LogLevel__Default=Warning bash -c 'cd src/Huiqi.Backend/bin/Release/net10.0 && exec dotnet Huiqi.Backend.dll' >> "$DATA/backend.log" 2>&1 &
BACKEND=$!
start_gateway 0 Gateway__BackendAddress="http://127.0.0.1:15002"
sleep 10
wrk -t2 -c"$CONNECTIONS" -d15s -s bench/eligibility-as-many.lua "http://127.0.0.1:$PORT" > /dev/null # warm-up (tiered JIT)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s bench/eligibility-as-many.lua "http://127.0.0.1:$PORT" > "$DATA/split.txt"
echo "eligibility_uncached_many_users_split: enterprises=$(wc -l < "$DATA/tokens.txt") requests_per_s=$(awk '/Requests\/sec/ {print $2}' "$DATA/split.txt") p99=$(awk '/ 99%/ {print $2}' "$DATA/split.txt") non2xx=$(awk '/Non-2xx/ {print $NF}' "$DATA/split.txt")"
