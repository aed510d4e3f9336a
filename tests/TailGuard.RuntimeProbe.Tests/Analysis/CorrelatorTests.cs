using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

public sealed class CorrelatorTests
{
    [Fact]
    public void Percentiles_come_from_the_request_durations()
    {
        var events = new EventSequence();
        for (var i = 1; i <= 1000; i++)
        {
            events.Request(i * 2000, i * 2000 + i);
        }

        var report = events.Run(endMs: 2_100_000);

        Assert.Equal(1000, report.Requests.Count);
        Assert.Equal("hosting", report.Requests.Source);
        Assert.InRange(report.Requests.LatencyMs.P50, 499.5, 501);
        Assert.InRange(report.Requests.LatencyMs.P90, 899.5, 901);
        Assert.InRange(report.Requests.LatencyMs.P99, 989.5, 991);
        Assert.InRange(report.Requests.LatencyMs.P999, 998.5, 1000);
        Assert.Equal(1000, report.Requests.LatencyMs.Max);
    }

    [Fact]
    public void A_pause_is_the_suspend_to_restart_window_not_gc_start_to_end()
    {
        var report = new EventSequence()
            .Add(new GcSuspendBegin(100, SuspendReason.ForGC))
            .Add(new GcStart(100.5, 7, 2, "AllocLarge", "BackgroundGC"))
            .Add(new GcRestartEnd(110))
            .Add(new GcEnd(400, 7))
            .Run(endMs: 500);

        var pause = Assert.Single(report.Gc.Pauses);
        Assert.Equal(100, pause.StartMs);
        Assert.Equal(10, pause.DurationMs);
        Assert.Equal(2, pause.Generation);
        Assert.Equal("AllocLarge", pause.Reason);
        Assert.Equal("BackgroundGC", pause.Type);
        Assert.Equal(10, report.Gc.TotalPauseMs);
    }

    [Fact]
    public void A_background_gc_pause_without_its_own_gc_start_belongs_to_the_running_gc()
    {
        var report = new EventSequence()
            .Add(new GcSuspendBegin(100, SuspendReason.ForGC))
            .Add(new GcStart(100.5, 7, 2, "AllocLarge", "BackgroundGC"))
            .Add(new GcRestartEnd(102))
            .Add(new GcSuspendBegin(300, SuspendReason.ForGC))
            .Add(new GcRestartEnd(303))
            .Add(new GcEnd(400, 7))
            .Run(endMs: 500);

        Assert.Equal(2, report.Gc.PauseCount);
        Assert.All(report.Gc.Pauses, p => Assert.Equal(2, p.Generation));
        Assert.Equal(5, report.Gc.TotalPauseMs);
        Assert.Equal(3, report.Gc.MaxPauseMs);
    }

    [Fact]
    public void Suspensions_that_are_not_for_a_gc_are_not_pauses()
    {
        var report = new EventSequence()
            .Add(new GcSuspendBegin(100, SuspendReason.ForDebugger))
            .Add(new GcRestartEnd(150))
            .Run(endMs: 500);

        Assert.Equal(0, report.Gc.PauseCount);
    }

    [Fact]
    public void Pauses_that_only_touch_a_request_at_its_edges_do_not_explain_it()
    {
        var report = FastRequests(100)
            .Request(1000, 1100)
            .Pause(990, 1000)
            .Pause(1100, 1110)
            .Run(endMs: 5000);

        var slow = report.SlowestRequests[0];
        Assert.Equal(100, slow.DurationMs);
        Assert.Empty(slow.Causes);
        Assert.Equal(1, report.Tail[0].Share.Unexplained);
    }

    [Fact]
    public void A_pause_that_overlaps_the_last_tenth_of_a_millisecond_explains_the_request()
    {
        var report = FastRequests(100)
            .Request(1000, 1100)
            .Pause(1099.9, 1110)
            .Run(endMs: 5000);

        Assert.Equal([Causes.GcPause], report.SlowestRequests[0].Causes);
        Assert.Equal(0.1, report.SlowestRequests[0].GcPauseOverlapMs, 3);
        Assert.Equal(1, report.Tail[0].Share.GcPause);
    }

