using System.Diagnostics;
using System.Globalization;

namespace TailGuard.Samples.Demo;

/// <summary>
/// A line every <see cref="Interval"/> while a long step runs (the analyzer compile, reading the trace back), so that no
/// stretch of the demo, cold or warm, is silent for longer than that.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Timer _timer;

    private Heartbeat(TextWriter output, string doing)
    {
        var clock = Stopwatch.StartNew();
        _timer = new Timer(
            _ =>
            {
                lock (output)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      ... {doing}, {clock.Elapsed.TotalSeconds:0} s"));
                }
            },
            null,
            Interval,
            Interval);
    }

    public static Heartbeat Start(TextWriter output, string doing) => new(output, doing);

    public void Dispose() => _timer.Dispose();
}
