using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Timeline;

public sealed class GcPauseTrackerTests
{
    [Fact]
    public void A_pause_runs_from_suspension_to_restart_and_is_named_by_the_gc_that_started_in_it()
    {
        var gc = new GcPauseTracker(maxPausesListed: 10);

        gc.On(new GcSuspendBegin(100, SuspendReason.ForGC));
        gc.On(new GcStart(100.2, 7, 1, "AllocSmall", "NonConcurrentGC"));
        gc.On(new GcEnd(103, 7));
        gc.On(new GcRestartEnd(104));

        Assert.Equal([new GcPause(100, 4, 1, "AllocSmall", "NonConcurrentGC")], gc.Listed);
        Assert.Equal((1, 4.0, 4.0), (gc.PauseCount, gc.TotalPauseMs, gc.MaxPauseMs));
        Assert.Equal([new KeyValuePair<int, (int, double, double)>(1, (1, 4, 4))], gc.ByGeneration);
        Assert.Equal(0, gc.UnpairedEvents);
    }

    [Fact]
    public void Suspensions_for_anything_but_a_gc_are_not_pauses()
    {
        var gc = new GcPauseTracker(maxPausesListed: 10);

        gc.On(new GcSuspendBegin(100, SuspendReason.ForDebugger));
        gc.On(new GcRestartEnd(150));

        Assert.Equal(0, gc.PauseCount);
        Assert.Equal(0, gc.UnpairedEvents);
    }

    [Fact]
    public void A_background_gcs_pause_without_its_own_gc_start_belongs_to_the_gc_still_running()
    {
        var gc = new GcPauseTracker(maxPausesListed: 10);
        gc.On(new GcStart(10, 3, 2, "AllocLarge", "BackgroundGC"));

        gc.On(new GcSuspendBegin(50, SuspendReason.ForGCPrep));
        gc.On(new GcRestartEnd(52));

        Assert.Equal(2, Assert.Single(gc.Listed).Generation);
    }

    [Fact]
    public void A_lost_restart_is_unpaired_and_a_pause_open_at_the_end_counts_up_to_the_end()
    {
        var gc = new GcPauseTracker(maxPausesListed: 10);

        gc.On(new GcSuspendBegin(10, SuspendReason.ForGC));
        gc.On(new GcSuspendBegin(20, SuspendReason.ForGC));
        gc.End(25);

        Assert.Equal(1, gc.UnpairedEvents);
        Assert.Equal([new GcPause(20, 5, -1, "Unknown", "Unknown")], gc.Listed);
    }

    [Fact]
    public void An_open_pause_overlaps_up_to_the_watermark()
    {
        var gc = new GcPauseTracker(maxPausesListed: 10);
        gc.On(new GcSuspendBegin(10, SuspendReason.ForGC));
        var clipped = new List<Interval>();

        gc.Windows.Clip(0, 100, watermark: 30, clipped);

        Assert.Equal([new Interval(10, 30)], clipped);
    }

    [Fact]
    public void Only_the_longest_pauses_are_listed_and_every_pause_is_counted()
    {
        var gc = new GcPauseTracker(maxPausesListed: 2);
        foreach (var (start, length) in new[] { (0.0, 3.0), (10, 1), (20, 5), (30, 2) })
        {
            gc.On(new GcSuspendBegin(start, SuspendReason.ForGC));
            gc.On(new GcRestartEnd(start + length));
        }

        Assert.Equal([5.0, 3.0], gc.Listed.Select(p => p.DurationMs).OrderDescending());
        Assert.Equal(4, gc.PauseCount);
        Assert.Equal(2, gc.LastPauseMs);
    }
}
