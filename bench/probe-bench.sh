#!/usr/bin/env bash
# Probe benchmarks (docs/benchmarks.md): overhead on a target under a fixed request rate (unattached, attached with
# dotnet-tailguard, dotnet-trace collect with the same providers, in one run), analyze throughput from a file, and the
# probe's RSS over a longer session.
# Needs: wrk (apt-get install wrk), dotnet-trace (dotnet tool install -g dotnet-trace --version 10.0.750501).
# Debian ships neither wrk2 nor the HTTP bombardier (its 'bombardier' package is a game), so the load is wrk's closed loop at a
# fixed number of connections: the phases compare throughput and latency at the same concurrency.
# Usage: bench/probe-bench.sh [connections=32] [phase-seconds=20] [soak-seconds=120]
set -euo pipefail
CONNS=${1:-32}
SECS=${2:-20}
SOAK=${3:-120}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d)
DOTNET_TRACE=${DOTNET_TRACE:-$HOME/.dotnet/tools/dotnet-trace}

dotnet build "$ROOT/src/RuntimeProbe/Tool" -c Release -nologo -v q >/dev/null
dotnet build "$ROOT/tests/TailGuard.TargetApp" -c Release -nologo -v q >/dev/null
TOOL="$ROOT/src/RuntimeProbe/Tool/bin/Release/net10.0/dotnet-tailguard.dll"
APP="$ROOT/tests/TailGuard.TargetApp/bin/Release/net10.0/TailGuard.TargetApp.dll"

dotnet "$APP" > "$OUT/target.out" &
TARGET_SHELL=$!
cleanup() { kill "$TARGET_SHELL" 2>/dev/null || true; }
trap 'exit 1' INT TERM
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q LISTENING "$OUT/target.out" 2>/dev/null && break; sleep 0.1; done
URL=$(awk '/LISTENING/ {print $2}' "$OUT/target.out")
PID=$(awk '/LISTENING/ {print $4}' "$OUT/target.out")
TARGET="$URL/work?ms=1"

load() { # $1 = name: wrk output to $OUT/$1.txt
  wrk -t 2 -c "$CONNS" -d "${SECS}s" --latency "$TARGET" > "$OUT/$1.txt"
}
summary() { # $1 = name
  python3 - "$OUT/$1.txt" "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
total = int(re.search(r"(\d+) requests in", t).group(1))
p50 = ms(re.search(r"50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"99%\s+(\S+)", t).group(1))
mx = ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", t).group(1))
print(f"| {sys.argv[2]} | {rps:.0f} | {total} | {p50:.2f} | {p99:.2f} | {mx:.1f} |")
PY
}

echo "warm-up..." >&2
wrk -t 2 -c "$CONNS" -d 5s "$TARGET" > /dev/null

echo "unattached..." >&2
load unattached

echo "attached (dotnet-tailguard)..." >&2
# Background jobs of a script ignore SIGINT, so every session here ends by --duration.
dotnet "$TOOL" attach "$PID" --duration "$((SECS + 4))s" --format json -o "$OUT/probe-report.json" --no-live 2> "$OUT/probe.err" &
PROBE=$!
sleep 2
load attached
wait "$PROBE" || true

echo "dotnet-trace collect (same providers)..." >&2
"$DOTNET_TRACE" collect -p "$PID" --providers "$(dotnet "$TOOL" providers)" --duration "00:00:$((SECS + 4))" \
  -o "$OUT/dotnet-trace.nettrace" > "$OUT/dotnet-trace.out" 2>&1 < /dev/null &
TRACE=$!
sleep 2
load dotnet-trace
wait "$TRACE" || true

echo
echo "wrk -t 2 -c $CONNS, $SECS s per phase, GET /work?ms=1 (wrk's latencies in ms)"
echo
echo "| phase | req/s | requests | P50 ms | P99 ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|"
summary unattached
summary attached
summary dotnet-trace

echo
echo "analyze of the dotnet-trace file ($(du -h "$OUT/dotnet-trace.nettrace" | cut -f1)):"
for run in 1 2 3; do
  start=$(date +%s.%N)
  dotnet "$TOOL" analyze "$OUT/dotnet-trace.nettrace" --format json -o "$OUT/analyze.json" 2>/dev/null
  end=$(date +%s.%N)
  python3 - "$OUT/analyze.json" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["session"]
t = float(sys.argv[3]) - float(sys.argv[2])
print(f'  {s["traceEvents"]:,} events in {t:.2f} s (whole process, incl. startup): {s["traceEvents"]/t:,.0f} events/s')
PY
done

echo
echo "probe RSS over a $SOAK s session under wrk -c $CONNS:"
dotnet "$TOOL" attach "$PID" --duration "$((SOAK + 5))s" --format json -o "$OUT/soak.json" --no-live 2> /dev/null &
PROBE=$!
wrk -t 2 -c "$CONNS" -d "${SOAK}s" "$TARGET" > /dev/null &
LOAD=$!
for t in $(seq 0 10 "$SOAK"); do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$PROBE/status" 2>/dev/null || echo 0)
  echo "  t=${t}s RSS=$((rss / 1024)) MB"
  sleep 10
done
wait "$LOAD" || true
wait "$PROBE" || true
python3 -c "import json; r=json.load(open('$OUT/soak.json')); print('  soak report:', r['requests']['count'], 'requests,', r['session']['traceEvents'], 'events,', r['session']['eventsLost'], 'lost')"
echo "(raw results in $OUT)"
