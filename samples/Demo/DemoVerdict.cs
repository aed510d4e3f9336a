using System.Globalization;
using TailGuard.RuntimeProbe.Reporting;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Demo;

/// <summary>What the demo may conclude from one run.</summary>
internal enum VerdictKind
{
    /// <summary>The adversarial P99 is at least <see cref="DemoVerdict.MinimumRatio"/> times the fixed one, which meets the study's bar.</summary>
    Proven,

    /// <summary>The fixed phase met the bar, but the adversarial phase did not degrade enough to conclude anything.</summary>
    Inconclusive,

    /// <summary>The fixed phase missed the bar: the machine was too busy for this run to show what the service does.</summary>
    Noisy,
}

/// <summary>A latency bar: the study's Tokio column, P99 ≤ 5 ms and P99.9 ≤ 12 ms.</summary>
internal sealed record LatencyBar(double P99Ms, double P999Ms)
{
    public static LatencyBar Study { get; } = new(5, 12);

    public bool IsMetBy(ClientLatency latency) => latency.Count > 0 && latency.P99 <= P99Ms && latency.P999 <= P999Ms;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"P99 ≤ {P99Ms:0.#} ms, P99.9 ≤ {P999Ms:0.#} ms");
}

/// <summary>What the runtime did in a phase, from the probe's report of it.</summary>
internal sealed record RuntimeFigures(int StarvationEpisodes, int ThreadsInjected, int CooperativeBlockingAdjustments, int MaxPoolThreads, int Gen2Collections, double GcPauseMs)
{
    public static RuntimeFigures? From(Report? report) => report is null
        ? null
        : new RuntimeFigures(
            report.ThreadPool.StarvationEpisodes.Count,
            report.ThreadPool.StarvationEpisodes.Sum(episode => episode.ThreadsInjected),
            report.ThreadPool.CooperativeBlockingAdjustments,
            report.ThreadPool.MaxThreadCount,
            report.Gc.ByGeneration.Where(generation => generation.Generation == 2).Sum(generation => generation.PauseCount),
            report.Gc.TotalPauseMs);
}

/// <summary>What the verdict reads from one phase: the client's percentiles, the runtime's side when the probe reported it, and the machine's load average as the phase ended.</summary>
internal sealed record PhaseFigures(ClientLatency Client, RuntimeFigures? Runtime, string? LoadAverage)
{
    /// <summary>Cores' worth of CPU that other processes used during the phase (<see cref="PhaseCost.OtherCores"/>), when known.</summary>
    public double? OtherCores { get; init; }

    public static PhaseFigures From(PhaseResult result) =>
        new(result.Client.Latency, RuntimeFigures.From(result.Probe), result.LoadAverage) { OtherCores = result.Cost?.OtherCores };
}

/// <summary>The demo's conclusion and the sentences that say it.</summary>
internal sealed record Verdict(VerdictKind Kind, double Ratio, IReadOnlyList<string> Lines);

/// <summary>
/// The demo's honest verdict. It claims that the patterns wreck the tail and the fixes restore it only when this run shows both:
/// the fixed phase meets the study's bar, and the adversarial P99 is at least ten times the fixed one. Otherwise it says what
/// did not happen: the machine was too busy for the fixed phase to meet the bar (with its load average), or the adversarial
/// phase did not degrade (and, from the probe, whether the pool saturated).
/// </summary>
internal static class DemoVerdict
{
    public const double MinimumRatio = 10;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Verdict Decide(PhaseFigures adversarial, PhaseFigures fixedPhase, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(adversarial);
        ArgumentNullException.ThrowIfNull(fixedPhase);
        var bar = LatencyBar.Study;
        var before = adversarial.Client;
        var after = fixedPhase.Client;
        var ratio = after.P99 > 0 ? before.P99 / after.P99 : double.PositiveInfinity;
        var degradation = Line($"the adversarial P99 was {ConsoleReport.Ms(before.P99)}, {Times(ratio)} the fixed phase's {ConsoleReport.Ms(after.P99)}");

        if (!bar.IsMetBy(after))
        {
            var load = fixedPhase.LoadAverage is { } average ? $"load average {average} on {processorCount} cores" : $"{processorCount} cores, load average unknown";
            if (fixedPhase.OtherCores is { } others)
            {
                load += Line($"; other processes used {others:0.00} of the {processorCount} cores during the fixed phase");
            }

            return new Verdict(VerdictKind.Noisy, ratio,
            [
                Line($"No verdict: the machine was too noisy this run ({load}). The fixed phase missed the study's bar ({bar}) with P99 {ConsoleReport.Ms(after.P99)}, P99.9 {ConsoleReport.Ms(after.P999)}, so it does not show what the fixed service does."),
                Line($"  For the record, {degradation}{(ratio >= MinimumRatio ? "" : Line($" (under the {MinimumRatio:0}× a verdict needs, too)"))}. Run it again on a quieter machine."),
            ]);
        }

        if (ratio < MinimumRatio)
        {
            return new Verdict(VerdictKind.Inconclusive, ratio,
            [
                Line($"No verdict: the adversarial phase did not degrade this run: {degradation}, under the {MinimumRatio:0}× a verdict needs."),
                "  " + WhatDidNotHappen(adversarial.Runtime),
            ]);
        }

        return new Verdict(VerdictKind.Proven, ratio,
        [
            Line($"Verdict: proven this run. The patterns wrecked the tail and the fixes restored it: {degradation}, and the fixed phase meets the study's bar ({bar})."),
        ]);
    }

    private static string WhatDidNotHappen(RuntimeFigures? runtime)
    {
        if (runtime is null)
        {
            return "The probe's report of the adversarial phase is missing, so what the runtime did is unknown.";
        }

        var gc = Line($"{runtime.Gen2Collections} gen2 collections, {runtime.GcPauseMs:0} ms of GC pauses");
        if (runtime.StarvationEpisodes == 0)
        {
            return Line($"The pool did not saturate this run: no starvation episode (pool threads max {runtime.MaxPoolThreads}, {runtime.CooperativeBlockingAdjustments} cooperative-blocking injections); {gc}.");
        }

        return Line($"The pool starved ({runtime.StarvationEpisodes} episodes, {runtime.ThreadsInjected} threads injected, max {runtime.MaxPoolThreads}) but not for long enough to move the P99; {gc}.");
    }

    private static string Times(double ratio) => double.IsPositiveInfinity(ratio) ? "∞×" : ratio.ToString(ratio >= 10 ? "0" : "0.0", Invariant) + "×";

    private static string Line(FormattableString text) => text.ToString(Invariant);
}
