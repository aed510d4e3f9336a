using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

public sealed class ProbeEventSinkTests
{
    [Fact]
    public void Request_events_as_calls_give_the_same_report_as_records()
    {
        var events = Mixed(kestrel: true, hosting: true);

        var asRecords = Run(events, (correlator, e) => correlator.Process(e));
        var asCalls = Run(events, Send);

        Assert.Equal(ReportJson.Serialize(asRecords), ReportJson.Serialize(asCalls));
        Assert.Equal("hosting", asCalls.Requests.Source);
        Assert.True(asCalls.Requests.Count > 1000);
        Assert.NotEmpty(asCalls.Gc.Pauses);
    }

    [Fact]
    public void Kestrel_requests_through_calls_are_attributed_when_the_trace_has_no_hosting_events()
    {
        var events = Mixed(kestrel: true, hosting: false);

        var asRecords = Run(events, (correlator, e) => correlator.Process(e));
        var asCalls = Run(events, Send);

        Assert.Equal(ReportJson.Serialize(asRecords), ReportJson.Serialize(asCalls));
        Assert.Equal("kestrel", asCalls.Requests.Source);
        Assert.Contains(asCalls.Requests.Endpoints, e => e.Name == "GET /orders");
    }

    [Fact]
    public void The_correlator_stops_wanting_kestrel_requests_once_hosting_requests_are_seen()
    {
        var correlator = new Correlator();
        Assert.True(correlator.WantsKestrelRequests);

        correlator.HostingRequestStart(1, Guid.NewGuid(), "GET", "/");

        Assert.False(correlator.WantsKestrelRequests);
    }

    [Fact]
    public void Skipped_events_count_as_processed_and_move_time_on()
    {
        var correlator = new Correlator();
        var id = Guid.NewGuid();
        correlator.HostingRequestStart(1, id, "GET", "/");
        correlator.HostingRequestStop(3, id);
        correlator.Skipped(10_000);

        Assert.Equal(3, correlator.EventsProcessed);
        Assert.Equal(1, correlator.Snapshot().TotalRequests);
        Assert.Equal(10_000, correlator.Snapshot().TimeMs);
    }

    [Fact]
    public void Probe_event_records_turn_every_call_into_its_record()
    {
        var received = new List<ProbeEvent>();
        var sink = new ProbeEventRecords(received.Add);
        var id = Guid.NewGuid();

        sink.HostingRequestStart(1, id, "GET", "/a?b=1");
        sink.HostingRequestStop(2, id);
        sink.KestrelRequestStart(3, "c1", "c1:1", "POST", "/b");
        sink.KestrelRequestStop(4, "c1", "c1:1");
        sink.Process(new GcRestartEnd(5));

        Assert.True(sink.WantsKestrelRequests);
        Assert.Equal(
            [
                new HostingRequestStart(1, id, "GET", "/a?b=1"),
                new HostingRequestStop(2, id),
                new KestrelRequestStart(3, "c1", "c1:1", "POST", "/b"),
                new KestrelRequestStop(4, "c1", "c1:1"),
                new GcRestartEnd(5),
            ],
            received);
    }

    /// <summary>What the decoder does with a record's fields: request events as calls, Kestrel's skipped once unwanted.</summary>
    private static void Send(Correlator sink, ProbeEvent e)
    {
        switch (e)
        {
            case HostingRequestStart s:
                sink.HostingRequestStart(s.TimestampMs, s.ActivityId, s.Method, s.Path);
                break;
            case HostingRequestStop s:
                sink.HostingRequestStop(s.TimestampMs, s.ActivityId);
                break;
            case KestrelRequestStart or KestrelRequestStop when !sink.WantsKestrelRequests:
                sink.Skipped(e.TimestampMs);
                break;
            case KestrelRequestStart s:
                sink.KestrelRequestStart(s.TimestampMs, s.ConnectionId, s.RequestId, s.Method, s.Path);
                break;
            case KestrelRequestStop s:
                sink.KestrelRequestStop(s.TimestampMs, s.ConnectionId, s.RequestId);
                break;
            default:
                sink.Process(e);
                break;
        }
    }

    private static Report Run(IReadOnlyList<ProbeEvent> events, Action<Correlator, ProbeEvent> feed)
    {
        var correlator = new Correlator();
        foreach (var e in events)
        {
            feed(correlator, e);
        }

        return correlator.Complete(new ReportContext { Target = new ReportTarget { Pid = 1 }, EndMs = 60_000 });
    }

    /// <summary>
    /// Requests on a few endpoints (with query strings) every 5 ms for a minute, each seen by Kestrel and/or hosting, with GC
    /// pauses, a starvation episode and contention landing on some of them.
    /// </summary>
    private static List<ProbeEvent> Mixed(bool kestrel, bool hosting)
    {
        var random = new Random(11);
        var paths = new[] { "/orders?id=1", "/orders?id=2", "/search", "/health" };
        var events = new List<ProbeEvent>();
        for (var i = 0; i < 12_000; i++)
        {
            var start = i * 5.0 + random.NextDouble();
            var end = start + 0.5 + random.NextDouble() * random.NextDouble() * 80;
            var path = paths[random.Next(paths.Length)];
            var id = Guid.NewGuid();
            var request = $"conn{i % 50}:{i}";
            if (kestrel)
            {
                events.Add(new KestrelRequestStart(start - 0.05, $"conn{i % 50}", request, "GET", path));
                events.Add(new KestrelRequestStop(end + 0.05, $"conn{i % 50}", request));
            }

            if (hosting)
            {
                events.Add(new HostingRequestStart(start, id, "GET", path));
                events.Add(new HostingRequestStop(end, id));
            }
        }

        for (var t = 500.0; t < 60_000; t += 1_700)
        {
            events.Add(new GcSuspendBegin(t, SuspendReason.ForGC));
            events.Add(new GcStart(t + 0.1, (int)t, t % 3 == 0 ? 2 : 0, "AllocSmall", "NonConcurrentGC"));
            events.Add(new GcEnd(t + 4, (int)t));
            events.Add(new GcRestartEnd(t + 4.5));
        }

        events.Add(new ThreadPoolAdjustment(20_000, 12, ThreadAdjustmentReason.Starvation));
        events.Add(new ThreadPoolAdjustment(20_600, 13, ThreadAdjustmentReason.Starvation));
        events.Add(new ContentionStart(31_000, 7));
        events.Add(new ContentionStop(31_030, 7, 30e6));
        return events.OrderBy(e => e.TimestampMs).ToList();
    }
}
