using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Attribution;

public sealed class AttributorTests
{
    private readonly GcPauseTracker _gc = new(maxPausesListed: 10);
    private readonly StarvationTracker _starvation = new(new StarvationSettings(LeadMs: 500, GapMs: 3_000, MaxBackdateMs: 3_000, MaxEpisodesListed: 10));
    private readonly ContentionTracker _contention = new(maxWaitsListed: 10);
    private readonly Attributor _attributor;

    public AttributorTests() => _attributor = new Attributor(_gc, _starvation, _contention);

    [Fact]
    public void A_request_that_overlaps_nothing_is_unexplained()
    {
        Pause(100, 110);

        Assert.Equal(Cause.None, _attributor.Attribute(0, 50, watermark: 200));
        Assert.Equal(Cause.None, _attributor.Primary());
    }

    [Fact]
    public void Starvation_counts_only_outside_the_pauses_and_the_longer_overlap_is_primary()
    {
        Pause(1_000, 1_300);
        _starvation.On(new ThreadPoolAdjustment(1_500, 8, ThreadAdjustmentReason.Starvation), threadsBefore: 7);
        _starvation.End(2_000);

        var causes = _attributor.Attribute(900, 1_700, watermark: 2_000);

        Assert.Equal(Cause.GcPause | Cause.ThreadPoolStarvation, causes);
        Assert.Equal(300, _attributor.OverlapMs(Cause.GcPause));
        Assert.Equal(400, _attributor.OverlapMs(Cause.ThreadPoolStarvation), precision: 9);
        Assert.Equal(Cause.ThreadPoolStarvation, _attributor.Primary());
    }

    [Fact]
    public void Of_equal_overlaps_the_earlier_cause_is_primary()
    {
        Pause(100, 110);
        _contention.On(new ContentionStop(130, ThreadId: 1, DurationNs: 10e6));

        Assert.Equal(Cause.GcPause | Cause.LockContention, _attributor.Attribute(0, 200, watermark: 200));
        Assert.Equal(Cause.GcPause, _attributor.Primary());
    }

    [Fact]
    public void The_windows_of_every_cause_are_the_trackers_own()
    {
        Assert.Equal([_gc.Windows, _starvation.Windows, _contention.Windows], _attributor.Windows);
    }

    private void Pause(double start, double end)
    {
        _gc.On(new GcSuspendBegin(start, SuspendReason.ForGC));
        _gc.On(new GcRestartEnd(end));
    }
}
