using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

/// <summary>The scheduling delay, stalled queues and what the report says of them, from synthetic event sequences.</summary>
public sealed class SchedulingDelayReportTests
{
    [Fact]
    public void The_report_gives_the_scheduling_delay_distribution_and_the_pair_counts()
    {
        var events = new EventSequence().Request(0, 5);
        for (var i = 0; i < 100; i++)
        {
            events.Add(new ThreadPoolWorkEnqueued(10 + i, 0x1000 + i)).Add(new ThreadPoolWorkDequeued(10 + i + (i == 99 ? 40 : 0.5), 0x1000 + i));
        }

        events.Add(new ThreadPoolWorkDequeued(300, 0x9999)).Add(new ThreadPoolWorkEnqueued(400, 0x7777));

        var report = events.Run(endMs: 1_000);

        var delay = report.ThreadPool.SchedulingDelayMs!;
        Assert.Equal(0.5, delay.P50);
        Assert.Equal(40, delay.Max);
        Assert.Equal(new ReportWorkItems
        {
            Enqueued = 101, Dequeued = 101, Paired = 100, UnpairedDequeues = 1, QueuedAtEnd = 1, OldestQueuedMs = 600,
        }, report.ThreadPool.WorkItems);
        Assert.Equal(100, report.ThreadPool.SchedulingDelayTimeline!.Points.Sum(p => p.Count));
        Assert.DoesNotContain(SchedulingReport.NotMeasuredNote, report.Session.Notes);
        Assert.Equal("high", report.Session.Confidence);
    }

    [Fact]
    public void Calls_and_records_give_the_same_scheduling_delay()
    {
        var correlator = new Correlator();
        correlator.ThreadPoolEnqueue(10, 1);
        correlator.ThreadPoolDequeue(12.5, 1);
        var report = correlator.Complete(new ReportContext { Target = new ReportTarget(), EndMs = 100 });

        var fromRecords = new EventSequence().Add(new ThreadPoolWorkEnqueued(10, 1)).Add(new ThreadPoolWorkDequeued(12.5, 1)).Run(endMs: 100);

        Assert.Equal(2.5, report.ThreadPool.SchedulingDelayMs!.Max);
        Assert.Equal(fromRecords.ThreadPool.SchedulingDelayMs, report.ThreadPool.SchedulingDelayMs);
    }

    [Fact]
    public void Without_the_events_one_note_says_so_and_the_fields_are_null()
    {
        var report = new EventSequence().Request(0, 5).Run(endMs: 1_000);

        Assert.Null(report.ThreadPool.SchedulingDelayMs);
        Assert.Null(report.ThreadPool.WorkItems);
        Assert.Single(report.Session.Notes, SchedulingReport.NotMeasuredNote);
    }

    [Fact]
    public void A_work_item_that_waited_past_the_stall_threshold_makes_an_episode_without_any_adjustment()
    {
        var events = new EventSequence().Request(0, 5)
            .Add(new ThreadPoolWorkEnqueued(2_000, 1))
            .Add(new ThreadPoolWorkDequeued(3_500, 1))
            .Request(9_000, 9_001);

        var report = events.Run(endMs: 10_000);

        var episode = Assert.Single(report.ThreadPool.StarvationEpisodes);
        Assert.Equal(2_000, episode.StartMs);
        Assert.Equal(4_000, episode.EndMs);
        Assert.Equal(0, episode.ThreadsInjected);
        Assert.Equal(1, report.ThreadPool.QueueStallEpisodes);
        Assert.Contains(report.Recommendations, r => r.Text.Contains("looks capped", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deadlocked_pool_is_starved_and_the_report_says_the_target_looks_deadlocked()
    {
        // The pool is capped and every thread blocks: requests start, work is queued, nothing is dequeued or completes.
        var events = new EventSequence();
        for (var i = 0; i < 8; i++)
        {
            events.Add(new HostingRequestStart(100 + i, Guid.NewGuid(), "GET", "/blocking/sync-over-async"));
            events.Add(new ThreadPoolWorkEnqueued(120 + i, 0x100 + i));
        }

        for (var t = 1_000; t <= 5_000; t += 1_000)
        {
            events.Add(new RuntimeCounter(t, CounterNames.ThreadPoolQueueLength, 8));
            events.Add(new ThreadPoolWorkEnqueued(t + 1, 0x1000 + t));
        }

        var report = events.Run(endMs: 5_500);

        Assert.NotEmpty(report.ThreadPool.StarvationEpisodes);
        Assert.True(report.ThreadPool.StarvationEpisodes[0].StartMs <= 1_200, $"starts at {report.ThreadPool.StarvationEpisodes[0].StartMs}");
        Assert.NotEqual("high", report.Session.Confidence);
        Assert.Contains(report.Session.Notes, n => n.StartsWith("The target looks deadlocked", StringComparison.Ordinal));
        Assert.Equal(0, report.Requests.Count);
    }

    [Fact]
    public void A_work_item_whose_dequeue_was_lost_in_an_idle_pool_is_no_episode()
    {
        var events = new EventSequence().Request(0, 5).Add(new ThreadPoolWorkEnqueued(10, 1));
        for (var t = 1_000; t <= 8_000; t += 1_000)
        {
            events.Add(new RuntimeCounter(t, CounterNames.ThreadPoolQueueLength, 0));
        }

        var report = events.Run(endMs: 8_500);

        Assert.Empty(report.ThreadPool.StarvationEpisodes);
        Assert.Equal("high", report.Session.Confidence);
    }
}
