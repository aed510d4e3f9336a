using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Tests.Timeline;

public sealed class SchedulingDelayTrackerTests
{
    private static readonly SchedulingDelaySettings Settings = new(MaxQueued: 4, StallMs: 1_000, StallCheckMs: 100);

    [Fact]
    public void A_work_items_delay_is_its_dequeue_minus_its_enqueue_by_work_id()
    {
        var tracker = new SchedulingDelayTracker(Settings);

        tracker.Enqueue(10, workId: 0x1000);
        tracker.Enqueue(11, workId: 0x2000);

        Assert.Equal(4.5, tracker.Dequeue(15.5, workId: 0x2000));
        Assert.Equal(10, tracker.Dequeue(20, workId: 0x1000));
        Assert.Equal(2, tracker.Paired);
        Assert.Equal(0, tracker.Queued);
    }

    [Fact]
    public void A_dequeue_without_its_enqueue_is_counted_and_gives_no_delay()
    {
        var tracker = new SchedulingDelayTracker(Settings);

        Assert.Equal(-1, tracker.Dequeue(5, workId: 0x1000));
        Assert.Equal(1, tracker.UnpairedDequeues);
        Assert.Equal(0, tracker.Paired);
        Assert.True(tracker.Seen);
    }

    [Fact]
    public void An_id_enqueued_again_before_its_dequeue_counts_the_first_enqueue_as_unpaired()
    {
        var tracker = new SchedulingDelayTracker(Settings);

        tracker.Enqueue(10, workId: 0x1000);
        tracker.Enqueue(30, workId: 0x1000);

        Assert.Equal(5, tracker.Dequeue(35, workId: 0x1000));
        Assert.Equal(1, tracker.UnpairedEnqueues);
    }

    [Fact]
    public void Past_the_limit_the_oldest_queued_item_is_dropped_and_counted()
    {
        var tracker = new SchedulingDelayTracker(Settings);

        for (var id = 1; id <= 6; id++)
        {
            tracker.Enqueue(id, workId: id);
        }

        Assert.Equal(4, tracker.Queued);
        Assert.Equal(2, tracker.UnpairedEnqueues);
        Assert.Equal(3, tracker.OldestQueuedMs());
        Assert.Equal(-1, tracker.Dequeue(10, workId: 1));
    }

    [Fact]
    public void The_oldest_queued_item_skips_those_already_dequeued()
    {
        var tracker = new SchedulingDelayTracker(Settings);
        tracker.Enqueue(1, workId: 1);
        tracker.Enqueue(2, workId: 2);

        tracker.Dequeue(3, workId: 1);

        Assert.Equal(2, tracker.OldestQueuedMs());
        tracker.Dequeue(4, workId: 2);
        Assert.Null(tracker.OldestQueuedMs());
    }

    [Fact]
    public void A_queue_is_stalled_when_an_item_waited_past_the_threshold_and_nothing_was_dequeued_for_as_long()
    {
        var tracker = new SchedulingDelayTracker(Settings);
        tracker.Enqueue(100, workId: 1);
        tracker.Enqueue(200, workId: 2);

        Assert.Null(tracker.StalledSince(900));
        Assert.Equal(100, tracker.StalledSince(1_200));
    }

    [Fact]
    public void A_pool_that_keeps_dequeuing_is_not_stalled_by_an_item_whose_dequeue_was_lost()
    {
        var tracker = new SchedulingDelayTracker(Settings);
        tracker.Enqueue(0, workId: 1);
        for (var t = 100; t <= 3_000; t += 100)
        {
            tracker.Enqueue(t, workId: 1_000 + t);
            tracker.Dequeue(t + 1, workId: 1_000 + t);
            Assert.Null(tracker.StalledSince(t + 1));
        }
    }

    [Fact]
    public void The_stall_check_runs_at_most_once_per_check_period()
    {
        var tracker = new SchedulingDelayTracker(Settings);
        tracker.Enqueue(0, workId: 1);

        Assert.Equal(0, tracker.StalledSince(1_000));
        Assert.Null(tracker.StalledSince(1_050));
        Assert.Equal(0, tracker.StalledSince(1_100));
    }

    [Fact]
    public void Pairing_allocates_nothing_once_the_collections_have_grown()
    {
        var tracker = new SchedulingDelayTracker(new SchedulingDelaySettings(MaxQueued: 1_024, StallMs: 1_000, StallCheckMs: 100));
        for (var i = 0; i < 2_000; i++)
        {
            tracker.Enqueue(i, workId: i % 512);
            tracker.Dequeue(i + 0.5, workId: i % 512);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            tracker.Enqueue(i, workId: i % 512);
            tracker.Dequeue(i + 0.5, workId: i % 512);
            tracker.StalledSince(i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
