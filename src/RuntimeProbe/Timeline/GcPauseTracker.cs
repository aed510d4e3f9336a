using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// GC pauses: the windows from GCSuspendEEBegin to GCRestartEEEnd of the suspensions for a GC (a background GC runs mostly
/// concurrently, so GCStart to GCEnd would overstate its pause), each named by the GC it paused for. Keeps the totals, the
/// figures per generation and the longest pauses, at most <c>maxPausesListed</c>.
/// </summary>
internal sealed class GcPauseTracker(int maxPausesListed, IMeasurementListener? listener = null)
{
    private (double Start, SuspendReason Reason)? _pendingSuspend;
    private GcInfo? _gcInPendingPause;
    private readonly Dictionary<int, GcInfo> _activeGcs = [];
    private readonly PriorityQueue<GcPause, double> _listed = new();
    private readonly Dictionary<int, (int Count, double Total, double Max)> _byGeneration = [];

    /// <summary>The pauses that requests in flight may overlap, and the one going on.</summary>
    public IntervalWindow Windows { get; } = new();

    public int PauseCount { get; private set; }

    public bool Pausing => _pendingSuspend is not null;

    public double TotalPauseMs { get; private set; }

    public double MaxPauseMs { get; private set; }

    public double LastPauseMs { get; private set; }

    /// <summary>When the last pause recorded began and ended (negative infinity before any).</summary>
    public (double StartMs, double EndMs) LastPause { get; private set; } = (double.NegativeInfinity, double.NegativeInfinity);

    /// <summary>Suspensions and restarts that did not pair (one of them was lost).</summary>
    public long UnpairedEvents { get; private set; }

    /// <summary>The longest pauses, in no particular order.</summary>
    public IEnumerable<GcPause> Listed => _listed.UnorderedItems.Select(p => p.Element);

    /// <summary>Count, total and longest pause per generation (-1: no GCStart was seen for the pause).</summary>
    public IEnumerable<KeyValuePair<int, (int Count, double Total, double Max)>> ByGeneration => _byGeneration;

    public void On(GcSuspendBegin s)
    {
        if (s.Reason is not (SuspendReason.ForGC or SuspendReason.ForGCPrep))
        {
            return;
        }

        if (_pendingSuspend is not null)
        {
            // Two suspensions without a restart between them: the restart was lost.
            UnpairedEvents++;
        }

        _pendingSuspend = (s.TimestampMs, s.Reason);
        _gcInPendingPause = null;
        Windows.Open(s.TimestampMs, s.TimestampMs);
    }

    public void On(GcRestartEnd s)
    {
        if (_pendingSuspend is not { } suspend)
        {
            // A restart after a non-GC suspension, or whose suspension was lost or began before the session.
            return;
        }

        _pendingSuspend = null;
        Windows.CloseOpen();
        if (s.TimestampMs < suspend.Start)
        {
            UnpairedEvents++;
            return;
        }

        // A background GC's pauses carry no GCStart of their own: they belong to the GC still running.
        Record(suspend.Start, s.TimestampMs, _gcInPendingPause ?? CurrentGc());
        _gcInPendingPause = null;
    }

    public void On(GcStart s)
    {
        var info = new GcInfo(s.Generation, s.Reason, s.Type);
        _activeGcs[s.Count] = info;
        if (_pendingSuspend is not null && _gcInPendingPause is null)
        {
            _gcInPendingPause = info;
        }
    }

    public void On(GcEnd s) => _activeGcs.Remove(s.Count);

    /// <summary>The session ends: a pause still going on counts up to <paramref name="endMs"/>.</summary>
    public void End(double endMs)
    {
        if (_pendingSuspend is { } suspend)
        {
            _pendingSuspend = null;
            Windows.CloseOpen();
            Record(suspend.Start, endMs, _gcInPendingPause ?? CurrentGc());
        }
    }

    private GcInfo CurrentGc() => _activeGcs.Values.LastOrDefault() ?? new GcInfo(-1, "Unknown", "Unknown");

    private void Record(double start, double end, GcInfo info)
    {
        var duration = end - start;
        Windows.Add(new Interval(start, end));
        PauseCount++;
        TotalPauseMs += duration;
        MaxPauseMs = Math.Max(MaxPauseMs, duration);
        LastPauseMs = duration;
        LastPause = (start, end);
        listener?.GcPause(start, duration, info.Generation, info.Type, info.Reason);
        var g = _byGeneration.GetValueOrDefault(info.Generation);
        _byGeneration[info.Generation] = (g.Count + 1, g.Total + duration, Math.Max(g.Max, duration));

        _listed.Enqueue(new GcPause(start, duration, info.Generation, info.Reason, info.Type), duration);
        if (_listed.Count > maxPausesListed)
        {
            _listed.Dequeue();
        }
    }

    private sealed record GcInfo(int Generation, string Reason, string Type);
}

/// <summary>One GC pause: when it began, how long it lasted, and the GC it paused for.</summary>
internal sealed record GcPause(double StartMs, double DurationMs, int Generation, string Reason, string Type);
