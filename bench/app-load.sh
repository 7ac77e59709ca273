#!/usr/bin/env bash
# The faces' figures in the machine's Chromium (issues: wave 2, 4 and 5 of 7), against the embedded default with
# the demo data, signed in as the showcase enterprise:
#   1. Lighthouse, mobile preset (simulated slow 4G and 4x CPU): performance, accessibility and best-practices scores;
#   2. Lighthouse with real throttling on loopback: Chrome's CPU slowed 4x (Emulation.setCPUThrottlingRate), no network
#      throttling — time to interactive after the first byte, and the bytes loaded before home is shown;
#   3. the console's 政策沙盘: from a change of the criteria text to the sandbox redrawn (bench/console-sandbox.mjs).
# Usage: bench/app-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CHROME_PATH="${CHROME_PATH:-$(command -v chromium)}"; export CHROME_PATH
(cd bench/lighthouse && npm install --no-audit --no-fund --loglevel=error) # `npm ci` trips over this lock file (npm 11: "Missing: third-party-web"); install keeps to it
DATA="$(mktemp -d /tmp/huiqi-app-XXXX)"; PORT=18085
dotnet build -c Release src/Huiqi.Gateway -v q -nologo >/dev/null
ASPNETCORE_ENVIRONMENT=Development Huiqi__DataDir="$DATA" Gateway__Listen="http://127.0.0.1:$PORT" \
  Gateway__EmbeddedBackendListen="http://127.0.0.1:15085" Gateway__MetricsListen="http://127.0.0.1:15086" Logging__LogLevel__Default=Warning \
  bash -c 'cd src/Huiqi.Gateway/bin/Release/net10.0 && exec dotnet Huiqi.Gateway.dll' > "$DATA/gateway.log" 2>&1 &
GATEWAY=$!
trap 'kill $GATEWAY 2>/dev/null; wait $GATEWAY 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
sleep 15 # the first 免申即享 pass
URL="http://127.0.0.1:$PORT/app/?dev-uscc=91620102MA74HQ1XKE"
LH=bench/lighthouse/node_modules/.bin/lighthouse
FLAGS=(--chrome-flags="--headless=new --no-sandbox --disable-gpu" --quiet --output=json)
echo "machine: $(nproc) cores, $(chromium --version)"
$LH "$URL" "${FLAGS[@]}" --output-path="$DATA/mobile.json" --only-categories=performance,accessibility,best-practices
node -e '
const r = require(process.argv[1]); const c = r.categories, a = r.audits;
console.log(`lighthouse_mobile: performance=${Math.round(c.performance.score*100)} accessibility=${Math.round(c.accessibility.score*100)} best_practices=${Math.round(c["best-practices"].score*100)}`);
console.log(`  fcp_ms=${Math.round(a["first-contentful-paint"].numericValue)} lcp_ms=${Math.round(a["largest-contentful-paint"].numericValue)} tbt_ms=${Math.round(a["total-blocking-time"].numericValue)} cls=${a["cumulative-layout-shift"].numericValue.toFixed(3)} (simulated slow 4G, 4x CPU)`);
for (const id of Object.keys(a)) { const x = a[id]; if (x.score !== null && x.score < 0.9 && x.scoreDisplayMode !== "informative" && x.scoreDisplayMode !== "notApplicable") console.log(`  below 0.9: ${id} (${x.title})`); }
' "$DATA/mobile.json"
$LH "$URL" "${FLAGS[@]}" --output-path="$DATA/loopback.json" --only-categories=performance --throttling-method=devtools \
  --throttling.cpuSlowdownMultiplier=4 --throttling.requestLatencyMs=0 --throttling.downloadThroughputKbps=0 --throttling.uploadThroughputKbps=0
node -e '
const r = require(process.argv[1]); const a = r.audits;
const ttfb = a["server-response-time"].numericValue;
const items = a["network-requests"].details.items;
const bytes = items.reduce((s, i) => s + (i.transferSize || 0), 0);
console.log(`loopback_4x_cpu: interactive_ms=${Math.round(a.interactive.numericValue)} (after the first byte: ${Math.round(a.interactive.numericValue - ttfb)}) fcp_ms=${Math.round(a["first-contentful-paint"].numericValue)} requests=${items.length} transferred_bytes=${bytes}`);
for (const i of items) console.log(`  ${i.transferSize}\t${i.resourceType}\t${i.url.replace(/^https?:\/\/[^/]+/, "")}`);
' "$DATA/loopback.json"
# The console's sandbox: from a change of the criteria text to the redrawn dry run, the demo population (10,000).
node bench/console-sandbox.mjs "http://127.0.0.1:$PORT"
