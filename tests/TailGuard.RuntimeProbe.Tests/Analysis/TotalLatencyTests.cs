using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

/// <summary>
/// The wait before RequestStart, followed through the thread pool's work items: socket engine (a thread of its own) → IOQueue
/// → the connection's continuation → RequestStart; the total latency, the tail on it, and attribution by time.
/// </summary>
public sealed class TotalLatencyTests
{
    private const int SocketEngine = 1;
    private const int PoolA = 11;
    private const int PoolB = 12;

    /// <summary>A request whose bytes the socket engine queued at <paramref name="arrived"/>, through two pool hops.</summary>
    private static EventSequence Chain(EventSequence s, double arrived, double ioDequeued, double continuationDequeued, double start, double end, long id)
    {
        var activity = Guid.NewGuid();
        return s.Add(new ThreadPoolWorkEnqueued(arrived, id, SocketEngine))
            .Add(new ThreadPoolWorkDequeued(ioDequeued, id, PoolA))
            .Add(new ThreadPoolWorkEnqueued(ioDequeued + 0.01, id + 1, PoolA))
            .Add(new ThreadPoolWorkDequeued(continuationDequeued, id + 1, PoolB))
            .Add(new HostingRequestStart(start, activity, "GET", "/ok", PoolB))
            .Add(new HostingRequestStop(end, activity, PoolB));
    }

    [Fact]
    public void The_total_latency_runs_from_the_socket_engines_enqueue_through_every_hop_to_request_stop()
    {
        var s = new EventSequence();
        Chain(s, arrived: 100, ioDequeued: 400, continuationDequeued: 700, start: 700.1, end: 701.1, id: 1000);

        var report = s.Run(2_000, asListed: true);

        Assert.Equal(1, report.Requests.LatencyMs.Max, 3);
        Assert.NotNull(report.Requests.TotalLatencyMs);
        Assert.Equal(601.1, report.Requests.TotalLatencyMs!.Max, 1);
        Assert.Equal(1, report.Requests.WaitsMeasured);
        Assert.Null(report.Requests.TotalLatencyNote);
        Assert.Equal(601.1, report.Requests.Endpoints.Single().TotalLatencyMs!.Max, 1);
        var slow = report.SlowestRequests.Single();
        Assert.Equal(600.1, slow.WaitMs, 1);
        Assert.Equal(601.1, slow.TotalMs, 1);
    }

    [Fact]
    public void Only_the_last_dequeue_would_miss_the_earlier_hops_wait()
    {
        var s = new EventSequence();
        Chain(s, arrived: 0, ioDequeued: 500, continuationDequeued: 501, start: 501, end: 502, id: 1);

        var report = s.Run(2_000, asListed: true);

        // The continuation itself waited 1 ms; the request waited 501 ms since its bytes were queued.
        Assert.Equal(502, report.Requests.TotalLatencyMs!.Max, 1);
    }

    [Fact]
    public void An_item_that_queues_itself_again_hands_on_its_own_enqueue_not_its_chains_origin()
    {
        var s = new EventSequence()
            .Add(new ThreadPoolWorkEnqueued(0, 7, SocketEngine))
            .Add(new ThreadPoolWorkDequeued(10, 7, PoolA))
            .Add(new ThreadPoolWorkEnqueued(10.1, 7, PoolA))
            .Add(new ThreadPoolWorkDequeued(20, 7, PoolB))
            .Add(new ThreadPoolWorkEnqueued(20.1, 7, PoolB))
            .Add(new ThreadPoolWorkDequeued(30, 7, PoolA))
            .Add(new HostingRequestStart(30.5, Guid.Empty, "GET", "/", PoolA))
            .Add(new HostingRequestStop(31, Guid.Empty, PoolA));

        var report = s.Run(2_000, asListed: true);

        // The third run of the engine item began at the second's enqueue (10.1 ms), not at the first's (0 ms).
        Assert.Equal(31 - 10.1, report.Requests.TotalLatencyMs!.Max, 1);
    }

    [Fact]
    public void Work_handed_on_after_a_long_run_inherits_the_wait_but_not_the_run()
    {
        var s = new EventSequence()
            .Add(new ThreadPoolWorkEnqueued(0, 7, SocketEngine))
            .Add(new ThreadPoolWorkDequeued(100, 7, PoolA))
            .Add(new ThreadPoolWorkEnqueued(1_100, 8, PoolA))
            .Add(new ThreadPoolWorkDequeued(1_100, 8, PoolB))
            .Add(new HostingRequestStart(1_100, Guid.Empty, "GET", "/", PoolB))
            .Add(new HostingRequestStop(1_101, Guid.Empty, PoolB));

        var report = s.Run(3_000, asListed: true, options: new CorrelatorOptions { ChainRunAllowanceMs = 15 });

        // 100 ms of queue wait and 15 ms of the run allowance, then the request's own 1 ms.
        Assert.Equal(116, report.Requests.TotalLatencyMs!.Max, 1);
    }

