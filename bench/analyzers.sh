#!/usr/bin/env bash
# Analyzer overhead benchmark: generates >= 100,000 lines of async service code, compiles it with and without every
# TailGuard analyzer, and prints the "Analyzer overhead" section of docs/benchmarks.md.
#   bench/analyzers.sh                                   # in-process measure, 5 iterations
#   bench/analyzers.sh --dotnet-build                    # also `dotnet build` of the corpus with and without the analyzers
#   bench/analyzers.sh --record docs/benchmarks.md       # write the section into the file (replacing an older one)
#   bench/analyzers.sh --per-analyzer                    # also each analyzer alone against the no-op baselines (slow)
#   bench/analyzers.sh --baseline main --iterations 15   # before/after: the analyzers at git REF against this tree's
# Options: --lines N (default 100000), --iterations N (default 5), --build-iterations N (default 3).
#
# With --baseline REF, the analyzer assembly is also built at REF (the tree exported with git archive to a temp dir, built
# there) and the in-process driver runs the baseline's analyzers and this tree's, back to back in each iteration with the
# order alternating, in one process; it prints the ratio of TailGuard's analyzer callback time (and of the driver's CPU),
# then times the state-machine estimator alone (every async function, both builds); it checks that both builds report the
# same diagnostics and the same estimates (exit code 1 if not), and prints a section to paste into docs/benchmarks.md.
# Only that comparison runs (no --record, --dotnet-build or --per-analyzer).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_UI_LANGUAGE=en

ARGS=()
BASELINE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) BASELINE=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

if [ -n "$BASELINE" ]; then
  COMMIT=$(git -C "$ROOT" rev-parse --short "$BASELINE^{commit}")
  BASE_SRC=$(mktemp -d "${TMPDIR:-/tmp}/tailguard-baseline-XXXXXX")
  trap 'rm -rf "$BASE_SRC"' EXIT
  echo "baseline $BASELINE ($COMMIT): exporting to $BASE_SRC and building src/Analyzers there..." >&2
  git -C "$ROOT" archive "$COMMIT" | tar -x -C "$BASE_SRC"
  dotnet build "$BASE_SRC/src/Analyzers" -c Release -nologo -v:q > "$BASE_SRC/build.log" 2>&1 || { cat "$BASE_SRC/build.log" >&2; exit 1; }
  ARGS=(--baseline-ref "$BASELINE" --baseline-commit "$COMMIT"
    --baseline-assembly "$BASE_SRC/src/Analyzers/bin/Release/netstandard2.0/TailGuard.Analyzers.dll" ${ARGS[@]+"${ARGS[@]}"})
fi

dotnet build bench/AnalyzerBench -c Release -nologo -v:q
# Not exec: the baseline's temp dir is removed when the bench ends.
dotnet bench/AnalyzerBench/bin/Release/net10.0/TailGuard.AnalyzerBench.dll ${ARGS[@]+"${ARGS[@]}"}
