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
}
