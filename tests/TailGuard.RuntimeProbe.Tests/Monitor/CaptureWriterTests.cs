using TailGuard.Monitor;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>Captures: the files of one, and the hourly limit.</summary>
public sealed class CaptureWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tailguard-capture-writer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void At_most_the_limit_per_rolling_hour_and_each_window_trace_moved_or_deleted()
    {
        var clock = new ManualClock();
        var writer = new CaptureWriter(_folder, maxPerHour: 2, clock);
        var report = new Correlator().Complete(new ReportContext { Target = ReportBuilder.Target(new TargetInfo()), EndMs = 1_000 });
        var fired = new[] { TriggerRule.Parse("starvation") };

        string? Capture(int window)
        {
            var trace = writer.WindowTracePath(window);
            File.WriteAllText(trace, "trace");
            var folder = writer.Capture(report, trace, fired, out _);
            Assert.False(File.Exists(trace));
            return folder;
        }

        var first = Capture(0);
        Assert.NotNull(first);
        Assert.Equal(["report.html", "report.json", "trace.nettrace", "trigger.txt"], Directory.GetFiles(first).Select(Path.GetFileName).Order());
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.NotNull(Capture(1));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(Capture(2));
        clock.Advance(TimeSpan.FromMinutes(41));
        Assert.NotNull(Capture(3));
        Assert.Equal(3, Directory.GetDirectories(_folder).Length);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 3, 19, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
