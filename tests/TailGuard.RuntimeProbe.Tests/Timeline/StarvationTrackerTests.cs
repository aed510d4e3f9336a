using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Timeline;

public sealed class StarvationTrackerTests
{
    private static readonly StarvationSettings Settings = new(LeadMs: 500, GapMs: 3_000, MaxBackdateMs: 3_000, MaxEpisodesListed: 10);

    [Fact]
    public void An_episode_starts_a_lead_before_its_first_adjustment_and_ends_a_lead_after_its_last()
    {
        var starvation = new StarvationTracker(Settings);

        starvation.On(Starvation(2_000, threads: 5), threadsBefore: 4);
        starvation.On(Starvation(3_000, threads: 7), threadsBefore: 5);
        starvation.Advance(6_001);

        Assert.Equal([new StarvationEpisode(1_500, 3_500, ThreadsInjected: 3, Ongoing: false)], starvation.Listed);
        Assert.False(starvation.Starving);
        Assert.Equal(2, starvation.StarvationAdjustments);
    }

    [Fact]
    public void Adjustments_for_other_reasons_are_no_evidence()
    {
        var starvation = new StarvationTracker(Settings);

        starvation.On(new ThreadPoolAdjustment(2_000, 5, ThreadAdjustmentReason.ClimbingMove), threadsBefore: 4);

        Assert.False(starvation.Starving);
        Assert.Equal(0, starvation.StarvationAdjustments + starvation.CooperativeBlockingAdjustments);
    }

    [Fact]
    public void A_queue_already_non_empty_backdates_the_episode_and_an_empty_queue_ends_it()
    {
        var starvation = new StarvationTracker(Settings);

        starvation.On(Queue(1_000, 40));
        starvation.On(new ThreadPoolAdjustment(2_000, 5, ThreadAdjustmentReason.CooperativeBlocking), threadsBefore: null);
        starvation.On(Queue(3_000, 0));

        Assert.Equal([new StarvationEpisode(1_000, 3_000, ThreadsInjected: 1, Ongoing: false)], starvation.Listed);
        Assert.Equal(1, starvation.CooperativeBlockingAdjustments);
    }

    [Fact]
    public void An_episode_with_recent_evidence_at_the_end_is_ongoing_until_the_end()
    {
        var starvation = new StarvationTracker(Settings);
        starvation.On(Starvation(2_000, threads: 5), threadsBefore: 4);

        starvation.End(4_000);

        Assert.Equal([new StarvationEpisode(1_500, 4_000, ThreadsInjected: 1, Ongoing: true)], starvation.Listed);
    }

    [Fact]
    public void An_open_episode_overlaps_up_to_the_watermark()
    {
        var starvation = new StarvationTracker(Settings);
        starvation.On(Starvation(2_000, threads: 5), threadsBefore: 4);
        var clipped = new List<Interval>();

        starvation.Windows.Clip(0, 10_000, watermark: 2_800, clipped);

        Assert.Equal([new Interval(1_500, 2_800)], clipped);
    }

    private static ThreadPoolAdjustment Starvation(double at, int threads) => new(at, threads, ThreadAdjustmentReason.Starvation);

    private static RuntimeCounter Queue(double at, double length) => new(at, CounterNames.ThreadPoolQueueLength, length);
}
