using System.Globalization;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.Monitor;

/// <summary>
/// Writes a capture when a trigger fired: the window's report (JSON and HTML) and its trace, in a folder of its own
/// (<c>capture-20261203T194501Z</c>), written beside under a hidden name and renamed into place when complete. At most
/// <c>maxPerHour</c> captures in any rolling hour; a trigger past that is logged and not captured. The window traces are
/// recorded as hidden files in the same folder, so a capture moves its trace rather than copying it.
/// </summary>
public sealed class CaptureWriter
{
    private readonly string _folder;
    private readonly int _maxPerHour;
    private readonly TimeProvider _time;
    private readonly Queue<DateTimeOffset> _recent = new();

    public CaptureWriter(string folder, int maxPerHour, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        _folder = Path.GetFullPath(folder);
        _maxPerHour = maxPerHour;
        _time = time ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(_folder);
            var probe = Path.Combine(_folder, $".tailguard-write-check-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"Cannot write captures to '{folder}': {ex.Message}", ex);
        }
    }

    public string Folder => _folder;

    /// <summary>Where window <paramref name="number"/>'s trace is recorded until it is captured or deleted.</summary>
    public string WindowTracePath(int number) => Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $".window-{number}.nettrace"));

    /// <summary>
    /// Captures the window, or says why not (the hourly limit). Returns the capture's folder, or null when it was not taken;
    /// the window's trace is moved into the capture or deleted either way.
    /// </summary>
    public string? Capture(Report report, string windowTrace, IReadOnlyList<TriggerRule> fired, out string? notTaken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(fired);
        var now = _time.GetUtcNow();
        while (_recent.TryPeek(out var oldest) && now - oldest >= TimeSpan.FromHours(1))
        {
            _recent.Dequeue();
        }

        if (_recent.Count >= _maxPerHour)
        {
            Discard(windowTrace);
            notTaken = $"{_maxPerHour} captures in the last hour already (--max-captures)";
            return null;
        }

        var name = "capture-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(_folder, name);
        for (var n = 2; Directory.Exists(target); n++)
        {
            target = Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"{name}-{n}"));
        }

        var building = Path.Combine(_folder, $".{Path.GetFileName(target)}.tmp");
        Directory.CreateDirectory(building);
        foreach (var format in new[] { OutputFormats.Json, OutputFormats.Html })
        {
            var renderer = ReportRenderers.Registry.Get(format);
            using var writer = new StreamWriter(Path.Combine(building, "report" + renderer.FileExtension));
            renderer.Render(report, writer);
        }

        if (File.Exists(windowTrace))
        {
            File.Move(windowTrace, Path.Combine(building, "trace.nettrace"));
        }

        File.WriteAllLines(Path.Combine(building, "trigger.txt"), fired.Select(f => f.Text));
        Directory.Move(building, target);
        _recent.Enqueue(now);
        notTaken = null;
        return target;
    }

    /// <summary>A window nothing fired in: its trace goes.</summary>
    public static void Discard(string windowTrace)
    {
        try
        {
            File.Delete(windowTrace);
        }
        catch (IOException)
        {
            // A trace still held open is deleted by the next run's clean-up at the latest; nothing else depends on it.
        }
    }
}
