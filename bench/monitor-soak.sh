#!/usr/bin/env bash
# Soak of dotnet-tailguard monitor (docs/benchmarks.md, "monitor soak"). tests/TailGuard.TargetApp (Release, 127.0.0.1 only)
# serves GET /work?ms=1 under samples/LoadDriver at a FIXED rate (open loop) for --seconds, while
# `monitor -p <pid> --prometheus 127.0.0.1:<port> --window <window>` runs beside it. Every window this samples the monitor's
# VmRSS (/proc/<pid>/status) and its CPU time (/proc/<pid>/stat utime+stime), and scrapes /metrics for the requests and work
# items counted so far. At the end: RSS after warm-up (the first 3 windows left out) as min/max and its spread against the
# median, CPU seconds per window, the requests the monitor counted against LoadDriver's, and the events EventPipe dropped
# (the monitor's own line on standard error at the end).
#
# Usage: bench/monitor-soak.sh [--seconds 1800] [--rate 2000] [--window 60] [--out DIR]
set -euo pipefail

SECONDS_TOTAL=1800 RATE=2000 WINDOW=60 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TOTAL=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "monitor-soak: unknown option $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
TOOL="$ROOT/src/Tool/bin/Release/net10.0/dotnet-tailguard.dll"
APP="$ROOT/tests/TailGuard.TargetApp/bin/Release/net10.0/TailGuard.TargetApp.dll"
DRIVER="$ROOT/samples/LoadDriver/bin/Release/net10.0/LoadDriver.dll"
for project in src/Tool tests/TailGuard.TargetApp samples/LoadDriver; do
  dotnet build "$ROOT/$project" -c Release -nologo -v q > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
done

STARTED=()
cleanup() { local pid; for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done; sleep 1
            for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done; }
trap cleanup EXIT

env -u ASPNETCORE_URLS dotnet "$APP" > "$OUT/target.out" 2>&1 &
PID=$!; STARTED+=("$PID")
for _ in $(seq 1 300); do grep -q LISTENING "$OUT/target.out" 2> /dev/null && break; sleep 0.1; done
URL=$(awk '/LISTENING/ {print $2; exit}' "$OUT/target.out")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

dotnet "$TOOL" monitor -p "$PID" --prometheus "127.0.0.1:$PORT" --window "${WINDOW}s" > "$OUT/monitor.out" 2> "$OUT/monitor.err" &
MON=$!; STARTED+=("$MON")
sleep 5

dotnet "$DRIVER" --target "$URL" --rate "$RATE" --duration "${SECONDS_TOTAL}s" --warmup 3s --mix "/work?ms=1" \
  > "$OUT/driver.out" 2>&1 &
DRV=$!; STARTED+=("$DRV")

echo "window,elapsed_s,rss_kb,cpu_ticks,requests_counted,work_items_counted" > "$OUT/samples.csv"
start=$(date +%s)
n=0
while kill -0 "$DRV" 2> /dev/null; do
  sleep "$WINDOW"
  n=$((n + 1))
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$MON/status")
  cpu=$(awk '{print $14 + $15}' "/proc/$MON/stat")
  metrics=$(curl -s "http://127.0.0.1:$PORT/metrics" || true)
  req=$(echo "$metrics" | awk '/^tailguard_http_server_request_duration_seconds_count/ {s += $NF} END {print s + 0}')
  work=$(echo "$metrics" | awk '/^tailguard_thread_pool_scheduling_delay_seconds_count/ {s += $NF} END {print s + 0}')
  echo "$n,$(( $(date +%s) - start )),$rss,$cpu,$req,$work" >> "$OUT/samples.csv"
done
wait "$DRV" || true
sleep $((WINDOW + 5))
kill -TERM "$MON"; wait "$MON" || true

echo "monitor-soak: $(date -u +%FT%TZ), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/monitor-soak.sh --seconds $SECONDS_TOTAL --rate $RATE --window $WINDOW"
python3 - "$OUT/samples.csv" "$WINDOW" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
hz = 100
after = rows[3:] or rows
rss = [int(r["rss_kb"]) / 1024 for r in after]
med = statistics.median(rss)
cpu = [(int(b["cpu_ticks"]) - int(a["cpu_ticks"])) / hz for a, b in zip(rows, rows[1:])]
print(f"windows: {len(rows)}; RSS after warm-up {min(rss):.0f}-{max(rss):.0f} MB (median {med:.0f}; spread {100*(min(rss)-med)/med:+.1f}% / {100*(max(rss)-med)/med:+.1f}%)")
if cpu:
    print(f"monitor CPU per {sys.argv[2]} s window: median {statistics.median(cpu):.2f} s, max {max(cpu):.2f} s")
print(f"requests counted by the monitor: {rows[-1]['requests_counted']}; work items: {rows[-1]['work_items_counted']}")
PY
grep -h "requests\|ok/s" "$OUT/driver.out" | tail -3 || true
grep -h "dropped" "$OUT/monitor.err" || echo "events dropped: none reported"
echo "raw: $OUT"
