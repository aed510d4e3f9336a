#!/usr/bin/env bash
# `dotnet-tailguard analyze` throughput (docs/benchmarks.md, "`analyze` throughput").
#
# Without a trace it records one: tests/TailGuard.TargetApp (Release, 127.0.0.1, a 200 MB live heap) under samples/LoadDriver's
# open-loop load (RATE req/s for SECONDS s, a mix of async and instant endpoints) with a few compacting gen2 collections, a
# pool-starvation burst and lock contention in the middle, while `dotnet-tailguard attach --nettrace` records it; plus a tiny
# trace (an idle 1 s session) for the whole process's fixed cost.
#
# Then, on the trace:
#  - in-process (bench/AnalyzeBench): TraceEvent's raw parse (the ceiling) and the probe's pipeline (file → decoder →
#    correlator → report → JSON), ITERATIONS runs each, interleaved, median wall and CPU (user+sys of the process);
#  - whole process: `dotnet-tailguard analyze --format json` under /usr/bin/time, on the trace and on the tiny trace (the
#    difference is the pipeline without runtime start and JIT).
# With --baseline REF, the same library at git REF (exported to a temp dir) runs side by side in the same run, and the JSON
# reports of both are compared (they must be identical: the report has no timing fields).
#
# Usage: bench/analyze-bench.sh [--trace FILE [--tiny FILE]] [--rate 4000] [--seconds 20] [--iterations 7] [--baseline REF] [--keep DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRACE=""
TINY=""
RATE=4000
SECONDS_LOAD=20
ITERATIONS=7
BASELINE=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --trace) TRACE=$2; shift 2 ;;
    --tiny) TINY=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECONDS_LOAD=$2; shift 2 ;;
    --iterations) ITERATIONS=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --keep) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

build() { dotnet build "$1" -c Release -nologo -v q "${@:2}" > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }; }
build "$ROOT/src/Tool"
build "$ROOT/bench/AnalyzeBench"
TOOL="$ROOT/src/Tool/bin/Release/net10.0/dotnet-tailguard.dll"
BENCH="$ROOT/bench/AnalyzeBench/bin/Release/net10.0/AnalyzeBench.dll"

if [ -z "$TRACE" ]; then
  build "$ROOT/tests/TailGuard.TargetApp"
  build "$ROOT/samples/LoadDriver"
  APP="$ROOT/tests/TailGuard.TargetApp/bin/Release/net10.0/TailGuard.TargetApp.dll"
  DRIVER="$ROOT/samples/LoadDriver/bin/Release/net10.0/LoadDriver.dll"
  TARGET_HEAP_MB=200 dotnet "$APP" > "$OUT/target.out" &
  TARGET_SHELL=$!
  trap 'kill "$TARGET_SHELL" 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do grep -q LISTENING "$OUT/target.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(awk '/LISTENING/ {print $2}' "$OUT/target.out")
  PID=$(awk '/LISTENING/ {print $4}' "$OUT/target.out")
  [ -n "$PID" ] || { echo "the target did not start" >&2; exit 1; }

  echo "tiny trace (idle 1 s session)..." >&2
  dotnet "$TOOL" attach "$PID" --duration 1s --no-live --format json -o "$OUT/tiny-attach.json" --nettrace "$OUT/tiny.nettrace" 2> "$OUT/tiny-attach.err"

  echo "warm-up, then ${SECONDS_LOAD} s at ${RATE} req/s while attach records..." >&2
  dotnet "$DRIVER" -t "$URL" -r "$RATE" -d 3s -m "/work?ms=1=3" "/ok=1" > /dev/null 2>&1
  dotnet "$TOOL" attach "$PID" --duration "$((SECONDS_LOAD + 3))s" --no-live --format json -o "$OUT/attach.json" \
    --nettrace "$OUT/bench.nettrace" 2> "$OUT/attach.err" &
  PROBE=$!
  sleep 1.5
  dotnet "$DRIVER" -t "$URL" -r "$RATE" -d "${SECONDS_LOAD}s" -m "/work?ms=1=3" "/ok=1" -f json -o "$OUT/load.json" 2> "$OUT/load.err" &
  LOAD=$!
  # The adversities the report attributes the tail to: GC pauses, a starvation episode, contention windows.
  sleep $((SECONDS_LOAD / 4))
  curl -s -X POST "$URL/adversity/gc?count=4&gapMs=1500" > /dev/null
  sleep $((SECONDS_LOAD / 4))
  curl -s -X POST "$URL/adversity/starve?items=16&sleepMs=1500" > /dev/null
  curl -s -X POST "$URL/adversity/contention?threads=4&holdMs=5&rounds=200" > /dev/null
  wait "$LOAD" || true
  wait "$PROBE" || true
  kill "$TARGET_SHELL" 2>/dev/null || true
  TRACE="$OUT/bench.nettrace"
  TINY="$OUT/tiny.nettrace"
  python3 -c "import json; r=json.load(open('$OUT/load.json')); print('  load driver:', {k: r[k] for k in r if not isinstance(r[k], (dict, list))})" 2>/dev/null || true
