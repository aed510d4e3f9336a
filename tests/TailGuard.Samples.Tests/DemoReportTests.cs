using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.Demo;
using TailGuard.Samples.LoadDriver;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Tests;

public sealed class DemoReportTests
{
    [Fact]
    public void The_verdict_compares_the_adversarial_and_fixed_P99_and_names_every_fixed_rule()
    {
        var text = Verdict(adversarialP99: 180, fixedP99: 3.9);

        Assert.Contains("P99 under adversarial load: 180 ms -> 3.90 ms after the TG1001/TG1003/TG2001/TG3001/TG3002/TG4001 fixes", text);
    }

    [Fact]
    public void The_verdict_names_the_probes_primary_cause_of_each_phases_tail()
    {
        var text = Verdict(adversarialP99: 50, fixedP99: 4, adversarialShare: new ReportTailShare { GcPause = 0.75, Unexplained = 0.25 });

        Assert.Contains("Probe, adversarial phase: the slowest 1% inside the service (above 20.0 ms) mostly sat in GC pauses 75%, nothing the runtime reports 25%.", text);
        Assert.Contains("Probe, fixed phase:", text);
    }

    [Fact]
    public void The_verdict_says_so_when_a_phase_has_no_probe_report()
    {
        var results = Results(50, 4, new ReportTailShare()).Select(result => result with { Probe = null }).ToArray();
        var output = new StringWriter();

        ConsoleReport.PrintVerdict(output, new DemoOptions(), results);

        Assert.Contains("Probe, adversarial phase: no report.", output.ToString());
    }