    [Fact]
    public void A_request_spanning_several_pauses_counts_once_with_their_overlap_summed()
    {
        var report = FastRequests(100)
            .Request(1000, 1100)
            .Pause(1010, 1020)
            .Pause(1050, 1065)
            .Pause(1095, 1130)
            .Run(endMs: 5000);

        Assert.Equal(1, report.Tail[0].Requests);
        Assert.Equal(1, report.Tail[0].Share.GcPause);
        Assert.Equal(30, report.SlowestRequests[0].GcPauseOverlapMs, 3);
        Assert.Equal(Causes.GcPause, report.SlowestRequests[0].PrimaryCause);
    }

    [Fact]
    public void The_tail_is_split_by_cause_among_the_requests_above_the_threshold()
    {
        var events = FastRequests(1000);
        for (var i = 0; i < 5; i++)
        {
            events.Request(10_000 + i * 1000, 10_000 + i * 1000 + 50).Pause(10_000 + i * 1000 + 20, 10_000 + i * 1000 + 40);
        }

        events.Starvation(20_000).Starvation(20_400);
        for (var i = 0; i < 3; i++)
        {
            events.Request(19_800 + i * 100, 20_100 + i * 100);
        }

        events.Request(30_000, 30_080).Request(31_000, 31_090);

        var report = events.Run(endMs: 40_000);
        var p99 = report.Tail[0];

        Assert.Equal(99, p99.Percentile);
        Assert.Equal(10, p99.Requests);
        Assert.Equal(0.5, p99.Share.GcPause);
        Assert.Equal(0.3, p99.Share.ThreadPoolStarvation);
        Assert.Equal(0, p99.Share.LockContention);
        Assert.Equal(0.2, p99.Share.Unexplained);
        Assert.Equal(0.5, p99.PrimaryShare.GcPause);
        Assert.Equal(0.3, p99.PrimaryShare.ThreadPoolStarvation);
        Assert.Equal(0.2, p99.PrimaryShare.Unexplained);
        Assert.Equal(Causes.ThreadPoolStarvation, report.SlowestRequests[0].PrimaryCause);
        Assert.Equal(99.9, report.Tail[1].Percentile);
    }

    [Fact]
    public void Requests_stalled_by_the_same_pause_all_count_in_the_tail_though_their_latencies_are_equal()
    {
        var events = FastRequests(1000);
        for (var i = 0; i < 20; i++)
        {
            events.Request(5000, 5400);
        }

        var report = events.Pause(5100, 5390).Run(endMs: 10_000);

        Assert.Equal(10, report.Tail[0].Requests);
        Assert.Equal(1, report.Tail[0].Share.GcPause);
        Assert.Equal(1, report.Tail[1].Requests);
        Assert.Equal(1, report.Tail[1].Share.GcPause);
    }

    [Fact]
    public void Time_inside_a_gc_pause_counts_for_the_pause_not_for_starvation()
    {
        var report = FastRequests(100)
            .Request(1000, 1400)
            .Pause(1000, 1300)
            .Starvation(1400)
            .Run(endMs: 9000);

        var slow = report.SlowestRequests[0];
        Assert.Equal([Causes.GcPause, Causes.ThreadPoolStarvation], slow.Causes);
        Assert.Equal(300, slow.GcPauseOverlapMs, 3);
        Assert.Equal(100, slow.StarvationOverlapMs, 3);
        Assert.Equal(Causes.GcPause, slow.PrimaryCause);
        Assert.Equal(1, report.Tail[0].PrimaryShare.GcPause);
    }

    [Fact]
    public void Lock_contention_windows_explain_the_requests_they_overlap()
    {
        var report = FastRequests(100)
            .Request(1000, 1100)
            .Contention(1010, 1090)
            .Run(endMs: 5000);

        Assert.Equal([Causes.LockContention], report.SlowestRequests[0].Causes);
        Assert.Equal(1, report.Contention.Count);
        Assert.Equal(80, report.Contention.TotalWaitMs, 3);
    }

