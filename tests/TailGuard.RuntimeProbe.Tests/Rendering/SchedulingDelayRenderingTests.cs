using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Analysis;

namespace TailGuard.RuntimeProbe.Tests.Rendering;

/// <summary>Every report format shows the scheduling delay when it was measured, and none shows it when it was not.</summary>
public sealed class SchedulingDelayRenderingTests
{
    [Theory]
    [InlineData("console", "Scheduling delay")]
    [InlineData("markdown", "Scheduling delay (a work item's wait for a pool thread): P50 2.5 ms")]
    [InlineData("html", "Scheduling delay (a work item's wait for a pool thread): P50 2.5 ms")]
    public void Each_format_shows_the_scheduling_delay_when_measured(string format, string expected)
    {
        var report = new EventSequence().Request(0, 5)
            .Add(new ThreadPoolWorkEnqueued(10, 1)).Add(new ThreadPoolWorkDequeued(12.5, 1))
            .Run(endMs: 1_000);

        Assert.Contains(expected, Render(report, format), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console")]
    [InlineData("markdown")]
    [InlineData("html")]
    public void No_format_shows_a_scheduling_delay_that_was_not_measured(string format)
    {
        var report = new EventSequence().Request(0, 5).Run(endMs: 1_000);

        Assert.DoesNotContain("Scheduling delay", Render(report, format), StringComparison.Ordinal);
    }

    private static string Render(Report report, string format)
    {
        using var writer = new StringWriter();
        ReportRenderers.Find(format)!.Render(report, writer);
        return writer.ToString();
    }
}
