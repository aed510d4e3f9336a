using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rules;
using TailGuard.RuntimeProbe.Tests.Analysis;

namespace TailGuard.RuntimeProbe.Tests.Reporting;

/// <summary>The GC recommendation reads what the trace shows: the GC mode and why the collections ran.</summary>
public sealed class GcRecommendationTests
{
    [Fact]
    public void A_server_gc_process_is_not_told_to_consider_server_gc()
    {
        var report = Paused(reason: "AllocSmall").Add(new GcHeapCount(900, 4)).Run(endMs: 2_000);

        var gc = Assert.Single(report.Recommendations, r => r.Cause == "gcPause");
        Assert.Equal(4, report.Gc.HeapCount);
        Assert.DoesNotContain("consider Server GC", gc.Text, StringComparison.Ordinal);
        Assert.Contains("Server GC is already on (4 heaps)", gc.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workstation_gc_process_is_still_told_to_consider_server_gc()
    {
        var report = Paused(reason: "AllocSmall").Add(new GcHeapCount(900, 1)).Run(endMs: 2_000);

        Assert.Contains("consider Server GC", Assert.Single(report.Recommendations, r => r.Cause == "gcPause").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void When_every_pause_is_induced_the_recommendation_names_gc_collect_alone()
    {
        var report = Paused(reason: "Induced").Run(endMs: 2_000);

        var gc = Assert.Single(report.Recommendations, r => r.Cause == "gcPause");
        Assert.Equal([RuleIds.InducedGarbageCollection], gc.Rules);
        Assert.Contains("something calls GC.Collect", gc.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Server GC", gc.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("gen0", gc.Text, StringComparison.Ordinal);
    }

    private static EventSequence Paused(string reason)
    {
        var events = new EventSequence();
        for (var i = 0; i < 5; i++)
        {
            var start = 100 + i * 200;
            events.Request(start - 10, start + 60);
            events.Add(new GcSuspendBegin(start, SuspendReason.ForGC))
                .Add(new GcStart(start + 0.01, i, 2, reason, "NonConcurrentGC"))
                .Add(new GcEnd(start + 49, i))
                .Add(new GcRestartEnd(start + 50));
        }

        return events;
    }
}