fi

if [ -n "$BASELINE" ]; then
  echo "baseline $BASELINE..." >&2
  BASE_SRC="$OUT/baseline-src"
  rm -rf "$BASE_SRC" && mkdir -p "$BASE_SRC"
  git -C "$ROOT" archive "$BASELINE" | tar -x -C "$BASE_SRC"
  rm -rf "$BASE_SRC/bench/AnalyzeBench" && cp -r "$ROOT/bench/AnalyzeBench" "$BASE_SRC/bench/AnalyzeBench"
  rm -rf "$BASE_SRC/bench/AnalyzeBench/bin" "$BASE_SRC/bench/AnalyzeBench/obj"
  # The tool moved from src/RuntimeProbe/Tool to src/Tool; a baseline from before the move has it at the old place.
  BASE_TOOL_DIR="$BASE_SRC/src/Tool"
  [ -d "$BASE_TOOL_DIR" ] || BASE_TOOL_DIR="$BASE_SRC/src/RuntimeProbe/Tool"
  build "$BASE_TOOL_DIR"
  build "$BASE_SRC/bench/AnalyzeBench"
  BASE_TOOL="$BASE_TOOL_DIR/bin/Release/net10.0/dotnet-tailguard.dll"
  BASE_BENCH="$BASE_SRC/bench/AnalyzeBench/bin/Release/net10.0/AnalyzeBench.dll"
fi

echo
echo "trace: $TRACE ($(du -h "$TRACE" | cut -f1)); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# In-process: one process per build, each measuring its raw parse and its pipeline ITERATIONS times, interleaved.
# Builds alternate too (current, baseline, current, baseline) so that noise from the shared machine hits both alike.
ROUNDS=1
[ -n "$BASELINE" ] && ROUNDS=2
for round in $(seq 1 "$ROUNDS"); do
  dotnet "$BENCH" "$TRACE" --iterations "$ITERATIONS" --label "current (run $round)" --json "$OUT/current-$round.report.json"
  if [ -n "$BASELINE" ]; then
    dotnet "$BASE_BENCH" "$TRACE" --iterations "$ITERATIONS" --label "baseline $BASELINE (run $round)" --json "$OUT/baseline-$round.report.json"
  fi
done

whole() { # $1 = tool dll, $2 = trace: prints "events wall cpu" of the run with the least CPU out of 3
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %U %S" -o "$OUT/time.txt" dotnet "$1" analyze "$2" --format json -o "$OUT/whole.json" 2> /dev/null || true
    local wall user sys events
    read -r wall user sys < "$OUT/time.txt"
    events=$(python3 -c "import json; print(json.load(open('$OUT/whole.json'))['session']['traceEvents'])")
    best=$(printf '%s\n%s %s %s\n' "$best" "$events" "$wall" "$(echo "$user + $sys" | bc)" | awk 'NF' | sort -k3,3g | head -1)
  done
  echo "$best"
}
echo
echo "whole process: dotnet-tailguard analyze --format json (the run with the least CPU of 3)"
report_whole() { # $1 label, $2 tool
  local ev wall cpu tev twall tcpu
  read -r ev wall cpu <<< "$(whole "$2" "$TRACE")"
  printf '  %-30s %9s events  wall %5.2f s  CPU %5.2f s  → %9.0f events/s  %9.0f events/CPU-s\n' \
    "$1" "$ev" "$wall" "$cpu" "$(echo "$ev / $wall" | bc -l)" "$(echo "$ev / $cpu" | bc -l)"
  if [ -n "$TINY" ]; then
    read -r tev twall tcpu <<< "$(whole "$2" "$TINY")"
    printf '  %-30s %9s events  wall %5.2f s  CPU %5.2f s  (fixed cost: start, JIT)\n' "$1, tiny trace" "$tev" "$twall" "$tcpu"
    printf '  %-30s pipeline alone: wall %5.2f s → %9.0f events/s; CPU %5.2f s → %9.0f events/CPU-s\n' "$1" \
      "$(echo "$wall - $twall" | bc)" "$(echo "($ev - $tev) / ($wall - $twall)" | bc -l)" \
      "$(echo "$cpu - $tcpu" | bc)" "$(echo "($ev - $tev) / ($cpu - $tcpu)" | bc -l)"
  fi
}
report_whole current "$TOOL"
[ -n "$BASELINE" ] && report_whole "baseline $BASELINE" "$BASE_TOOL"

if [ -n "$BASELINE" ]; then
  echo
  if cmp -s "$OUT/current-1.report.json" "$OUT/baseline-1.report.json"; then
    echo "report JSON: identical to the baseline's ($(wc -c < "$OUT/current-1.report.json") bytes)"
  else
    echo "report JSON: DIFFERS from the baseline's:"
    diff "$OUT/baseline-1.report.json" "$OUT/current-1.report.json" | head -40
    exit 1
  fi
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); raw results in $OUT"
