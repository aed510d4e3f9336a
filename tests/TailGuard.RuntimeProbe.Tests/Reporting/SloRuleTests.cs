using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Reporting;

public sealed class SloRuleTests
{
    private static readonly LatencySummary Latency = new() { P50 = 1, P90 = 2, P99 = 5, P999 = 19.5, Max = 40 };

    [Fact]
    public void Rules_parse_with_their_units()
    {
        var rules = SloRule.ParseList("p99<5ms, p999<=0.02s ,max<40000us,p99.9<20ms");

        Assert.Equal(["p99", "p999", "max", "p999"], rules.Select(r => r.Metric));
        Assert.Equal([5, 20, 40, 20], rules.Select(r => r.LimitMs));
        Assert.True(rules[1].Inclusive);
    }

    [Fact]
    public void A_strict_limit_fails_at_equality_and_an_inclusive_one_passes()
    {
        var slo = SloRule.EvaluateAll(SloRule.ParseList("p99<5ms,p50<=1ms"), Latency);

        Assert.False(slo.Passed);
        Assert.False(slo.Rules[0].Passed);
        Assert.Equal(5, slo.Rules[0].ActualMs);
        Assert.True(slo.Rules[1].Passed);
    }

    [Fact]
    public void Every_rule_passing_passes_the_slo()
    {
        Assert.True(SloRule.EvaluateAll(SloRule.ParseList("p99<6ms,p999<20ms,max<1s"), Latency).Passed);
    }

    [Theory]
    [InlineData("p98<5ms")]
    [InlineData("p99>5ms")]
    [InlineData("p99<5")]
    [InlineData("p99<five ms")]
    [InlineData(" , ")]
    public void Invalid_rules_are_rejected_with_a_readable_message(string text)
    {
        var ex = Assert.Throws<FormatException>(() => SloRule.ParseList(text));
        Assert.Contains("p99<5ms", ex.Message, StringComparison.Ordinal);
    }
}
