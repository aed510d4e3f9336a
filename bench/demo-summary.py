#!/usr/bin/env python3
"""Summarizes demo runs for bench/demo-repeat.sh and bench/demo-rate.sh.

Each argument is a run directory holding the demo's adversarial.load.json and fixed.load.json (client side, tailguard-load/1),
adversarial.tailguard.json and fixed.tailguard.json (the probe's report), demo.out (its stdout) and run.env (RATE, LOAD_START,
LOAD_END, SECONDS). Prints one row per run, then the spread (min, median, max) of every column and how many runs met each bar.
"""
import json
import os
import statistics
import sys

BAR_P99, BAR_P999, RATIO = 5.0, 12.0, 10.0


def latency(path, key="latencyMs"):
    try:
        with open(path) as f:
            return json.load(f)[key]
    except (OSError, ValueError, KeyError):
        return None


def probe_latency(path):
    try:
        with open(path) as f:
            return json.load(f)["requests"]["latencyMs"]
    except (OSError, ValueError, KeyError):
        return None


def cost(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def env(directory):
    values = {}
    try:
        with open(os.path.join(directory, "run.env")) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                values[key] = value
    except OSError:
        pass
    return values


def verdict(directory):
    try:
        with open(os.path.join(directory, "demo.out")) as f:
            for line in f:
                if line.startswith("Verdict: proven"):
                    return "proven"
                if line.startswith("No verdict: the machine was too noisy"):
                    return "noisy"
                if line.startswith("No verdict: the adversarial phase did not degrade"):
                    return "inconclusive"
    except OSError:
        pass
    return "failed"


def fmt(value):
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


rows = []
for directory in sys.argv[1:]:
    adversarial = latency(os.path.join(directory, "adversarial.load.json"))
    fixed = latency(os.path.join(directory, "fixed.load.json"))
    probe_adversarial = probe_latency(os.path.join(directory, "adversarial.tailguard.json"))
    probe_fixed = probe_latency(os.path.join(directory, "fixed.tailguard.json"))
    values = env(directory)
    fixed_cost = cost(os.path.join(directory, "fixed.cost.json"))
    fixed_client = None
    try:
        with open(os.path.join(directory, "fixed.load.json")) as f:
            fixed_client = json.load(f)
    except (OSError, ValueError):
        pass
    rows.append({
        "fixed_cost": fixed_cost,
        "fixed_lag": fixed_client.get("schedulingLagMs") if fixed_client else None,
        "run": os.path.basename(directory.rstrip("/")),
        "rate": values.get("RATE", "?"),
        "load": f'{values.get("LOAD_START", "?")} -> {values.get("LOAD_END", "?")}',
        "seconds": values.get("SECONDS", "?"),
        "adversarial": adversarial,
        "fixed": fixed,
        "probe_adversarial": probe_adversarial,
        "probe_fixed": probe_fixed,
        "ratio": adversarial["p99"] / fixed["p99"] if adversarial and fixed and fixed["p99"] > 0 else None,
        "bar": bool(fixed) and fixed["p99"] <= BAR_P99 and fixed["p999"] <= BAR_P999,
        "verdict": verdict(directory),
    })

columns = ["p50", "p95", "p99", "p999"]
print("client side, ms (P50 / P95 / P99 / P99.9); probe P99 in the service; load average (1 min) at start -> end")
print(f'{"run":<8} {"rate":>6} {"adversarial":>28} {"fixed":>26} {"ratio":>6} {"probe P99 adv/fixed":>19} {"bar":>4} {"verdict":>12} {"load":>13} {"time":>5}')
for row in rows:
    adversarial = " / ".join(fmt(row["adversarial"][c]) for c in columns) if row["adversarial"] else "-"
    fixed = " / ".join(fmt(row["fixed"][c]) for c in columns) if row["fixed"] else "-"
    probe = f'{fmt(row["probe_adversarial"]["p99"]) if row["probe_adversarial"] else "-"} / {fmt(row["probe_fixed"]["p99"]) if row["probe_fixed"] else "-"}'
    ratio = f'{row["ratio"]:.0f}x' if row["ratio"] is not None else "-"
    print(f'{row["run"]:<8} {row["rate"]:>6} {adversarial:>28} {fixed:>26} {ratio:>6} {probe:>19} {"yes" if row["bar"] else "no":>4} {row["verdict"]:>12} {row["load"]:>13} {row["seconds"]:>5}')

if any(row["fixed_cost"] for row in rows):
    print()
    print("fixed phase, where the cores went (cores of the machine's", os.cpu_count(), ") and what the service's runtime did (its own counters):")
    print(f'{"run":<8} {"service":>8} {"probe":>6} {"driver":>7} {"others":>7} {"driver lag P99":>15} {"jit methods":>12} {"gen0/1/2":>9} {"GC pause ms":>12}')
    for row in rows:
        c = row["fixed_cost"]
        if not c:
            continue
        wall = c["wallMs"] or 1
        s = c.get("service") or {}
        lag = row["fixed_lag"]["p99"] if row["fixed_lag"] else None
        others = c.get("otherCores")
        gens = f'{s.get("gen0Collections", "?")}/{s.get("gen1Collections", "?")}/{s.get("gen2Collections", "?")}'
        print(f'{row["run"]:<8} {c["serviceCpuMs"] / wall:>8.2f} {c["probeCpuMs"] / wall:>6.2f} {c["driverCpuMs"] / wall:>7.2f} '
              f'{(f"{others:.2f}" if others is not None else "-"):>7} {fmt(lag):>15} {s.get("jitMethods", "-"):>12} {gens:>9} {fmt(s.get("gcPauseMs")):>12}')

complete = [row for row in rows if row["adversarial"] and row["fixed"]]
if len(complete) > 1:
    print()
    print("spread over", len(complete), "runs (min / median / max):")
    for phase in ("adversarial", "fixed"):
        for c in columns:
            values = [row[phase][c] for row in complete]
            print(f"  {phase:<12} {c:<5} {fmt(min(values)):>7} {fmt(statistics.median(values)):>7} {fmt(max(values)):>7}")
    ratios = [row["ratio"] for row in complete if row["ratio"] is not None]
    print(f'  {"ratio":<18} {min(ratios):>6.0f}x {statistics.median(ratios):>6.0f}x {max(ratios):>6.0f}x')
if rows:
    print()
    print(f'adversarial P99 >= {RATIO:.0f}x fixed: {sum(1 for r in complete if r["ratio"] is not None and r["ratio"] >= RATIO)} of {len(rows)}; '
          f'fixed phase at the bar (P99 <= {BAR_P99:.0f} ms, P99.9 <= {BAR_P999:.0f} ms): {sum(1 for r in rows if r["bar"])} of {len(rows)}; '
          + ", ".join(f'{kind} {sum(1 for r in rows if r["verdict"] == kind)}' for kind in ("proven", "inconclusive", "noisy", "failed")))
