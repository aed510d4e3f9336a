#!/usr/bin/env bash
# Analyzer overhead benchmark: generates >= 100,000 lines of async service code, compiles it with and without every
# TailGuard analyzer, and prints the "Analyzer overhead" section of docs/benchmarks.md.
#   bench/analyzers.sh                                   # in-process measure, 5 iterations
#   bench/analyzers.sh --dotnet-build                    # also `dotnet build` of the corpus with and without the analyzers
#   bench/analyzers.sh --record docs/benchmarks.md       # write the section into the file (replacing an older one)
#   bench/analyzers.sh --per-analyzer                    # also each analyzer alone against the no-op baselines (slow)
# Options: --lines N (default 100000), --iterations N (default 5), --build-iterations N (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_UI_LANGUAGE=en
dotnet build bench/AnalyzerBench -c Release -nologo -v:q
exec dotnet bench/AnalyzerBench/bin/Release/net10.0/TailGuard.AnalyzerBench.dll "$@"