    [Fact]
    public void A_starvation_episode_that_never_ends_is_ongoing_at_the_session_end()
    {
        var report = new EventSequence()
            .Add(new ThreadPoolAdjustment(500, 2, ThreadAdjustmentReason.Warmup))
            .Starvation(1000, 3).Starvation(1500, 4).Starvation(2000, 5)
            .Run(endMs: 2500);

        var episode = Assert.Single(report.ThreadPool.StarvationEpisodes);
        Assert.True(episode.Ongoing);
        Assert.Equal(500, episode.StartMs);
        Assert.Equal(2500, episode.EndMs);
        Assert.Equal(3, episode.ThreadsInjected);
        Assert.Equal(5, report.ThreadPool.MaxThreadCount);
    }

    [Fact]
    public void Starvation_adjustments_far_apart_are_separate_episodes()
    {
        var report = new EventSequence()
            .Starvation(1000).Starvation(5000)
            .Run(endMs: 10_000);

        Assert.Equal(2, report.ThreadPool.StarvationEpisodes.Count);
        Assert.Equal(1500, report.ThreadPool.StarvationEpisodes[0].EndMs);
        Assert.Equal(4500, report.ThreadPool.StarvationEpisodes[1].StartMs);
        Assert.All(report.ThreadPool.StarvationEpisodes, e => Assert.False(e.Ongoing));
    }

    [Fact]
    public void An_episode_lasts_while_the_pool_queue_stays_non_empty_and_ends_when_it_drains()
    {
        var report = new EventSequence()
            .Add(new RuntimeCounter(1000, "threadpool-queue-length", 0))
            .Add(new RuntimeCounter(2000, "threadpool-queue-length", 40))
            .Starvation(2600)
            .Add(new RuntimeCounter(3000, "threadpool-queue-length", 35))
            .Add(new RuntimeCounter(5000, "threadpool-queue-length", 30))
            .Add(new RuntimeCounter(7000, "threadpool-queue-length", 12))
            .Add(new RuntimeCounter(8000, "threadpool-queue-length", 0))
            .Run(endMs: 20_000);

        var episode = Assert.Single(report.ThreadPool.StarvationEpisodes);
        Assert.Equal(2000, episode.StartMs);
        Assert.Equal(8000, episode.EndMs);
        Assert.False(episode.Ongoing);
        Assert.Equal(40, report.ThreadPool.MaxQueueLength);
    }

    [Fact]
    public void A_busy_queue_alone_does_not_make_an_episode()
    {
        var report = new EventSequence()
            .Add(new RuntimeCounter(1000, "threadpool-queue-length", 5))
            .Add(new RuntimeCounter(2000, "threadpool-queue-length", 3))
            .Run(endMs: 5000);

        Assert.Empty(report.ThreadPool.StarvationEpisodes);
    }

    [Fact]
    public void Cooperative_blocking_adjustments_also_make_an_episode()
    {
        var report = new EventSequence()
            .Add(new ThreadPoolAdjustment(1000, 5, ThreadAdjustmentReason.CooperativeBlocking))
            .Run(endMs: 10_000);

        Assert.Single(report.ThreadPool.StarvationEpisodes);
        Assert.Equal(1, report.ThreadPool.CooperativeBlockingAdjustments);
        Assert.Contains(report.Recommendations, r => r.Rules.Contains("TG1001"));
    }

    [Fact]
    public void A_pause_that_never_ends_counts_up_to_the_session_end()
    {
        var report = new EventSequence()
            .Add(new GcSuspendBegin(900, SuspendReason.ForGC))
            .Run(endMs: 1000);

        Assert.Equal(1, report.Gc.PauseCount);
        Assert.Equal(100, report.Gc.TotalPauseMs);
        Assert.Equal(-1, report.Gc.Pauses[0].Generation);
    }

    [Fact]
    public void A_pause_delivered_after_the_request_it_delayed_still_explains_it()
    {
        var report = FastRequests(100)
            .Request(1000, 1100)
            .Add(new HostingRequestStart(1200, Guid.NewGuid(), "GET", "/later"))
            .Pause(1050, 1090)
            .Run(endMs: 5000, asListed: true);

        Assert.Equal([Causes.GcPause], report.SlowestRequests[0].Causes);
    }

