#!/usr/bin/env bash
# The production shape for real, on one machine without a Docker engine (docs/deployment.md):
#   1. builds deploy/Dockerfile's two images with podman against local stand-in bases (debootstrap + Debian packages
#      instead of mcr.microsoft.com; this machine's SDK and NuGet cache mounted into the build stage, offline), and
#      PostgreSQL, Redis and nginx images from Debian's packages for the check only;
#   2. runs them on a podman network: PostgreSQL, Redis, two backends (one DNS name), two gateways (reaching the
#      backends through `dns:///backend:5001`, round-robin), nginx as the ingress (round-robin over the gateways);
#      every Huiqi container non-root, read-only root file system, secrets from this run's environment only;
#   3. reads through the ingress with wrk while a writer creates profiles, and during the run (a) kills one backend,
#      (b) kills one gateway, (c) restarts Redis; prints requests, failures and p99 per phase, and counts rows;
#   4. publishes a policy through one gateway and waits for the enterprise's event on a stream held by the other.
# The gateways' answer cache is off (every read reaches a backend) and rate limits are off (one client address makes
# all the load). Bounded in time (about 6 minutes on 2 cores with a warm cache). Usage: deploy/check.sh [seconds per phase = 20]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PHASE="${1:-20}"
export CONTAINERS_CONF="$ROOT/deploy/check/containers.conf"
NET=huiqi-check
IMG=localhost/huiqi-check
started=$(date +%s)
say() { printf '[%4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

need=()
for tool in podman buildah debootstrap runc wrk curl openssl; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
  say "installing ${need[*]} from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah debootstrap runc wrk curl openssl >/dev/null
fi

WORK=$(mktemp -d /tmp/huiqi-check-XXXX)
cleanup() {
  [ -n "${HUIQI_CHECK_KEEP:-}" ] && { echo "kept: containers and $WORK (HUIQI_CHECK_KEEP)"; return; }
  podman rm -f -t 0 ingress gateway-1 gateway-2 backend-1 backend-2 redis postgres >/dev/null 2>&1 || true
  podman network rm -f "$NET" >/dev/null 2>&1 || true
  podman volume rm -f huiqi-check-backend-1 huiqi-check-backend-2 >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup; WORK=$(mktemp -d /tmp/huiqi-check-XXXX)

echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)" GiB"}'), $(podman --version), dotnet $(dotnet --version)"

# ---- 1. images -------------------------------------------------------------------------------------------------
if ! podman image exists "$IMG/base:bookworm"; then
  say "base: debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; exit 1; }
  tar -C "$WORK/rootfs" -c . | podman import -q - "$IMG/base:bookworm" >/dev/null
  rm -rf "$WORK/rootfs"
fi
build() { # name containerfile [args...]
  local name=$1 file=$2; shift 2
  local t0=$(date +%s)
  podman build -q -f "$file" -t "$IMG/$name" "$@" >"$WORK/build-${name%%:*}.log" 2>&1 || { tail -30 "$WORK/build-${name%%:*}.log"; exit 1; }
  say "image $IMG/$name built in $(( $(date +%s) - t0 )) s, $(podman image inspect "$IMG/$name" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
}
build runtime-deps:10.0 deploy/check/runtime-deps.Containerfile deploy/check
build sdk:10.0 deploy/check/sdk.Containerfile deploy/check
build postgres:15 deploy/check/postgres.Containerfile deploy/check
build redis:7 deploy/check/redis.Containerfile deploy/check
build ingress:check deploy/check/ingress.Containerfile .
# The runtime packs of a self-contained publish into this machine's cache (the build itself runs with no network).
for project in src/Huiqi.Gateway src/Huiqi.Backend; do
  dotnet restore "$project" -r linux-x64 -v q -nologo > "$WORK/restore.log" 2>&1 || { tail "$WORK/restore.log"; echo "FAIL: restore $project"; exit 1; }
done
NUGET_CACHE=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
DOTNET_DIR=$(dirname "$(readlink -f "$(command -v dotnet)")")
for project in Huiqi.Backend Huiqi.Gateway; do
  name=$(echo "${project#Huiqi.}" | tr '[:upper:]' '[:lower:]')
  build "$name:check" deploy/Dockerfile --network none --build-arg PROJECT="$project" \
    --build-arg SDK_IMAGE="$IMG/sdk:10.0" --build-arg RUNTIME_IMAGE="$IMG/runtime-deps:10.0" \
    --build-arg PUBLISH_ARGS=-p:NuGetAudit=false \
    -v "$DOTNET_DIR:/usr/share/dotnet:ro" -v "$NUGET_CACHE:/root/.nuget/packages:ro" .
  # What the runtime image must not hold, and how it runs.
  podman run --rm --entrypoint /bin/sh "$IMG/$name:check" -c \
    'test ! -e /usr/share/dotnet && test ! -e /usr/bin/dotnet && test "$(id -u)" = 1654' \
    || { echo "FAIL: $name image holds an SDK or runs as root"; exit 1; }
