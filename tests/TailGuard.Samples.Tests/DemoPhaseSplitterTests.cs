using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.Demo;

namespace TailGuard.Samples.Tests;

public sealed class DemoPhaseSplitterTests
{
    private static readonly PhaseWindow[] TwoPhases = [new("first", 1_000, 5_000), new("second", 10_000, 14_000)];

    [Fact]
    public void Each_phase_report_counts_only_the_requests_inside_its_window()
    {
        var splitter = new PhaseSplitter(TwoPhases);
        Feed(splitter, Request(1_100, 2), Request(1_200, 2), Request(10_500, 3), Request(7_000, 2), Request(20_000, 2));

        var reports = splitter.Complete(new ReportTarget(), eventsLost: 0);

        Assert.Equal(2, reports["first"].Requests.Count);
        Assert.Equal(1, reports["second"].Requests.Count);
        Assert.Equal(3, reports["second"].Requests.LatencyMs.Max, 1);
    }

    [Fact]
    public void Times_in_a_phase_report_count_from_the_start_of_its_window()
    {
        var splitter = new PhaseSplitter(TwoPhases);
        Feed(splitter, Request(10_500, 3));

        var report = splitter.Complete(new ReportTarget(), eventsLost: 0)["second"];

        Assert.Equal(500, Assert.Single(report.SlowestRequests).StartMs, 1);
        Assert.Equal(4_000, report.Session.DurationMs, 1);
    }

    [Fact]
    public void A_GC_pause_is_attributed_in_the_phase_it_happened_in_and_nowhere_else()
    {
        var splitter = new PhaseSplitter(TwoPhases);
        var events = new List<ProbeEvent>();
        for (var i = 0; i < 200; i++)
        {
            events.AddRange(Request(1_100 + (i * 10), 0.5));
            events.AddRange(Request(10_100 + (i * 10), 0.5));
        }

        events.AddRange(Request(11_000, 40));
        events.Add(new GcStart(11_010, 1, 2, "AllocLarge", "NonConcurrentGC"));
        events.Add(new GcSuspendBegin(11_010, SuspendReason.ForGC));
        events.Add(new GcRestartEnd(11_035));
        Feed(splitter, [.. events.OrderBy(e => e.TimestampMs)]);

        var reports = splitter.Complete(new ReportTarget(), eventsLost: 0);

        Assert.Equal(0, reports["first"].Gc.PauseCount);
        Assert.Equal(1, reports["second"].Gc.PauseCount);
        Assert.Equal("gcPause", reports["second"].SlowestRequests.OrderByDescending(r => r.DurationMs).First().PrimaryCause);
    }

    [Fact]
    public void Wall_clock_phases_become_windows_of_the_trace_with_a_margin_on_each_side()
    {
        var sessionStart = new DateTime(2025, 11, 26, 12, 0, 0, DateTimeKind.Utc);

        var windows = PhaseSplitter.Windows(
            sessionStart,
            [("baseline", sessionStart.AddSeconds(5), sessionStart.AddSeconds(20))],
            TimeSpan.FromMilliseconds(250));

        Assert.Equal(new PhaseWindow("baseline", 4_750, 20_250), Assert.Single(windows));
    }

    private static ProbeEvent[] Request(double startMs, double durationMs)
    {
        var id = Guid.NewGuid();
        return [new HostingRequestStart(startMs, id, "GET", "/healthy"), new HostingRequestStop(startMs + durationMs, id)];
    }

    private static void Feed(PhaseSplitter splitter, params ProbeEvent[][] requests)
    {
        foreach (var e in requests.SelectMany(r => r).OrderBy(e => e.TimestampMs))
        {
            splitter.Process(e);
        }
    }

    private static void Feed(PhaseSplitter splitter, ProbeEvent[] events)
    {
        foreach (var e in events)
        {
            splitter.Process(e);
        }
    }
}
