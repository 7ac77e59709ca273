#!/usr/bin/env bash
# GET /v1/policies?q=… through the gateway (embedded default) on a data folder with 20,021 policies in force, prepared by
# `bench -- catalog --data-dir DIR`: one connection (latency of a search alone) and 16 (the machine saturated).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/Huiqi.Gateway -v q -nologo >/dev/null
DATA="${1:?usage: bench/search-load.sh DATA_DIR (prepared by: dotnet run -c Release --project bench/Huiqi.Bench -- catalog --data-dir DATA_DIR)}"; PORT=18095
ASPNETCORE_ENVIRONMENT=Development Huiqi__DataDir="$DATA" Gateway__Listen="http://127.0.0.1:$PORT" Gateway__EmbeddedBackendListen="http://127.0.0.1:15095" Gateway__MetricsListen="http://127.0.0.1:19495" \
  Gateway__RateLimit__PerUserPerSecond=1000000 Gateway__RateLimit__PerUserBurst=1000000 Gateway__RateLimit__PerIpPerSecond=1000000 Gateway__RateLimit__PerIpBurst=1000000 \
  Logging__LogLevel__Default=Warning bash -c "cd src/Huiqi.Gateway/bin/Release/net10.0 && exec dotnet Huiqi.Gateway.dll" >> "$DATA/search-gateway.log" 2>&1 &
GW=$!
trap 'kill $GW 2>/dev/null; wait $GW 2>/dev/null' EXIT
for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
sleep 10
TOKEN=$(curl -s "http://127.0.0.1:$PORT/v1/dev/token" -H 'content-type: application/json' -d '{"role":"admin"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
Q=$(python3 -c 'import urllib.parse;print(urllib.parse.quote("人工智能"))')
echo "policies: $(curl -s "http://127.0.0.1:$PORT/v1/policies?limit=1" -H "Authorization: Bearer $TOKEN" | head -c 80)"
wrk -t2 -c16 -d10s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/policies?q=$Q" > /dev/null
for c in 1 16; do
  wrk -t1 -c$c -d15s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/policies?q=$Q" | grep -E "Requests/sec| 50%| 99%" | tr '\n' ' '; echo " (connections=$c)"
done
