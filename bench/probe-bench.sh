#!/usr/bin/env bash
# Probe benchmarks (docs/benchmarks.md, "dotnet-tailguard (the probe)").
#
# 1. Overhead on the target at a FIXED request rate. tests/TailGuard.TargetApp (Release, 127.0.0.1 only) serves
#    GET /work?ms=1 under samples/LoadDriver (Release dll): an open-loop driver, so latency runs from each request's intended
#    start and a slowed target cannot hide its stall (wrk's closed loop cannot show P99 at a fixed rate). Three phases against
#    the same target process:
#      unattached    no session;
#      attached      dotnet-tailguard attach <pid> --format json -o ... --no-live (no --stacks);
#      dotnet-trace  dotnet-trace collect -p <pid> --providers "$(dotnet-tailguard providers)" (the same providers).
#    A session starts before its phase's load and is stopped (SIGTERM: report written, trace completed) after it. The phases
#    run INTERLEAVED for several rounds, their order rotated each round (U A T, A T U, T U A, ...), after one discarded warm-up
#    round, so that drift on a shared machine lands on every phase alike. Each load run first sends at the same rate for
#    --warmup-seconds (left out of its figures: the client's own cold start). Reported per phase: medians over the rounds of
#    completed ok/s, P50/P99/P99.9 (LoadDriver's HdrHistogram, ms), errors and timeouts summed, ratios to unattached, and the
#    probe's events and lost events per attached phase.
# 2. analyze throughput on the last dotnet-trace file (3 runs of the whole command).
# 3. Soak: one attach session for --soak-seconds under LoadDriver at --soak-rate; the VmRSS of the attach process from
#    /proc/<pid>/status every 10 s, the rate LoadDriver achieved, and the events, requests and lost events of the session.
#
# Usage: bench/probe-bench.sh [options]
#   --rate N             fixed rate of the overhead phases, req/s          (default 2500)
#   --phase-seconds N    measured seconds per phase                         (default 20)
#   --rounds N           interleaved rounds                                 (default 3)
#   --warmup-seconds N   per-run client warm-up at the same rate            (default 3)
#   --soak-seconds N     length of the soak session                         (default 600)
#   --soak-rate N        rate of the soak, req/s                            (default 5000)
#   --skip-overhead | --skip-analyze | --skip-soak
#   --out DIR            keep raw results here                              (default: a new temp dir)
#   --baseline-tool DLL  also an "attached (baseline)" phase: attach with another build of dotnet-tailguard.dll (for
#                        example the previous default providers), interleaved with the others
#   --skip-dotnet-trace  no dotnet-trace phase
#   --stacks             also an "attached --stacks" phase (blocking sites and the pool-holder sampler's second session)
# Example, a short check: bench/probe-bench.sh --phase-seconds 5 --rounds 1 --soak-seconds 30
# Needs: dotnet (SDK 10), python3, and for the overhead phases dotnet-trace
#   (dotnet tool install -g dotnet-trace --version 10.0.750501; or set DOTNET_TRACE to its path).
# Everything listens on 127.0.0.1 only; the sessions use the runtime's local diagnostics socket.
set -euo pipefail

RATE=2500 SECS=20 ROUNDS=3 WARM=3 SOAK=600 SOAK_RATE=5000 OUT=""
DO_OVERHEAD=1 DO_ANALYZE=1 DO_SOAK=1 BASELINE_TOOL="" DO_TRACE=1 DO_STACKS=0
usage() { sed -n '/^# Usage:/,/^# Everything/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "probe-bench: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=${2:?}; shift 2 ;;
    --phase-seconds) SECS=${2:?}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --warmup-seconds) WARM=${2:?}; shift 2 ;;
    --soak-seconds) SOAK=${2:?}; shift 2 ;;
    --soak-rate) SOAK_RATE=${2:?}; shift 2 ;;
    --skip-overhead) DO_OVERHEAD=0; shift ;;
    --skip-analyze) DO_ANALYZE=0; shift ;;
    --skip-soak) DO_SOAK=0; shift ;;
    --out) OUT=${2:?}; shift 2 ;;
    --baseline-tool) BASELINE_TOOL=${2:?}; shift 2 ;;
    --skip-dotnet-trace) DO_TRACE=0; shift ;;
    --stacks) DO_STACKS=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
for n in "$RATE" "$SECS" "$ROUNDS" "$WARM" "$SOAK" "$SOAK_RATE"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a whole number"
done
[ "$ROUNDS" -ge 1 ] && [ "$SECS" -ge 1 ] && [ "$RATE" -ge 1 ] || die "rate, phase seconds and rounds must be at least 1"

