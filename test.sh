#!/usr/bin/env bash
# Runs every Huiqi test on this machine: installs what the tests need (redis-server, PostgreSQL, Chromium) when it is
# missing, builds the solution, runs every test project, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
# The app's browser tests: Debian's Chromium driven by Playwright (nothing downloaded) and CJK fonts to render zh-CN.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# The deployment files are checked without a cluster: docker-compose's parser for deploy/compose.yaml.
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The independent gRPC client of NodeClientTests (Node's @grpc/grpc-js), pinned by package-lock.json.
if ! command -v node >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends nodejs npm
fi
(cd tests/node-client && npm ci --no-audit --no-fund --loglevel=error)
# The Kubernetes schemas for deploy/k8s (kubernetes-models), pinned by package-lock.json.
(cd tests/manifests && npm ci --no-audit --no-fund --loglevel=error)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Gateway.sln -c Release

log=$(mktemp)
status=0
dotnet test Gateway.sln -c Release --no-build 2>&1 | tee "$log" || status=$?
# The engine's vector paths again as a machine without AVX-512 (AVX2) and without any SIMD would run them.
for isa in DOTNET_EnableAVX512F=0 DOTNET_EnableHWIntrinsic=0; do
  echo "== domain tests with $isa"
  env "$isa" dotnet test tests/Huiqi.Domain.Tests -c Release --no-build 2>&1 | tee -a "$log" || status=$?
done

# One plain closing line over every test project, e.g. "12 passed, 0 failed, 0 skipped".
awk '/(Passed|Failed)!  - Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s; if (p == 0) exit 1 }' "$log" || status=1
rm -f "$log"
exit $status
