#!/usr/bin/env bash
# What the probe's EventPipe providers cost the target (docs/benchmarks.md, "What each provider costs the target").
# tests/TailGuard.TargetApp (Release, 127.0.0.1) under samples/LoadDriver at a fixed rate on GET /work?ms=1, one run per provider
# set and round, interleaved and rotated: no session; runtime (GC, contention, thread pool + System.Runtime counters); + Kestrel;
# + ASP.NET Core hosting (without TPL's activity flow); probe (everything `attach` enables, without --stacks). Each session is
# bench/ProviderCost: no stacks, no rundown, its stream read and dropped, so only the target's cost of writing events remains.
# Reports the target's CPU seconds over each load run (user+sys from /proc) and the client's P99, medians over the rounds.
# Usage: bench/provider-cost.sh [--rate 2500] [--seconds 20] [--rounds 3]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=2500; SECS=20; ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "unknown option '$1'. Usage: bench/provider-cost.sh [--rate N] [--seconds N] [--rounds N]" >&2; exit 2 ;;
  esac
done
command -v python3 > /dev/null || { echo "python3 is needed" >&2; exit 1; }
OUT=$(mktemp -d)
for project in tests/TailGuard.TargetApp samples/LoadDriver bench/ProviderCost; do
  dotnet build "$ROOT/$project" -c Release -nologo -v q > /dev/null
done
APP=$ROOT/tests/TailGuard.TargetApp/bin/Release/net10.0/TailGuard.TargetApp.dll
DRIVER=$ROOT/samples/LoadDriver/bin/Release/net10.0/LoadDriver.dll
COST=$ROOT/bench/ProviderCost/bin/Release/net10.0/ProviderCost.dll

dotnet "$APP" > "$OUT/target.out" 2>&1 &
TARGET=$!
SESSION=""
cleanup() { [ -n "$SESSION" ] && kill "$SESSION" 2> /dev/null; kill "$TARGET" 2> /dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do grep -q LISTENING "$OUT/target.out" 2> /dev/null && break; sleep 0.1; done
URL=$(awk '/LISTENING/ {print $2}' "$OUT/target.out")
PID=$(awk '/LISTENING/ {print $4}' "$OUT/target.out")
case "$URL" in http://127.0.0.1:*) ;; *) echo "the target did not start on 127.0.0.1: $URL" >&2; exit 1 ;; esac
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

run() { # NAME SET
  SESSION=""
  if [ "$2" != none ]; then
    dotnet "$COST" "$PID" $((SECS + 30)) "$2" > "$OUT/$1.session" 2>&1 &
    SESSION=$!
    for _ in $(seq 200); do grep -q 'session started' "$OUT/$1.session" && break; sleep 0.1; done
  fi
  local before
  before=$(cpu_ticks "$PID")
  dotnet "$DRIVER" --target "$URL" --rate "$RATE" --duration "${SECS}s" --warmup 3s --mix '/work?ms=1' \
    --format json --output "$OUT/$1.json" 2> "$OUT/$1.err" || { cat "$OUT/$1.err" >&2; exit 1; }
  echo $(($(cpu_ticks "$PID") - before)) > "$OUT/$1.cpu"
  if [ -n "$SESSION" ]; then kill -TERM "$SESSION" 2> /dev/null || true; wait "$SESSION" 2> /dev/null || true; SESSION=""; fi
}

SETS=(none runtime kestrel hosting probe)
echo "machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run warm-up probe
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!SETS[@]}"; do
    set_name=${SETS[$(((i + round) % ${#SETS[@]}))]}
    echo "round $round/$ROUNDS: $set_name" >&2
    run "r$round-$set_name" "$set_name"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$OUT" "$RATE" "$SECS" "$ROUNDS" <<'PY'
import glob, json, os, statistics, sys
out, rate, secs, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
hz = os.sysconf('SC_CLK_TCK')
runs = {}
for path in glob.glob(out + '/r*-*.json'):
    name = os.path.basename(path)[:-5]
    set_name = name.split('-', 1)[1]
    report = json.load(open(path))
    cpu = int(open(out + '/' + name + '.cpu').read()) / hz
    runs.setdefault(set_name, []).append((cpu, report['latencyMs']['p99'], report['ok'], report['sent']))
labels = {'none': 'no session', 'runtime': 'runtime + System.Runtime counters', 'kestrel': '+ Kestrel',
          'hosting': '+ ASP.NET Core hosting', 'probe': '+ TPL activity flow (= attach)'}
base_cpu = statistics.median(r[0] for r in runs['none'])
base_p99 = statistics.median(r[1] for r in runs['none'])
print(f"Target CPU at {rate} req/s for {secs} s (GET /work?ms=1), medians of {rounds} interleaved rounds:\n")
print("| provider set | target CPU s | vs no session | runs | client P99 ms | vs no session | ok / sent |")
print("|---|---:|---:|---|---:|---:|---:|")
for key in ['none', 'runtime', 'kestrel', 'hosting', 'probe']:
    rs = runs.get(key, [])
    if not rs:
        continue
    cpu = statistics.median(r[0] for r in rs)
    p99 = statistics.median(r[1] for r in rs)
    ok = sum(r[2] for r in rs); sent = sum(r[3] for r in rs)
    print(f"| {labels[key]} | {cpu:.2f} | {100 * (cpu / base_cpu - 1):+.1f}% | {', '.join(f'{r[0]:.2f}' for r in rs)} "
          f"| {p99:.2f} | {100 * (p99 / base_p99 - 1):+.1f}% | {ok:,} / {sent:,} |")
PY
