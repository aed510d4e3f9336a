#!/usr/bin/env bash
# Finds the rate the demo should run at: runs the whole demo (warm, --skip-find) at each rate of a ladder, ROUNDS times each,
# and prints, per run, the fixed phase's client-side P50/P95/P99/P99.9 and whether it met the study's bar (P99 <= 5 ms,
# P99.9 <= 12 ms), with the load average. The demo's default rate is about 70% of the highest rate at which the fixed phase
# met the bar in every round (DemoOptions.MeasuredHighestRate; docs/benchmarks.md records the measurement).
#
# Usage: bench/demo-rate.sh [--rounds 2] [--keep DIR] RATE...   (e.g. bench/demo-rate.sh 250 500 1000 2000 4000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=2
OUT=""
RATES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --keep) OUT=$2; shift 2 ;;
    *) RATES+=("$1"); shift ;;
  esac
done
[ ${#RATES[@]} -gt 0 ] || RATES=(250 500 1000 2000 4000)
OUT=${OUT:-$(mktemp -d -t demo-rate-XXXXXX)}

# Rounds outside, rates inside: the machine's load drifts, and this way it drifts over every rate alike.
for round in $(seq 1 "$ROUNDS"); do
  for rate in "${RATES[@]}"; do
    "$ROOT/bench/demo-repeat.sh" 1 --rate "$rate" --keep "$OUT/rate-$rate-$round" > /dev/null
    mv "$OUT/rate-$rate-$round/run-01" "$OUT/r$(printf '%05d' "$rate")-$round"
    rm -rf "$OUT/rate-$rate-$round"
  done
done

python3 "$ROOT/bench/demo-summary.py" "$OUT"/r*-*
python3 - "$OUT" "${RATES[@]}" <<'PY'
import json, os, sys
out, rates = sys.argv[1], [int(r) for r in sys.argv[2:]]
met = {}
for name in sorted(os.listdir(out)):
    if not name.startswith("r"):
        continue
    rate = int(name[1:].split("-")[0])
    try:
        fixed = json.load(open(os.path.join(out, name, "fixed.load.json")))["latencyMs"]
        ok = fixed["p99"] <= 5 and fixed["p999"] <= 12
    except (OSError, ValueError, KeyError):
        ok = False
    met.setdefault(rate, []).append(ok)
good = [rate for rate in sorted(met) if all(met[rate])]
print()
for rate in sorted(met):
    print(f"{rate:>6} req/s: fixed phase at the bar in {sum(met[rate])} of {len(met[rate])} rounds")
if good:
    print(f"highest rate at the bar in every round: {max(good)} req/s; 70% of it: {round(max(good) * 0.7)} req/s")
else:
    print("no rate met the bar in every round: the machine was too busy (see the load averages above)")
PY
