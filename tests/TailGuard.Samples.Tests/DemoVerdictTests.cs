using TailGuard.Samples.Demo;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Tests;

/// <summary>
/// The demo's verdict on phase results recorded from real runs (client-side P50/P95/P99/P99.9 and the probe's runtime figures,
/// as the demo printed them), so the three outcomes are checked without starting a process.
/// </summary>
public sealed class DemoVerdictTests
{
    /// <summary>Issue 17's first run: P99 580 ms adversarial, 4.71 ms fixed (its fixed P99.9 was 13.7 ms; 11.9 here, to meet the bar).</summary>
    private static readonly PhaseFigures CollapsedAdversarial = Phase(0.96, 420, 580, 694, new RuntimeFigures(2, 14, 3, 26, 12, 192.6));

    private static readonly PhaseFigures FixedAtTheBar = Phase(0.71, 2.9, 4.71, 11.9, new RuntimeFigures(0, 0, 0, 26, 0, 0), "3.10 3.42 3.80");

    [Fact]
    public void A_collapse_against_a_fixed_phase_at_the_bar_is_proven()
    {
        var verdict = DemoVerdict.Decide(CollapsedAdversarial, FixedAtTheBar, processorCount: 2);

        Assert.Equal(VerdictKind.Proven, verdict.Kind);
        Assert.Equal(580 / 4.71, verdict.Ratio, 6);
        Assert.StartsWith("Verdict: proven this run.", verdict.Lines[0], StringComparison.Ordinal);
        Assert.Contains("the adversarial P99 was 580 ms, 123× the fixed phase's 4.71 ms", verdict.Lines[0], StringComparison.Ordinal);
        Assert.Contains("meets the study's bar (P99 ≤ 5 ms, P99.9 ≤ 12 ms)", verdict.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_adversarial_phase_under_ten_times_the_fixed_one_gets_no_verdict_and_says_the_pool_did_not_saturate()
    {
        // Issue 17's second run (9.2 -> 4.2 ms), with the runtime figures of a warm run of the old demo: no starvation episode,
        // a pool the warm-up had grown to 46 threads.
        var adversarial = Phase(0.83, 3.1, 9.2, 24.0, new RuntimeFigures(0, 0, 0, 46, 9, 60.4));
        var fixedPhase = Phase(0.71, 2.2, 4.2, 10.8, new RuntimeFigures(0, 0, 0, 46, 0, 0), "3.52 3.87 3.60");

        var verdict = DemoVerdict.Decide(adversarial, fixedPhase, processorCount: 2);

        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.StartsWith("No verdict: the adversarial phase did not degrade this run: the adversarial P99 was 9.20 ms, 2.2× the fixed phase's 4.20 ms, under the 10× a verdict needs.", verdict.Lines[0], StringComparison.Ordinal);
        Assert.Contains("The pool did not saturate this run: no starvation episode (pool threads max 46, 0 cooperative-blocking injections); 9 gen2 collections, 60 ms of GC pauses.", verdict.Lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(verdict.Lines, line => line.Contains("proven", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pool_that_starved_too_briefly_to_move_the_P99_is_named_as_such()
    {
        var adversarial = Phase(0.9, 3.5, 20, 90, new RuntimeFigures(1, 3, 2, 12, 4, 30));

        var verdict = DemoVerdict.Decide(adversarial, FixedAtTheBar, processorCount: 2);

        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.Contains("The pool starved (1 episodes, 3 threads injected, max 12) but not for long enough to move the P99", verdict.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_probe_the_inconclusive_verdict_says_what_the_runtime_did_is_unknown()
    {
        var adversarial = Phase(0.9, 3.5, 20, 90, runtime: null);

        var verdict = DemoVerdict.Decide(adversarial, FixedAtTheBar, processorCount: 2);

        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.Contains("what the runtime did is unknown", verdict.Lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11.7, 30)] // issue 17's third run, on a loaded machine: 23.9 -> 11.7 ms
    [InlineData(4.9, 13.7)] // P99 at the bar, P99.9 over it (issue 17's first run)
    public void A_fixed_phase_that_misses_the_bar_makes_the_run_noisy_with_the_load_average(double fixedP99, double fixedP999)
    {
        var fixedPhase = Phase(0.8, 3, fixedP99, fixedP999, new RuntimeFigures(0, 0, 0, 10, 0, 0), "16.06 14.28 10.32");

        var verdict = DemoVerdict.Decide(Phase(0.9, 12, 23.9, 80, runtime: null), fixedPhase, processorCount: 2);

        Assert.Equal(VerdictKind.Noisy, verdict.Kind);
        Assert.StartsWith("No verdict: the machine was too noisy this run (load average 16.06 14.28 10.32 on 2 cores).", verdict.Lines[0], StringComparison.Ordinal);
        Assert.Contains("The fixed phase missed the study's bar (P99 ≤ 5 ms, P99.9 ≤ 12 ms)", verdict.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_noisy_run_says_how_many_cores_other_processes_took_during_the_fixed_phase()
    {
        // A run of 2026-12-03 at load average 18: other processes used 1.19 of the 2 cores while the fixed phase ran.
        var fixedPhase = Phase(1.2, 26.4, 86, 158, new RuntimeFigures(0, 0, 0, 33, 2, 43.2), "18.37 10.65 7.00") with { OtherCores = 1.19 };

        var verdict = DemoVerdict.Decide(CollapsedAdversarial, fixedPhase, processorCount: 2);

        Assert.Equal(VerdictKind.Noisy, verdict.Kind);
        Assert.StartsWith("No verdict: the machine was too noisy this run (load average 18.37 10.65 7.00 on 2 cores; other processes used 1.19 of the 2 cores during the fixed phase).", verdict.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_noisy_run_still_records_how_much_the_adversarial_phase_degraded()
    {
        // A busy-machine run of this demo: 1484 ms against 59.3 ms at load average 16.
        var verdict = DemoVerdict.Decide(
            Phase(1.2, 1174, 1484, 2367, new RuntimeFigures(3, 20, 5, 26, 12, 192.6)),
            Phase(0.91, 8.23, 59.3, 155, new RuntimeFigures(0, 0, 0, 26, 0, 0), "16.06 14.28 10.32"),
            processorCount: 2);

        Assert.Equal(VerdictKind.Noisy, verdict.Kind);
        Assert.Contains("For the record, the adversarial P99 was 1484 ms, 25× the fixed phase's 59.3 ms.", verdict.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_noisy_run_without_a_load_average_says_it_is_unknown()
    {
        var fixedPhase = Phase(0.8, 3, 9, 30, runtime: null, loadAverage: null);

        var verdict = DemoVerdict.Decide(CollapsedAdversarial, fixedPhase, processorCount: 2);

        Assert.Equal(VerdictKind.Noisy, verdict.Kind);
        Assert.Contains("(2 cores, load average unknown)", verdict.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_phase_with_no_requests_never_meets_the_bar()
    {
        Assert.False(LatencyBar.Study.IsMetBy(ClientLatency.Empty));
        Assert.True(LatencyBar.Study.IsMetBy(new ClientLatency(10, 1, 2, 5, 12, 14)));
        Assert.False(LatencyBar.Study.IsMetBy(new ClientLatency(10, 1, 2, 5.01, 12, 14)));
    }

    private static PhaseFigures Phase(double p50, double p95, double p99, double p999, RuntimeFigures? runtime, string? loadAverage = "3.10 3.42 3.80") =>
        new(new ClientLatency(10_500, p50, p95, p99, p999, p999 * 1.2) { P95 = p95 }, runtime, loadAverage);
}
