using TailGuard.RuntimeProbe;
using TailGuard.Tool.Commands;

namespace TailGuard.RuntimeProbe.Tests.Tool;

/// <summary>The plain live line (redirected output): every time has its unit.</summary>
public sealed class LiveViewTests
{
    [Fact]
    public void The_longest_gc_pause_has_its_unit()
    {
        var line = LiveView.Line(new LiveSnapshot { TimeMs = 5000, GcPauseCount = 3, GcTotalPauseMs = 200, GcMaxPauseMs = 116.5 });

        Assert.Contains("GC 3 pauses 200 ms (max 116.5 ms)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scheduling_delay_has_its_unit_and_the_queued_work_items()
    {
        var line = LiveView.Line(new LiveSnapshot { TimeMs = 5000, SchedulingDelayP99Ms = 12.25, SchedulingDelayMaxMs = 800, QueuedWorkItems = 7 });

        Assert.Contains("sched P99 12.25 ms (max 800 ms, 7 queued)", line, StringComparison.Ordinal);
    }
}
