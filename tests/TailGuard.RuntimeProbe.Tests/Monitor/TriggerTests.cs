using TailGuard.Monitor;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>Triggers parsed and evaluated on synthetic measurements.</summary>
public sealed class TriggerTests
{
    [Theory]
    [InlineData("p99>50ms for 30s", TriggerKind.Percentile, 99, 50, 30_000)]
    [InlineData("P999 > 1s", TriggerKind.Percentile, 99.9, 1_000, 30_000)]
    [InlineData("starvation", TriggerKind.Starvation, 0, 0, 30_000)]
    [InlineData("starvation for 2m", TriggerKind.Starvation, 0, 0, 120_000)]
    [InlineData("gcpause>100ms", TriggerKind.GcPause, 0, 100, 30_000)]
    public void Triggers_parse(string text, TriggerKind kind, double percentile, double thresholdMs, double rollingMs)
    {
        var rule = TriggerRule.Parse(text);

        Assert.Equal((kind, percentile, thresholdMs, rollingMs), (rule.Kind, rule.Percentile, rule.ThresholdMs, rule.RollingMs));
    }

    [Theory]
    [InlineData("p99")]
    [InlineData("p98>5ms")]
    [InlineData("starvation>1s")]
    [InlineData("gcpause")]
    [InlineData("p99>5ms for 500ms")]
    [InlineData("p99>5 ms for ever")]
    public void Bad_triggers_say_what_is_accepted(string text) => Assert.Throws<FormatException>(() => TriggerRule.Parse(text));

    [Fact]
    public void A_trigger_fires_once_when_it_starts_to_hold_and_again_only_after_it_stopped()
    {
        var triggers = new TriggerEvaluator([TriggerRule.Parse("gcpause>100ms for 5s")]);
        triggers.GcPause(1_000, 150, 2, "NonConcurrentGC", "Induced");
        triggers.Evaluate(1_200);
        Assert.Single(triggers.TakeFired());

        triggers.GcPause(2_000, 300, 2, "NonConcurrentGC", "Induced");
        triggers.Evaluate(3_000);
        Assert.Empty(triggers.TakeFired());

        triggers.Evaluate(9_000);
        triggers.GcPause(9_500, 50, 0, "NonConcurrentGC", "AllocSmall");
        triggers.Evaluate(9_600);
        Assert.Empty(triggers.TakeFired());

        triggers.GcPause(10_000, 120, 2, "NonConcurrentGC", "Induced");
        triggers.Evaluate(10_200);
        Assert.Single(triggers.TakeFired());
    }

    [Fact]
    public void The_percentile_trigger_needs_its_threshold_crossed_over_the_rolling_window()
    {
        var triggers = new TriggerEvaluator([TriggerRule.Parse("p99>50ms for 10s")]);
        for (var i = 0; i < 200; i++)
        {
            triggers.RequestCompleted(i * 10, "GET /", i % 100 == 99 ? 80 : 5, totalMs: null);
        }

        triggers.Evaluate(2_000);
        Assert.Empty(triggers.TakeFired());

        for (var i = 0; i < 10; i++)
        {
            triggers.RequestCompleted(2_000 + i, "GET /", 90, totalMs: null);
        }

        triggers.Evaluate(2_100);
        Assert.Single(triggers.TakeFired());
    }

    [Fact]
    public void Time_continues_across_sessions()
    {
        var triggers = new TriggerEvaluator([TriggerRule.Parse("starvation for 5s")]);
        triggers.SessionStarted(100_000);
        triggers.StarvationEpisode(1_000, 2_000, ongoing: false);
        triggers.Evaluate(103_000);
        Assert.Single(triggers.TakeFired());

        triggers.Evaluate(108_000);
        Assert.Empty(triggers.TakeFired());
    }
}
