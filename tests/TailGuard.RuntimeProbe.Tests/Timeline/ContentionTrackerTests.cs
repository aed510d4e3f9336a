using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Timeline;

public sealed class ContentionTrackerTests
{
    [Fact]
    public void A_wait_runs_from_its_start_to_its_stop_on_the_same_thread()
    {
        var contention = new ContentionTracker(maxWaitsListed: 10);

        contention.On(new ContentionStart(10, ThreadId: 3));
        contention.On(new ContentionStart(11, ThreadId: 4));
        contention.On(new ContentionStop(15, ThreadId: 3, DurationNs: null));

        Assert.Equal([new ContentionWait(10, 5)], contention.LongestWaits);
        Assert.Equal((1L, 5.0, 5.0), (contention.Count, contention.TotalWaitMs, contention.MaxWaitMs));
    }

    [Fact]
    public void A_stop_without_its_start_uses_the_runtimes_duration_and_a_negative_one_is_dropped()
    {
        var contention = new ContentionTracker(maxWaitsListed: 10);

        contention.On(new ContentionStop(20, ThreadId: 3, DurationNs: 4e6));
        contention.On(new ContentionStop(30, ThreadId: 3, DurationNs: -1));
        contention.On(new ContentionStop(40, ThreadId: 5, DurationNs: null));

        Assert.Equal([new ContentionWait(16, 4)], contention.LongestWaits);
    }

    [Fact]
    public void Waits_still_open_overlap_a_request_up_to_its_end()
    {
        var contention = new ContentionTracker(maxWaitsListed: 10);
        contention.On(new ContentionStart(10, ThreadId: 3));
        contention.On(new ContentionStop(12, ThreadId: 3, DurationNs: null));
        contention.On(new ContentionStart(50, ThreadId: 3));
        var clipped = new List<Interval>();

        contention.Clip(11, 80, watermark: 60, clipped);

        Assert.Equal([new Interval(11, 12), new Interval(50, 80)], clipped);
    }

    [Fact]
    public void Only_the_longest_waits_are_listed()
    {
        var contention = new ContentionTracker(maxWaitsListed: 2);
        foreach (var (start, length) in new[] { (0.0, 3.0), (10, 1), (20, 5), (30, 2) })
        {
            contention.On(new ContentionStop(start + length, ThreadId: 1, DurationNs: length * 1e6));
        }

        Assert.Equal([5.0, 3.0], contention.LongestWaits.Select(w => w.DurationMs).OrderDescending());
        Assert.Equal(4, contention.Count);
    }
}
