#!/usr/bin/env bash
# Runs the demo N times in a row, warm (built once first, then --no-build with --skip-find, as a second `dotnet run` would),
# and prints each run's adversarial and fixed P50/P95/P99/P99.9 (client side), their P99 ratio, the probe's P99 of both, whether
# the fixed phase met the study's bar, the demo's verdict, the load average at the start and end of the run and its time, then
# the spread over the runs (bench/demo-summary.py). docs/benchmarks.md records the results.
#
# Usage: bench/demo-repeat.sh [N=10] [--rate R] [--keep DIR] [-- more demo arguments]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=10
RATE=""
OUT=""
EXTRA=()
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then RUNS=$1; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=$2; shift 2 ;;
    --keep) OUT=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown argument $1 (usage: bench/demo-repeat.sh [N] [--rate R] [--keep DIR] [-- demo args])" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d -t demo-repeat-XXXXXX)}
mkdir -p "$OUT"

dotnet build "$ROOT/samples/Demo" -c Release -nologo -v q > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
DEMO="$ROOT/samples/Demo/bin/Release/net10.0/TailGuard.Demo.dll"
RATE_ARGS=()
[ -n "$RATE" ] && RATE_ARGS=(--rate "$RATE")

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), .NET $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'); runs in $OUT" >&2
for i in $(seq 1 "$RUNS"); do
  DIR="$OUT/run-$(printf '%02d' "$i")"
  mkdir -p "$DIR"
  LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
  STARTED=$(date +%s)
  # The demo exits 0 whatever its verdict; a failure is recorded and the next run goes on.
  dotnet "$DEMO" --skip-find -o "$DIR" "${RATE_ARGS[@]}" "${EXTRA[@]}" > "$DIR/demo.out" 2> "$DIR/demo.err" || echo "run $i failed: $(tail -1 "$DIR/demo.err")" >&2
  {
    echo "RATE=$(awk '/req\/s open loop/ {print $9; exit}' "$DIR/demo.out" | tr -d ',')"
    echo "LOAD_START=$LOAD_START"
    echo "LOAD_END=$(cut -d' ' -f1 /proc/loadavg)"
    echo "SECONDS=$(( $(date +%s) - STARTED ))"
  } > "$DIR/run.env"
  echo "run $i of $RUNS: $(grep -E '^(Verdict|No verdict)' "$DIR/demo.out" | cut -c1-150)" >&2
done

python3 "$ROOT/bench/demo-summary.py" "$OUT"/run-*
