using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Integration;
using TailGuard.Tool;

namespace TailGuard.RuntimeProbe.Tests.Tool;

/// <summary>The --slo gate: no request is never a pass, and a failed gate names its rules on standard error.</summary>
public sealed class SloGateTests
{
    private static readonly Lazy<Report> Recorded = new(() => ReportJson.Deserialize(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests", "TailGuard.RuntimeProbe.Tests", "Traces", "starved-gc-contention.report.json"))));

    // The recorded report as the correlator builds it for an idle target: no request, every rule "met" by a latency of 0.
    private static Report Idle(IReadOnlyList<SloRule> rules) => Recorded.Value with
    {
        Requests = Recorded.Value.Requests with { Count = 0, LatencyMs = LatencySummary.Empty },
        Slo = SloRule.EvaluateAll(rules, LatencySummary.Empty),
    };

    [Fact]
    public async Task An_slo_over_no_requests_fails_every_rule_and_says_no_request_was_seen()
    {
        var rules = SloRule.ParseList("p99<1us,max<1s");
        using var error = new StringWriter();

        var report = SloGate.Apply(Idle(rules), rules);
        var code = await SloGate.ConcludeAsync(report, error);

        Assert.Equal(ReturnCode.SloViolated, code);
        Assert.False(report.Slo.Passed);
        Assert.All(report.Slo.Rules, r => Assert.False(r.Passed));
        Assert.Contains(SloGate.NoRequestsNote, report.Session.Notes);
        Assert.Equal("dotnet-tailguard: SLO not met: no request was seen, and an SLO over no requests fails (p99<1us, max<1s)." + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Without_slo_rules_a_report_with_no_requests_is_left_as_it_is()
    {
        var idle = Idle([]);

        Assert.Same(idle, SloGate.Apply(idle, []));
    }

    [Fact]
    public async Task A_violated_slo_names_each_failed_rule_and_its_actual_value_in_one_line()
    {
        var rules = SloRule.ParseList("p50<1us,max<100s,p99<2us");
        var report = Recorded.Value with { Slo = SloRule.EvaluateAll(rules, Recorded.Value.Requests.LatencyMs) };
        using var error = new StringWriter();

        var code = await SloGate.ConcludeAsync(SloGate.Apply(report, rules), error);

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

        Assert.Equal(ReturnCode.Success, await SloGate.ConcludeAsync(SloGate.Apply(report, rules), error));
        Assert.Equal("", error.ToString());
    }
}