done

# Host tools for the load: a token minter (the same signing code as the platform) and the writer.
for tool in src/Huiqi.Cli bench/Huiqi.Bench; do
  dotnet build -c Release "$tool" -v q -nologo > "$WORK/build-tool.log" 2>&1 || { grep -E 'error' "$WORK/build-tool.log" | head; echo "FAIL: dotnet build $tool"; exit 1; }
done

# ---- 2. the production shape ----------------------------------------------------------------------------------
# Secrets for this run only, handed to podman through its environment (never on a command line or in a file here).
export POSTGRES_PASSWORD; POSTGRES_PASSWORD=$(openssl rand -hex 16)
export Auth__SigningKey; Auth__SigningKey=$(openssl rand -hex 32)
export ConnectionStrings__Postgres="Host=postgres;Username=huiqi;Password=$POSTGRES_PASSWORD;Database=huiqi;Timeout=3;Command Timeout=5"
# Which partner owns which fields: the very lines compose.yaml sets.
grep -o 'Huiqi__Trust__Owners__[^:]*: *[a-z_]*' deploy/compose.yaml | sed 's/: */=/' > "$WORK/owners.env"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
INGRESS_PORT=$(free_port); G1_PORT=$(free_port); G2_PORT=$(free_port); B1_PORT=$(free_port); B2_PORT=$(free_port)
podman network create "$NET" >/dev/null
HUIQI_RUN=(--network "$NET" --read-only --tmpfs /tmp:rw,size=64m --cap-drop ALL --security-opt no-new-privileges
           --memory 1500m -e Huiqi__DataDir=/tmp/huiqi -e Logging__LogLevel__Default=Warning)
wait_ready() { # url seconds
  for _ in $(seq 1 "$2"); do curl -sf -o /dev/null "$1" && return 0; sleep 1; done
  curl -s "$1"; echo; echo "FAIL: $1 not ready after $2 s"; return 1
}
# A backend is ready when its gRPC health service answers SERVING (the readiness probe of k8s/huiqi.yaml), asked by
# curl over h2c: an empty HealthCheckRequest frame in, the frame 00 00000002 08 01 (status = SERVING) out.
wait_backend() { # container port
  for _ in $(seq 1 180); do
    printf '\0\0\0\0\0' | curl -s --max-time 2 --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
      --data-binary @- "http://127.0.0.1:$2/grpc.health.v1.Health/Check" 2>/dev/null | od -An -tx1 | tr -d ' \n' | grep -q '^00000000020801' && return 0
    sleep 1
  done
  podman logs --tail 10 "$1" 2>&1 | cut -c1-400; echo "FAIL: $1 not ready"; return 1
}

podman run -d --name postgres "${HUIQI_RUN[@]:0:2}" -e POSTGRES_PASSWORD "$IMG/postgres:15" >/dev/null
podman run -d --name redis "${HUIQI_RUN[@]:0:2}" "$IMG/redis:7" >/dev/null
for _ in $(seq 1 60); do podman exec postgres pg_isready -q -h 127.0.0.1 2>/dev/null && break; sleep 1; done
start_backend() { # name port [extra args]
  local name=$1 port=$2; shift 2
  podman run -d --name "$name" --network-alias backend "${HUIQI_RUN[@]}" -p "127.0.0.1:$port:5001" --env-file "$WORK/owners.env" \
    -v "huiqi-check-$name:/var/lib/huiqi" -e Huiqi__Index__SnapshotPath=/var/lib/huiqi/index.snapshot \
    -e Logging__LogLevel__Huiqi.Storage.Matching=Information \
    -e Backend__Listen=http://0.0.0.0:5001 -e Backend__MetricsListen=http://0.0.0.0:9464 -e Huiqi__Store__Provider=postgres \
    -e ConnectionStrings__Postgres -e ConnectionStrings__Redis=redis:6379 -e Auth__SigningKey "$@" "$IMG/backend:check" >/dev/null
}
start_gateway() { # name port
  podman run -d --name "$1" "${HUIQI_RUN[@]}" -p "127.0.0.1:$2:8080" \
    -e Gateway__Listen=http://0.0.0.0:8080 -e Gateway__MetricsListen=http://0.0.0.0:9465 \
    -e Gateway__BackendAddress=dns:///backend:5001 -e ConnectionStrings__Redis=redis:6379 -e Auth__SigningKey \
    -e Gateway__RateLimit__Enabled=false -e Gateway__AnswerCacheSeconds=0 "$IMG/gateway:check" >/dev/null
}
t0=$(date +%s)
# The first backend migrates the schema and seeds the demo population; the second starts on what it finds.
start_backend backend-1 "$B1_PORT" -e Huiqi__Demo__Seed=true -e Huiqi__Demo__Population=10000
wait_backend backend-1 "$B1_PORT"
start_backend backend-2 "$B2_PORT"
wait_backend backend-2 "$B2_PORT"
start_gateway gateway-1 "$G1_PORT"; start_gateway gateway-2 "$G2_PORT"
wait_ready "http://127.0.0.1:$G1_PORT/readyz" 60; wait_ready "http://127.0.0.1:$G2_PORT/readyz" 60
podman run -d --name ingress --network "$NET" -p "127.0.0.1:$INGRESS_PORT:80" "$IMG/ingress:check" >/dev/null
wait_ready "http://127.0.0.1:$INGRESS_PORT/readyz" 30
say "shape up in $(( $(date +%s) - t0 )) s: postgres, redis, backend-1/2, gateway-1/2, ingress on 127.0.0.1:$INGRESS_PORT"
podman ps --format '{{.Names}} {{.Image}} {{.Status}}' | sed 's/^/  /'
sleep 10 # the first 免申即享 pass over the demo data