    [Fact]
    public void Bytes_queued_right_after_a_gc_pause_waited_since_the_pause_began()
    {
        var s = new EventSequence().Pause(50, 250);
        for (var i = 0; i < 99; i++)
        {
            s.Request(1_000 + i * 10, 1_000 + i * 10 + 1);
        }

        s.Add(new ThreadPoolWorkEnqueued(250.2, 5, SocketEngine))
            .Add(new ThreadPoolWorkDequeued(251, 5, PoolA))
            .Add(new HostingRequestStart(251, Guid.Empty, "GET", "/", PoolA))
            .Add(new HostingRequestStop(252, Guid.Empty, PoolA));

        var report = s.Run(3_000);

        Assert.Equal(202, report.Requests.TotalLatencyMs!.Max, 1);
        var time = report.Tail[0].TimeShare!;
        Assert.True(time.GcPause > 0.9, $"gcPause {time.GcPause}");
    }

    [Fact]
    public void Without_work_item_events_the_total_is_null_every_figure_stays_and_one_line_says_why()
    {
        var report = new EventSequence().Request(0, 5).Request(10, 12).Run(100);

        Assert.Null(report.Requests.TotalLatencyMs);
        Assert.Null(report.Requests.WaitsMeasured);
        Assert.Equal(TotalLatencyReport.NotMeasuredNote, report.Requests.TotalLatencyNote);
        Assert.Equal(5, report.Requests.LatencyMs.Max, 3);
        Assert.Equal(SloRule.ApplicationLatency, report.Slo.Latency);
    }

    [Fact]
    public void The_slo_reads_the_total_latency_when_it_is_measured()
    {
        var s = new EventSequence();
        Chain(s, arrived: 0, ioDequeued: 300, continuationDequeued: 300.5, start: 300.5, end: 301, id: 1);

        var report = s.Run(2_000, asListed: true, slo: "p99<100ms");

        Assert.False(report.Slo.Passed);
        Assert.Equal(SloRule.TotalLatency, report.Slo.Latency);
        Assert.True(report.Slo.Rules.Single().ActualMs > 300);
    }

    [Fact]
    public void Time_shares_of_a_tail_that_waited_in_the_queue_are_queue_wait_and_add_up_to_one()
    {
        var s = new EventSequence();
        long id = 1;
        for (var i = 0; i < 200; i++, id += 2)
        {
            var at = i * 10.0;
            // One request in 20 waited 400 ms for a pool thread; the others 0.1 ms.
            var wait = i % 20 == 0 ? 400 : 0.1;
            Chain(s, arrived: at, ioDequeued: at + wait, continuationDequeued: at + wait + 0.05, start: at + wait + 0.05, end: at + wait + 1, id: id * 10);
        }

        var report = s.Run(10_000);

        var tail = report.Tail[0];
        var time = tail.TimeShare!;
        Assert.InRange(time.QueueWait, 0.95, 1);
        Assert.Equal(1, time.GcPause + time.QueueWait + time.LockContention + time.BlockingWait + time.Unexplained, 3);
    }

    [Fact]
    public void A_long_request_that_overlapped_a_short_pause_is_mostly_unexplained_by_time()
    {
        var s = new EventSequence();
        for (var i = 0; i < 99; i++)
        {
            s.Request(i * 10, i * 10 + 1);
        }

        s.Request(2_000, 2_500).Pause(2_100, 2_105);

        var report = s.Run(5_000);

        var tail = report.Tail[0];
        Assert.Equal(1, tail.Share.GcPause);
        Assert.InRange(tail.TimeShare!.GcPause, 0.005, 0.02);
        Assert.InRange(tail.TimeShare.Unexplained, 0.98, 0.995);
    }

    [Fact]
    public void Requests_stuck_in_flight_at_the_end_count_in_the_tail_at_their_age()
    {
        var s = new EventSequence();
        long id = 1;
        for (var i = 0; i < 50; i++, id += 2)
        {
            Chain(s, arrived: i * 10, ioDequeued: i * 10 + 0.1, continuationDequeued: i * 10 + 0.2, start: i * 10 + 0.2, end: i * 10 + 1, id: id * 10);
        }

        s.Add(new ThreadPoolWorkEnqueued(600, 99_999, SocketEngine))
            .Add(new ThreadPoolWorkDequeued(600.1, 99_999, PoolA))
            .Add(new HostingRequestStart(600.2, Guid.NewGuid(), "GET", "/stuck", PoolA));

        var report = s.Run(5_600);

        Assert.Equal(1, report.Requests.InFlightAtEnd);
        var tail = report.Tail[0];
        Assert.Equal(1, tail.Censored);
        Assert.Equal(5_000, report.Tail[1].ThresholdMs, 0);
        Assert.Equal(1, report.Tail[1].Requests);
        Assert.Equal(50, report.Requests.Count);
    }
}