command -v dotnet > /dev/null || die "dotnet not found (needs the .NET 10 SDK)"
command -v python3 > /dev/null || die "python3 not found (apt-get install python3)"
DOTNET_TRACE=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
if [ "$DO_OVERHEAD" = 1 ] && [ "$DO_TRACE" = 1 ] && [ ! -x "$DOTNET_TRACE" ]; then
  die "dotnet-trace not found at '$DOTNET_TRACE': dotnet tool install -g dotnet-trace --version 10.0.750501 (or set DOTNET_TRACE, or --skip-overhead)"
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
TOOL="$ROOT/src/Tool/bin/Release/net10.0/dotnet-tailguard.dll"
APP="$ROOT/tests/TailGuard.TargetApp/bin/Release/net10.0/TailGuard.TargetApp.dll"
DRIVER="$ROOT/samples/LoadDriver/bin/Release/net10.0/LoadDriver.dll"
for project in src/Tool tests/TailGuard.TargetApp samples/LoadDriver; do
  dotnet build "$ROOT/$project" -c Release -nologo -v q > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; die "build of $project failed"; }
done

# Every process this script starts and has not yet waited for, so that exit, Ctrl+C or a failure leaves none behind
# (a process waited for leaves the list: its pid may be reused).
STARTED=()
forget() { local pid kept=(); for pid in "${STARTED[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done; STARTED=("${kept[@]}"); }
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  sleep 0.5
  for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT
trap 'echo "probe-bench: interrupted" >&2; exit 130' INT TERM

# The target binds 127.0.0.1 on a free port (its own UseUrls) and prints "LISTENING <url> PID <pid>".
env -u ASPNETCORE_URLS -u ASPNETCORE_HTTP_PORTS -u ASPNETCORE_HTTPS_PORTS dotnet "$APP" > "$OUT/target.out" 2>&1 &
PID=$!
STARTED+=("$PID")
for _ in $(seq 1 300); do grep -q LISTENING "$OUT/target.out" 2> /dev/null && break; kill -0 "$PID" 2> /dev/null || break; sleep 0.1; done
grep -q LISTENING "$OUT/target.out" || { cat "$OUT/target.out" >&2; die "the target did not start"; }
URL=$(awk '/LISTENING/ {print $2}' "$OUT/target.out")
[[ "$URL" == http://127.0.0.1:* ]] || die "the target listens on '$URL', not on 127.0.0.1"
[ "$(awk '/LISTENING/ {print $4}' "$OUT/target.out")" = "$PID" ] || die "the target's pid is not the process started"
if command -v ss > /dev/null; then
  # Every listening socket of the target, not only the one it announced.
  ss -Hltnp | awk -v p="pid=$PID," 'index($0, p) && $4 !~ /^127\.0\.0\.1:/ {print; bad=1} END {exit bad}' \
    || die "the target listens beyond 127.0.0.1"
fi
PATH_Q='/work?ms=1'

# cpu_ticks PID: utime + stime of a process in clock ticks (fields 14 and 15; the command name may hold spaces).
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# load NAME RATE SECONDS: LoadDriver's JSON report to $OUT/NAME.json and the target's CPU ticks over the run to NAME.cpu.
# Exit 3 only means some requests failed (reported).
load() {
  local rc=0 before driver
  before=$(cpu_ticks "$PID")
  # In the background and waited for, so that a signal to the script is handled at once, not after the run.
  dotnet "$DRIVER" --target "$URL" --rate "$2" --duration "${3}s" --warmup "${WARM}s" --mix "$PATH_Q" \
    --format json --output "$OUT/$1.json" 2> "$OUT/$1.load.err" &
  driver=$!
  STARTED+=("$driver")
  wait "$driver" || rc=$?
  forget "$driver"
  echo $(($(cpu_ticks "$PID") - before)) > "$OUT/$1.cpu"
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || { cat "$OUT/$1.load.err" >&2; die "LoadDriver failed (exit $rc) in $1"; }
}

# wait_ready PID FILE PATTERN WHAT: until the session says it runs; a tool that exits first fails the script.
wait_ready() {
  for _ in $(seq 1 300); do
    grep -q "$3" "$2" 2> /dev/null && { sleep 1; return 0; }
    kill -0 "$1" 2> /dev/null || { cat "$2" >&2; die "$4 exited before its session started"; }
    sleep 0.1
  done
  cat "$2" >&2
  die "$4 did not start its session within 30 s"
}

# stop PID WHAT: SIGTERM (the probe writes its report, dotnet-trace completes the trace), then wait for the exit.
stop() {
  kill -TERM "$1" 2> /dev/null || true
  local rc=0
  wait "$1" || rc=$?
  forget "$1"
  [ "$rc" = 0 ] || die "$2 exited with $rc"
}

# phase KIND NAME RATE SECONDS
phase() {
  local kind=$1 name=$2 tool
  # A cap in case the stop signal is lost; the sessions are stopped right after the load.
  local cap=$(($4 + WARM + 60))
  case "$kind" in
    unattached)
      load "$name" "$3" "$4" ;;
    attached|baseline|stacks)
      local dll=$TOOL extra=()
      [ "$kind" = baseline ] && dll=$BASELINE_TOOL
      [ "$kind" = stacks ] && extra=(--stacks)
      dotnet "$dll" attach "$PID" --duration "${cap}s" --format json -o "$OUT/$name.probe.json" --no-live "${extra[@]}" \
        > "$OUT/$name.probe.out" 2>&1 &
      tool=$!
      STARTED+=("$tool")
      wait_ready "$tool" "$OUT/$name.probe.out" "Attached to" "dotnet-tailguard attach"
      load "$name" "$3" "$4"
      cpu_ticks "$tool" > "$OUT/$name.toolcpu"
      stop "$tool" "dotnet-tailguard attach" ;;
    dotnet-trace)
      "$DOTNET_TRACE" collect -p "$PID" --providers "$(dotnet "$TOOL" providers)" --duration "$(printf '00:%02d:%02d' $((cap / 60)) $((cap % 60)))" \
        -o "$OUT/$name.nettrace" > "$OUT/$name.trace.out" 2>&1 < /dev/null &
      tool=$!
      STARTED+=("$tool")
      wait_ready "$tool" "$OUT/$name.trace.out" "Trace Duration" "dotnet-trace collect"
      load "$name" "$3" "$4"
      cpu_ticks "$tool" > "$OUT/$name.toolcpu"
      stop "$tool" "dotnet-trace collect" ;;
  esac
}