token() { dotnet src/Huiqi.Cli/bin/Release/net10.0/huiqi.dll token "$@"; }
ADMIN=$(token --role admin --sub deploy-check)
PARTNER=$(token --role partner --sub deploy-check-feed --scope "profiles:write profiles:read")
URL="http://127.0.0.1:$INGRESS_PORT"
# The enterprises to read as: those a demo policy matches (asked until the backends' first pass lets them answer).
for _ in $(seq 1 30); do
  curl -s "$URL/v1/policies/lz-utilities-subsidy/matches?limit=150" -H "Authorization: Bearer $ADMIN" \
    | { grep -o '"uscc":"[^"]*"' || true; } | cut -d'"' -f4 > "$WORK/usccs.txt"
  [ -s "$WORK/usccs.txt" ] && break; sleep 2
done
[ -s "$WORK/usccs.txt" ] || { echo "FAIL: no enterprises matched through the ingress"; exit 1; }
while read -r u; do token --role enterprise --uscc "$u"; done < "$WORK/usccs.txt" > "$WORK/tokens.txt"
export HUIQI_TOKENS="$WORK/tokens.txt" # read by bench/eligibility-as-many.lua

rows() { podman exec postgres sh -c "PGPASSWORD=\$POSTGRES_PASSWORD psql -h 127.0.0.1 -U huiqi -d huiqi -tAc \"SELECT count(*) FROM enterprises WHERE uscc LIKE '$1%'\""; }
phase() { # name fault-command
  local name=$1 fault=$2 prefix
  prefix="91620102$(printf '%02d' "$((RANDOM % 90 + 10))")"
  local before; before=$(rows "$prefix")
  dotnet bench/Huiqi.Bench/bin/Release/net10.0/Huiqi.Bench.dll writes --url "$URL" --token "$PARTNER" --seconds "$PHASE" --prefix "$prefix" > "$WORK/$name.writes" &
  local writer=$!
  ( sleep 5; eval "$fault" ) > "$WORK/$name.fault" 2>&1 &
  local faulter=$!
  # Beside the load, one request to each gateway every half second: what a failing read was answered, if one fails.
  ( end=$(( $(date +%s) + PHASE )); while [ "$(date +%s)" -lt "$end" ]; do
      for port in "$G1_PORT" "$G2_PORT"; do
        printf '%s %s %s\n' "$(date +%s.%N | cut -c1-14)" "$port" \
          "$(curl -s --max-time 6 -w ' %{http_code}' "http://127.0.0.1:$port/v1/me/eligibility" -H "Authorization: Bearer $(head -1 "$WORK/tokens.txt")" | tail -c 200)"
      done; sleep 0.5; done ) > "$WORK/$name.samples" 2>&1 &
  local sampler=$!
  wrk -t2 -c32 -d"${PHASE}s" --latency -s bench/eligibility-as-many.lua "$URL" > "$WORK/$name.wrk"
  wait "$writer" "$faulter" "$sampler" || true
  sleep 2
  local total non2xx errors p99 ok refused after
  total=$(awk '/requests in/ {print $1}' "$WORK/$name.wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.wrk"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' "$WORK/$name.wrk"); errors=${errors:-0}
  p99=$(awk '/ 99%/ {print $2}' "$WORK/$name.wrk")
  ok=$(awk '$1 >= 200 && $1 < 300' "$WORK/$name.writes" | wc -l)
  refused=$(awk '$1 < 200 || $1 >= 300' "$WORK/$name.writes" | wc -l)
  after=$(rows "$prefix")
  echo "$name: reads=$total failed_reads=$((non2xx + errors)) (non2xx=$non2xx socket_errors=$errors) p99=$p99 | writes_acknowledged=$ok writes_refused=$refused rows_added=$((after - before)) lost=$(( ok > after - before ? ok - (after - before) : 0 )) unacknowledged_rows=$(( after - before > ok ? after - before - ok : 0 ))"
  echo "$name $((non2xx + errors)) $ok $((after - before))" >> "$WORK/summary"
  if [ "$((non2xx + errors))" != 0 ]; then
    echo "  sampled answers that were not 200 (time, gateway port, body … status):"
    grep -v ' 200$' "$WORK/$name.samples" | head -5 | cut -c1-220 | sed 's/^/    /'
  fi
}

set +e
say "load: wrk -t2 -c32 ${PHASE}s per phase over $(wc -l < "$WORK/tokens.txt") enterprises through the ingress, a writer beside it; faults 5 s in"
wrk -t2 -c32 -d10s -s bench/eligibility-as-many.lua "$URL" >/dev/null # warm-up (tiered JIT)
phase baseline 'true'
phase backend_killed 'podman kill -s KILL backend-1'
t_restart=$(date +%s%N)
podman start backend-1 >/dev/null; wait_backend backend-1 "$B1_PORT"
echo "backend-1 restarted: ready after $(( ($(date +%s%N) - t_restart) / 1000000 )) ms ($(podman logs backend-1 2>&1 | grep -o 'ready from its snapshot\|index loaded: [0-9]* enterprises' | tail -1 || echo '?'))"
sleep 15 # rejoins at the gateways' next resolution
phase gateway_killed 'podman kill -s KILL gateway-1'
podman start gateway-1 >/dev/null; wait_ready "http://127.0.0.1:$G1_PORT/readyz" 60
phase redis_restarted 'podman restart -t 0 redis'
set -e

# ---- 4. one gateway publishes, the other's stream hears it -----------------------------------------------------
SUBJECT=$(sed -n 1p "$WORK/usccs.txt")
OWNER=$(token --role enterprise --uscc "$SUBJECT")
curl -sN --max-time 40 "http://127.0.0.1:$G2_PORT/v1/me/notifications/stream" -H "Authorization: Bearer $OWNER" > "$WORK/stream.txt" &
STREAM=$!
sleep 2
POLICY="deploy-check-$(date +%s)"
cat > "$WORK/policy.json" <<JSON
{"id": "$POLICY", "title": "部署检查专项补贴", "issuer": "部署检查", "jurisdiction": "620100",
 "criteria": {"all": [{"field": "region", "op": "under", "value": "620100"}]}, "benefit": {"fixedFen": 100000}}
JSON
t_publish=$(date +%s%N)
curl -sf -X POST "http://127.0.0.1:$G1_PORT/v1/policies" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  --data @"$WORK/policy.json" -o "$WORK/created.json" -w '%{http_code}\n' > "$WORK/create.status" || true
curl -sf -X POST "http://127.0.0.1:$G1_PORT/v1/policies/$POLICY/publish" -H "Authorization: Bearer $ADMIN" -o "$WORK/published.json" \
  -w '%{http_code}\n' > "$WORK/publish.status" || true
heard=""
for _ in $(seq 1 300); do grep -q "$POLICY" "$WORK/stream.txt" && { heard=$(( ($(date +%s%N) - t_publish) / 1000000 )); break; }; sleep 0.1; done
kill "$STREAM" 2>/dev/null || true
echo "publish via gateway-1: create=$(cat "$WORK/create.status") publish=$(cat "$WORK/publish.status"); event for $SUBJECT on gateway-2's stream: ${heard:-NOT SEEN} ms"

# ---- verdict ---------------------------------------------------------------------------------------------------
failed_reads=$(awk '{s += $2} END {print s}' "$WORK/summary")
lost=$(awk '$3 > $4 {s += $3 - $4} END {print s + 0}' "$WORK/summary")
say "total: failed_reads=$failed_reads writes_lost=$lost (a write answered 2xx is in the table; PUTs of distinct USCCs cannot double a row)"
if [ "$failed_reads" != 0 ] || [ "$lost" != 0 ] || [ -z "$heard" ]; then
  echo "--- what the gateways answer now, as the first enterprise:"
  for port in "$G1_PORT" "$G2_PORT" "$G1_PORT" "$G2_PORT"; do
    curl -s -o /dev/null -w "gateway :$port → %{http_code}\n" "http://127.0.0.1:$port/v1/me/eligibility" -H "Authorization: Bearer $(head -1 "$WORK/tokens.txt")"
  done
  for c in gateway-1 gateway-2 backend-1 backend-2; do echo "--- $c"; podman logs --tail 15 "$c" 2>&1 | cut -c1-400; done
  echo "FAIL"; exit 1
fi
echo "PASS"
