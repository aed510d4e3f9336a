#!/usr/bin/env bash
# In-flight memory benchmark (docs/benchmarks.md): managed heap per concurrent suspended request of the adversarial sample's
# bloated handler and of its fixed version, and the exact state-machine sizes dotnet-tailguard reports for the sample itself.
# Usage: bench/inflight.sh [operations=100000] [repeats=3]
set -euo pipefail
OPS=${1:-100000}
REPEATS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

dotnet build "$ROOT/bench/InFlight" -c Release -nologo -v q >/dev/null
dotnet build "$ROOT/src/Tool" -c Release -nologo -v q >/dev/null

echo "== $(date -u +%Y-%m-%dT%H:%MZ) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GB"
dotnet "$ROOT/bench/InFlight/bin/Release/net10.0/InFlight.dll" "$OPS" "$REPEATS"

echo
echo "== dotnet-tailguard sizes on the sample (Release): the handlers the benchmark copies"
dotnet "$ROOT/src/Tool/bin/Release/net10.0/dotnet-tailguard.dll" sizes \
    "$ROOT/samples/AdversarialService/bin/Release/net10.0/AdversarialService.dll" --format markdown \
    | grep -E '^\| Bytes|^\|---|BloatedStateMachine'
