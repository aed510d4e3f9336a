using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.Monitor;

/// <summary>
/// The monitor's sink: a fresh <see cref="Correlator"/> per window of stream time, so that memory stays bounded however long
/// the monitor runs, and each window has a report of its own (tail shares, captures). Metrics are not per window: the
/// trackers tell the listener each measurement as they make it, and the exporter accumulates them over the monitor's life.
/// A window closes at the first event past its end, deferred (by at most half a window) while a GC pause or a starvation
/// episode is going on, so that neither is cut in two; a request in flight at the boundary is not seen by either window.
/// Called on the source's thread only.
/// </summary>
public sealed class WindowedCorrelator : IProbeEventSink
{
    private readonly CorrelatorOptions _options;
    private readonly double _windowMs;
    private readonly Func<ReportTarget> _target;
    private readonly Action<Report, double, double> _onWindow;
    private Correlator _current;
    private double _windowStartMs;
    private double _windowEndMs;

    /// <param name="onWindow">Told each closed window's report with its start and end (stream milliseconds).</param>
    public WindowedCorrelator(CorrelatorOptions options, TimeSpan window, Func<ReportTarget> target, Action<Report, double, double> onWindow)
    {
        _options = options;
        _windowMs = window.TotalMilliseconds;
        _target = target;
        _onWindow = onWindow;
        _current = new Correlator(options);
        _windowEndMs = _windowMs;
    }

    /// <summary>The window's correlator (for a live view of the window so far).</summary>
    public Correlator Current => _current;

    public int WindowsClosed { get; private set; }

    public bool WantsKestrelRequests => _current.WantsKestrelRequests;

    public void HostingRequestStart(double timestampMs, Guid activityId, string method, string path)
    {
        Rotate(timestampMs);
        _current.HostingRequestStart(timestampMs, activityId, method, path);
    }

    public void HostingRequestStop(double timestampMs, Guid activityId)
    {
        Rotate(timestampMs);
        _current.HostingRequestStop(timestampMs, activityId);
    }

    public void KestrelRequestStart(double timestampMs, string connectionId, string requestId, string? method, string? path)
    {
        Rotate(timestampMs);
        _current.KestrelRequestStart(timestampMs, connectionId, requestId, method, path);
    }

    public void KestrelRequestStop(double timestampMs, string connectionId, string requestId)
    {
        Rotate(timestampMs);
        _current.KestrelRequestStop(timestampMs, connectionId, requestId);
    }

    public void ThreadPoolEnqueue(double timestampMs, long workId)
    {
        Rotate(timestampMs);
        _current.ThreadPoolEnqueue(timestampMs, workId);
    }

    public void ThreadPoolDequeue(double timestampMs, long workId)
    {
        Rotate(timestampMs);
        _current.ThreadPoolDequeue(timestampMs, workId);
    }

    public void Skipped(double timestampMs)
    {
        Rotate(timestampMs);
        _current.Skipped(timestampMs);
    }

    public void Process(ProbeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Rotate(e.TimestampMs);
        _current.Process(e);
    }

    /// <summary>The stream ended at <paramref name="endMs"/>: the last window closes there (call once).</summary>
    public void Finish(double endMs, string endReason, bool targetExited) => Close(Math.Max(endMs, _windowStartMs), endReason, targetExited);

    private void Rotate(double ts)
    {
        if (ts < _windowEndMs)
        {
            return;
        }

        var busy = _current.InGcPause || _current.Starvation.Starving;
        if (busy && ts < _windowEndMs + _windowMs / 2)
        {
            return;
        }

        Close(ts, EndReasons.Duration, targetExited: false);
        _current = new Correlator(_options);
        _windowStartMs = ts;
        _windowEndMs = ts + _windowMs;
    }

    private void Close(double endMs, string endReason, bool targetExited)
    {
        var report = _current.Complete(new ReportContext
        {
            Target = _target(),
            EndMs = endMs,
            EndReason = endReason,
            TargetExited = targetExited,
        });
        WindowsClosed++;
        _onWindow(report, _windowStartMs, endMs);
    }
}