MACHINE="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}')"
echo "machine: $MACHINE; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if [ "$DO_OVERHEAD" = 1 ]; then
  KINDS=(unattached attached)
  [ -n "$BASELINE_TOOL" ] && KINDS+=(baseline)
  [ "$DO_STACKS" = 1 ] && KINDS+=(stacks)
  [ "$DO_TRACE" = 1 ] && KINDS+=(dotnet-trace)
  echo "warm-up round (discarded): target JIT and pool, each kind of session once..." >&2
  for kind in "${KINDS[@]}"; do phase "$kind" "warmup-$kind" "$RATE" 5; done
  SEQUENCE=()
  for round in $(seq 1 "$ROUNDS"); do
    for i in $(seq 0 $((${#KINDS[@]} - 1))); do
      kind=${KINDS[$(((i + round - 1) % ${#KINDS[@]}))]}
      echo "round $round/$ROUNDS: $kind (${SECS} s at $RATE req/s)..." >&2
      phase "$kind" "r$round-$kind" "$RATE" "$SECS"
      SEQUENCE+=("r$round-$kind")
    done
  done
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

  echo
  echo "Overhead at a fixed rate: LoadDriver --rate $RATE --duration ${SECS}s --warmup ${WARM}s, GET $PATH_Q, rounds: $ROUNDS (interleaved)"
  echo "(order: ${SEQUENCE[*]}); $MACHINE."
  echo "Session tool CPU: the whole attach or dotnet-trace process up to its stop, start-up included."
  echo
  python3 - "$OUT" "$RATE" "$(getconf CLK_TCK)" "${SEQUENCE[@]}" <<'PY'
import json, os, statistics, sys
out, rate, hz, names = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
kinds = [k for k in ["unattached", "attached", "baseline", "stacks", "dotnet-trace"] if any(n.endswith("-" + k) for n in names)]
label = {"unattached": "unattached", "attached": "attached (dotnet-tailguard)", "baseline": "attached (baseline build)",
         "stacks": "attached --stacks (with the pool-holder sampler)", "dotnet-trace": "dotnet-trace collect"}
runs = {k: [] for k in kinds}
for name in names:
    kind = name.split("-", 1)[1]
    d = json.load(open(os.path.join(out, name + ".json")))
    lat = d["latencyMs"]
    run = {"name": name, "round": int(name[1:name.index("-")]), "okps": d["ok"] / (d["sendingMs"] / 1000), "sent": d["sent"],
           "ok": d["ok"], "failed": d["errors"] + d["timeouts"], "errors": d["errors"], "timeouts": d["timeouts"],
           "p50": lat["p50"], "p99": lat["p99"], "p999": lat["p999"], "max": lat["max"],
           "cpu": int(open(os.path.join(out, name + ".cpu")).read()) / hz}
    tool = os.path.join(out, name + ".toolcpu")
    run["toolcpu"] = int(open(tool).read()) / hz if os.path.exists(tool) else None
    probe = os.path.join(out, name + ".probe.json")
    if os.path.exists(probe):
        r = json.load(open(probe))
        run["probe"] = (r["requests"]["count"], r["session"]["traceEvents"], r["session"]["eventsLost"])
    runs[kind].append(run)
med = {k: {m: statistics.median(r[m] for r in runs[k]) for m in ("okps", "p50", "p99", "p999", "cpu")} for k in kinds}
print("| phase | runs | ok/s (median) | P50 ms | P99 ms | P99.9 ms | errors + timeouts | target CPU s | ok/s vs unattached | P99 vs unattached |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for k in kinds:
    m, u = med[k], med["unattached"]
    failed = sum(r["failed"] for r in runs[k])
    sent = sum(r["sent"] for r in runs[k])
    ratio = "" if k == "unattached" else f'{m["okps"] / u["okps"]:.1%} | {m["p99"] / u["p99"]:.1%}'
    print(f'| {label[k]} | {len(runs[k])} | {m["okps"]:,.0f} | {m["p50"]:.2f} | {m["p99"]:.2f} | {m["p999"]:.2f} | {failed:,} of {sent:,} | {m["cpu"]:.2f} | {ratio or "100% | 100%"} |')
print()
print(f"Medians over the rounds; ok/s = requests answered 2xx / sending time (target {rate:,.0f}); latency from each request's")
print("intended start (no coordinated omission). Target CPU s: the target process's user+system CPU over the load run (client")
print("warm-up included). Ratios: median of the phase / median of unattached. Paired by round (same round):")
byround = {(r["round"], k): r for k in kinds for r in runs[k]}
for k in [k for k in kinds if k != "unattached"]:
    pairs = [(byround[(n, k)], byround[(n, "unattached")]) for n in sorted({r["round"] for r in runs[k]}) if (n, "unattached") in byround]
    p99 = ", ".join(f'{a["p99"] / u["p99"]:.0%}' for a, u in pairs)
    okps = ", ".join(f'{a["okps"] / u["okps"]:.1%}' for a, u in pairs)
    print(f"- {label[k]} / unattached, round by round: ok/s {okps}; P99 {p99}")
for r in [r for k in kinds if k in ("attached", "baseline", "stacks") for r in runs[k]]:
    if "probe" in r:
        n, events, lost = r["probe"]
        print(f'- {r["name"]}: the probe counted {n:,} requests (LoadDriver: {r["ok"]:,} ok, plus its warm-up), {events:,} events, {lost:,} lost')
print()
print("Every run:")
print()
print("| run | ok/s | ok | errors | timeouts | P50 ms | P99 ms | P99.9 ms | max ms | target CPU s | session tool CPU s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in names:
    r = next(r for k in kinds for r in runs[k] if r["name"] == name)
    tool = "" if r["toolcpu"] is None else f'{r["toolcpu"]:.2f}'
    print(f'| {name} | {r["okps"]:,.0f} | {r["ok"]:,} | {r["errors"]:,} | {r["timeouts"]:,} | {r["p50"]:.2f} | {r["p99"]:.2f} | {r["p999"]:.2f} | {r["max"]:.1f} | {r["cpu"]:.2f} | {tool} |')
PY
fi

if [ "$DO_ANALYZE" = 1 ]; then
  TRACE_FILE=$(ls -t "$OUT"/r*-dotnet-trace.nettrace 2> /dev/null | head -1 || true)
  if [ -z "$TRACE_FILE" ]; then
    echo; echo "analyze: skipped (no dotnet-trace file; it comes from the overhead phases)"
  else
    echo
    echo "analyze of $(basename "$TRACE_FILE") ($(du -h "$TRACE_FILE" | cut -f1)):"
    for _ in 1 2 3; do
      start=$(date +%s.%N)
      dotnet "$TOOL" analyze "$TRACE_FILE" --format json -o "$OUT/analyze.json" 2> /dev/null
      end=$(date +%s.%N)
      python3 - "$OUT/analyze.json" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["session"]
t = float(sys.argv[3]) - float(sys.argv[2])
print(f'  {s["traceEvents"]:,} events in {t:.2f} s (whole process, incl. startup): {s["traceEvents"]/t:,.0f} events/s')
PY
    done
  fi
fi

if [ "$DO_SOAK" = 1 ]; then
  echo "soak: one attach session, $SOAK s at $SOAK_RATE req/s..." >&2
  # The session covers the load's warm-up too; the cap only guards against a lost stop signal.
  dotnet "$TOOL" attach "$PID" --duration "$((SOAK + WARM + 120))s" --format json -o "$OUT/soak.probe.json" --no-live \
    > "$OUT/soak.probe.out" 2>&1 &
  PROBE=$!
  STARTED+=("$PROBE")
  wait_ready "$PROBE" "$OUT/soak.probe.out" "Attached to" "dotnet-tailguard attach"
  dotnet "$DRIVER" --target "$URL" --rate "$SOAK_RATE" --duration "${SOAK}s" --warmup "${WARM}s" --mix "$PATH_Q" \
    --format json --output "$OUT/soak.json" 2> "$OUT/soak.load.err" &
  LOAD=$!
  STARTED+=("$LOAD")
  : > "$OUT/soak.rss"
  SOAK_START=$SECONDS
  while kill -0 "$LOAD" 2> /dev/null; do
    echo "$((SECONDS - SOAK_START)) $(awk '/^VmRSS/ {print $2}' "/proc/$PROBE/status")" >> "$OUT/soak.rss"
    sleep 10
  done
  rc=0; wait "$LOAD" || rc=$?
  forget "$LOAD"
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || { cat "$OUT/soak.load.err" >&2; die "LoadDriver failed (exit $rc) in the soak"; }
  # One last sample once the load has ended (and the session has seen every request), marked "end".
  echo "end $(awk '/^VmRSS/ {print $2}' "/proc/$PROBE/status")" >> "$OUT/soak.rss"
  CPU_TICKS=$(cpu_ticks "$PROBE")
  stop "$PROBE" "dotnet-tailguard attach (soak)"
  echo
  python3 - "$OUT" "$SOAK" "$SOAK_RATE" "$WARM" "$CPU_TICKS" "$(getconf CLK_TCK)" <<'PY'
import json, os, sys
out, soak, rate, warm, ticks, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rss = [(t, int(kb) // 1024) for t, kb in (line.split() for line in open(os.path.join(out, "soak.rss")) if len(line.split()) == 2)]
load = json.load(open(os.path.join(out, "soak.json")))
probe = json.load(open(os.path.join(out, "soak.probe.json")))
s = probe["session"]
print(f"Memory over one attach session: {soak} s of LoadDriver --rate {rate:,.0f} (after its {warm} s warm-up; t counts from the")
print("start of the load, warm-up included; \"end\" is after the load), VmRSS of the dotnet-tailguard attach process from")
print("/proc/<pid>/status:")
print()
print("| t (s) | " + " | ".join(str(t) for t, _ in rss) + " |")
print("|---|" + "---|" * len(rss))
print("| RSS (MB) | " + " | ".join(str(mb) for _, mb in rss) + " |")
print()
okps = load["ok"] / (load["sendingMs"] / 1000)
lat = load["latencyMs"]
print(f'- achieved: {load["achievedRps"]:,.0f} req/s sent, {okps:,.0f} ok/s; {load["errors"]:,} errors, {load["timeouts"]:,} timeouts; '
      f'P50 {lat["p50"]:.2f} ms, P99 {lat["p99"]:.2f} ms, P99.9 {lat["p999"]:.2f} ms')
print(f'- the session: {probe["requests"]["count"]:,} requests, {s["traceEvents"]:,} events, **{s["eventsLost"]:,} lost**; '
      f'probe CPU {ticks / hz:.1f} s ({s["traceEvents"] / max(ticks / hz, 0.01):,.0f} events per CPU-second)')
later = [mb for t, mb in rss if t == "end" or int(t) >= 10]
if len(later) >= 2:
    print(f"- RSS from t=10 s to the end: {later[0]} → {later[-1]} MB ({later[-1] - later[0]:+d} MB); max {max(mb for _, mb in rss)} MB")
PY
fi
echo
echo "(raw results in $OUT)"