    [Fact]
    public void Lost_events_lower_the_confidence_and_unmatched_stops_are_counted()
    {
        var report = FastRequests(100)
            .Add(new HostingRequestStop(4000, Guid.NewGuid()))
            .Add(new GcRestartEnd(4100))
            .Run(endMs: 5000, eventsLost: 50);

        Assert.Equal(50, report.Session.EventsLost);
        Assert.Equal(1, report.Requests.UnmatchedStops);
        Assert.NotEqual("high", report.Session.Confidence);
        Assert.Contains(report.Session.Notes, n => n.Contains("dropped 50 events", StringComparison.Ordinal));
        Assert.Equal(100, report.Requests.Count);
    }

    [Fact]
    public void Requests_still_in_flight_at_the_end_are_counted_apart()
    {
        var report = FastRequests(10)
            .Add(new HostingRequestStart(4000, Guid.NewGuid(), "GET", "/slow"))
            .Run(endMs: 5000);

        Assert.Equal(10, report.Requests.Count);
        Assert.Equal(1, report.Requests.InFlightAtEnd);
    }

    [Fact]
    public void Endpoints_are_method_and_path_without_the_query_string()
    {
        var report = new EventSequence()
            .Request(0, 1, "/a?x=1").Request(2, 3, "/a?x=2").Request(4, 10, "/b", "POST")
            .Run(endMs: 100);

        Assert.Equal(["GET /a", "POST /b"], report.Requests.Endpoints.Select(e => e.Name));
        Assert.Equal(2, report.Requests.Endpoints[0].Count);
    }

    [Fact]
    public void Kestrel_requests_are_used_when_hosting_events_never_paired()
    {
        var report = new EventSequence()
            .Add(new KestrelRequestStart(0, "c1", "r1", null, null))
            .Add(new KestrelRequestStop(5, "c1", "r1"))
            .Add(new RuntimeCounter(10, "request-queue-length", 3))
            .Add(new RuntimeCounter(20, "connection-queue-length", 2))
            .Run(endMs: 100);

        Assert.Equal("kestrel", report.Requests.Source);
        Assert.Equal(1, report.Requests.Count);
        Assert.Equal(3, report.Requests.KestrelQueues.MaxRequestQueueLength);
        Assert.Equal(2, report.Requests.KestrelQueues.MaxConnectionQueueLength);
    }

    [Fact]
    public void Memory_stays_bounded_over_a_long_session()
    {
        var correlator = new Correlator();
        for (var i = 0; i < 200_000; i++)
        {
            var t = i * 0.2;
            var id = Guid.NewGuid();
            correlator.Process(new HostingRequestStart(t, id, "GET", "/p" + (i % 500)));
            correlator.Process(new HostingRequestStop(t + 0.1, id));
            if (i % 100 == 0)
            {
                correlator.Process(new GcSuspendBegin(t + 0.15, SuspendReason.ForGC));
                correlator.Process(new GcRestartEnd(t + 0.16));
                correlator.Process(new ContentionStart(t + 0.15, 3));
                correlator.Process(new ContentionStop(t + 0.17, 3, 20_000));
            }
        }

        Assert.InRange(correlator.RetainedWindows, 0, 4096);
        var report = correlator.Complete(new ReportContext { Target = new(), EndMs = 40_001 });
        Assert.Equal(200_000, report.Requests.Count);
        Assert.Equal(2000, report.Gc.PauseCount);
        Assert.Equal(64, report.Requests.Endpoints.Count);
        Assert.Contains(report.Requests.Endpoints, e => e.Name == "(other endpoints)");
        Assert.InRange(report.Timeline.Points.Count, 1, 600);
    }

    [Fact]
    public void The_live_snapshot_shows_rolling_figures_and_starvation()
    {
        var correlator = new Correlator();
        foreach (var e in FastRequests(100).Starvation(150).Events.OrderBy(e => e.TimestampMs))
        {
            correlator.Process(e);
        }

        var snapshot = correlator.Snapshot();
        Assert.Equal(100, snapshot.TotalRequests);
        Assert.True(snapshot.Starving);
        Assert.Equal(1, snapshot.P50Ms, 3);
    }

    private static EventSequence FastRequests(int count)
    {
        var events = new EventSequence();
        for (var i = 0; i < count; i++)
        {
            events.Request(i * 2, i * 2 + 1);
        }

        return events;
    }
}
