using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Integration;
using TailGuard.Tool;

namespace TailGuard.RuntimeProbe.Tests.Tool;

/// <summary>The --slo gate: no request is never a pass, and a failed gate names its rules on standard error.</summary>
public sealed class SloGateTests
{
    private static readonly Lazy<Report> Recorded = new(() => ReportJson.Deserialize(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.report.json"))));

    // The report the correlator builds for an idle target: no request, so no latency; rules over it must not pass on a 0.
    private static Report Idle(IReadOnlyList<SloRule> rules) =>
        new Correlator().Complete(new ReportContext { Target = new ReportTarget(), EndMs = 1_000, Slo = rules });

    [Fact]
    public async Task An_slo_over_no_requests_fails_every_rule_and_says_no_request_was_seen()
    {
        var rules = SloRule.ParseList("p99<1us,max<1s");
        using var error = new StringWriter();

        var report = Idle(rules);
        var code = await SloGate.ConcludeAsync(report, error);

        Assert.Equal(ReturnCode.SloViolated, code);
        Assert.False(report.Slo.Passed);
        Assert.All(report.Slo.Rules, r => Assert.False(r.Passed));
        Assert.Contains(SloRule.NoRequestsNote, report.Session.Notes);
        Assert.Equal("dotnet-tailguard: SLO not met: no request was seen, and an SLO over no requests fails (p99<1us, max<1s)." + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Without_slo_rules_a_report_with_no_requests_passes_and_carries_no_slo_note()
    {
        var idle = Idle([]);

        Assert.True(idle.Slo.Passed);
        Assert.Empty(idle.Slo.Rules);
        Assert.DoesNotContain(SloRule.NoRequestsNote, idle.Session.Notes);
    }

    [Fact]
    public async Task A_violated_slo_names_each_failed_rule_and_its_actual_value_in_one_line()
    {
        var rules = SloRule.ParseList("p50<1us,max<100s,p99<2us");
        var report = Recorded.Value with { Slo = SloRule.EvaluateAll(rules, Recorded.Value.Requests.LatencyMs) };
        using var error = new StringWriter();

        var code = await SloGate.ConcludeAsync(report, error);

        Assert.Equal(ReturnCode.SloViolated, code);
        var line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dotnet-tailguard: SLO violated: p50<1us (actual ", line, StringComparison.Ordinal);
        Assert.Contains(", p99<2us (actual ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("max<100s", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_met_slo_exits_with_0_and_says_nothing()
    {
        var rules = SloRule.ParseList("max<100s");
        var report = Recorded.Value with { Slo = SloRule.EvaluateAll(rules, Recorded.Value.Requests.LatencyMs) };
        using var error = new StringWriter();

        Assert.Equal(ReturnCode.Success, await SloGate.ConcludeAsync(report, error));
        Assert.Equal("", error.ToString());
    }
}