    [Fact]
    public void A_phase_table_puts_client_and_probe_percentiles_side_by_side_with_the_tail_attribution()
    {
        var result = Results(50, 4, new ReportTailShare { ThreadPoolStarvation = 1 })[1];
        var output = new StringWriter();

        ConsoleReport.PrintPhase(output, result);

        var lines = output.ToString().Split(Environment.NewLine);
        Assert.Contains(lines, line => line.Contains("client (open loop", StringComparison.Ordinal) && line.Contains("50.00", StringComparison.Ordinal));
        Assert.Contains(lines, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s+P99\s+50\.0\s+n/a\s+40\.0$"));
        Assert.Contains(lines, line => line.Trim() == ProbeComparison.NoTotal);
        Assert.Contains(lines, line => line.Contains("tail above P99 (20.0 ms, 15 requests) overlapped: GC pause 0%, pool starvation 100%", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.8, "0.80 ms")]
    [InlineData(12.34, "12.3 ms")]
    [InlineData(180.4, "180 ms")]
    public void Milliseconds_keep_three_significant_figures_or_fewer(double value, string expected)
    {
        Assert.Equal(expected, ConsoleReport.Ms(value));
    }

    [Fact]
    public void The_mixed_phases_send_every_pattern_and_keep_the_slow_by_design_endpoints_under_one_percent()
    {
        var adversarial = Phases.All.Single(phase => phase.Name == Phases.Adversarial);
        var fixedPhase = Phases.All.Single(phase => phase.Name == Phases.Fixed);

        Assert.Equal(100, adversarial.Mix.Sum(target => target.Weight), 6);
        Assert.Equal(adversarial.Mix.Select(t => t.Weight), fixedPhase.Mix.Select(t => t.Weight));
        Assert.All(Phases.Patterns, pattern => Assert.Contains(adversarial.Mix, target => target.Path == "/bad/" + pattern.Route));
        var slowByDesign = adversarial.Mix.Where(t => t.Path is "/bad/sync-over-async" or "/bad/sync-io" or "/bad/cpu-loop").Sum(t => t.Weight);
        Assert.True(slowByDesign < 1, $"{slowByDesign}% of the traffic takes ~10 ms by design: it would set the fixed phase's P99");
    }

    [Fact]
    public void The_mixed_phases_send_the_same_bursts_and_the_slow_by_design_requests_stay_under_one_percent_with_them()
    {
        var options = new DemoOptions();
        var adversarial = Phases.All.Single(phase => phase.Name == Phases.Adversarial);
        var fixedPhase = Phases.All.Single(phase => phase.Name == Phases.Fixed);

        Assert.NotEmpty(adversarial.Bursts);
        Assert.Equal(adversarial.Bursts.Select(b => (b.AtFraction, b.Requests)), fixedPhase.Bursts.Select(b => (b.AtFraction, b.Requests)));
        Assert.All(adversarial.Bursts, burst => Assert.StartsWith("/bad/", burst.Path, StringComparison.Ordinal));
        Assert.All(fixedPhase.Bursts, burst => Assert.StartsWith("/fixed/", burst.Path, StringComparison.Ordinal));
        Assert.All(fixedPhase.BurstsFor(options.PhaseDuration), burst => Assert.InRange(burst.At, TimeSpan.Zero, options.PhaseDuration));
        var steady = options.Rate * options.PhaseDuration.TotalSeconds;
        var slowSteady = adversarial.Mix.Where(t => t.Path is "/bad/sync-over-async" or "/bad/sync-io" or "/bad/cpu-loop").Sum(t => t.Weight) / 100 * steady;
        var slowShare = (slowSteady + adversarial.Bursts.Sum(b => b.Requests)) / (steady + adversarial.Bursts.Sum(b => b.Requests));
        Assert.True(slowShare < 0.01, $"{slowShare:P2} of the requests take milliseconds by design: they would set the fixed phase's P99");
    }

    [Fact]
    public void The_study_table_prints_the_studys_figures_beside_this_runs_phases_with_P95()
    {
        var output = new StringWriter();

        ConsoleReport.PrintVerdict(output, new DemoOptions(), Results(180, 3.9, new ReportTailShare()));

        var lines = output.ToString().Split(Environment.NewLine);
        Assert.Contains(lines, line => line.Contains("Tokio Versus Goroutines: Latency Under Adversarial Load", StringComparison.Ordinal) && line.Contains("10,000 req/s under memory pressure", StringComparison.Ordinal) && line.Contains("ran at 700 req/s", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("study: Tokio", StringComparison.Ordinal) && line.Contains("0.8     2.1     4.5      12", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("study: goroutines", StringComparison.Ordinal) && line.Contains("1.2      15      45    200+", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("this run: adversarial, client", StringComparison.Ordinal) && line.Contains("0.80    1.00     180     360", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("this run: fixed, client", StringComparison.Ordinal) && line.Contains("0.80    1.00    3.90    7.80", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("this run: fixed, probe in service", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("Verdict: proven this run.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rate_from_the_command_line_is_named_as_such_in_the_table()
    {
        Assert.Contains("ran at 1,500 req/s on", new DemoOptions { Rate = 1500 }.RateNote, StringComparison.Ordinal);
        Assert.Contains("(--rate; the default is 700)", new DemoOptions { Rate = 1500 }.RateNote, StringComparison.Ordinal);
    }

    private static string Verdict(double adversarialP99, double fixedP99, ReportTailShare? adversarialShare = null)
    {
        var output = new StringWriter();
        ConsoleReport.PrintVerdict(output, new DemoOptions(), Results(adversarialP99, fixedP99, adversarialShare ?? new ReportTailShare()));
        return output.ToString();
    }

    private static PhaseResult[] Results(double adversarialP99, double fixedP99, ReportTailShare adversarialShare) =>
    [
        Phase(Phases.Baseline, 2, new ReportTailShare { Unexplained = 1 }),
        Phase(Phases.Adversarial, adversarialP99, adversarialShare),
        Phase(Phases.Fixed, fixedP99, new ReportTailShare { Unexplained = 1 }),
    ];

    private static PhaseResult Phase(string name, double p99, ReportTailShare primary)
    {
        var phase = Phases.All.Single(p => p.Name == name);
        var latency = new ClientLatency(1_500, 0.8, 1, p99, p99 * 2, p99 * 3) { P95 = 1 };
        var plan = new LoadPlan { BaseAddress = new Uri("http://127.0.0.1:1"), RatePerSecond = 500, Duration = TimeSpan.FromSeconds(3), Mix = phase.Mix };
        var client = new LoadResult(plan, 1_500, 1_500, 0, 0, false, 3, 500, latency, latency, ClientLatency.Empty,
            [.. phase.Mix.Select(target => new EndpointResult(target.Path, target.Weight, 100, 100, 0, 0, latency))]);
        var probe = new Report
        {
            Target = new ReportTarget(),
            Session = new ReportSession(),
            Requests = new ReportRequests
            {
                Count = 1_500,
                LatencyMs = new TailGuard.RuntimeProbe.Reporting.LatencySummary { P50 = 0.05, P90 = 0.1, P99 = p99 * 0.8, P999 = p99, Max = p99 * 2 },
                Endpoints = [],
                KestrelQueues = new ReportKestrelQueues(),
            },
            Gc = new ReportGc { Pauses = [], ByGeneration = [] },
            ThreadPool = new ReportThreadPool { StarvationEpisodes = [] },
            Contention = new ReportContention(),
            Tail = [new ReportTail { Percentile = 99, ThresholdMs = 20, Requests = 15, Share = primary, PrimaryShare = primary }],
            SlowestRequests = [],
            BlockingSites = [],
            Recommendations = [],
            Timeline = new ReportTimeline { Points = [] },
            Slo = new ReportSlo { Rules = [] },
        };
        var start = new DateTime(2025, 11, 26, 12, 0, 0, DateTimeKind.Utc);
        return new PhaseResult(phase, client, start, start.AddSeconds(3)) { Probe = probe };
    }
}
