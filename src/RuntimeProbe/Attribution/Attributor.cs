using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// Which causes a request overlapped, and for how long each: the windows of each cause's tracker clipped to the request. A
/// GC pause suspends every thread, so for the time it covers it takes precedence: starvation and contention count only
/// outside the pauses. Reuses its buffers: attributing a request allocates nothing.
/// </summary>
internal sealed class Attributor
{
    private readonly GcPauseTracker _gc;
    private readonly StarvationTracker _starvation;
    private readonly ContentionTracker _contention;
    private readonly List<Interval> _pauses = [];
    private readonly List<Interval> _clip = [];
    private readonly double[] _overlapMs = new double[CauseSet.Count];

    public Attributor(GcPauseTracker gc, StarvationTracker starvation, ContentionTracker contention)
    {
        _gc = gc;
        _starvation = starvation;
        _contention = contention;
        Windows = [gc.Windows, starvation.Windows, contention.Windows];
    }

    /// <summary>The windows of every cause: those that requests still to be attributed may overlap.</summary>
    public IReadOnlyList<IntervalWindow> Windows { get; }

    /// <summary>
    /// The causes [<paramref name="start"/>, <paramref name="end"/>] overlapped, windows still open reaching at least to
    /// <paramref name="watermark"/>; how long, per cause, is in <see cref="OverlapMs"/> until the next call.
    /// </summary>
    public Cause Attribute(double start, double end, double watermark)
    {
        _pauses.Clear();
        _gc.Windows.Clip(start, end, watermark, _pauses);
        var gcMs = 0.0;
        foreach (var pause in _pauses)
        {
            gcMs += pause.Duration;
        }

        _overlapMs[CauseSet.IndexOf(Cause.GcPause)] = gcMs;
        var causes = _pauses.Count > 0 ? Cause.GcPause : Cause.None;

        _clip.Clear();
        _starvation.Windows.Clip(start, end, watermark, _clip);
        causes |= OutsidePauses(Cause.ThreadPoolStarvation);

        _clip.Clear();
        _contention.Clip(start, end, watermark, _clip);
        causes |= OutsidePauses(Cause.LockContention);
        return causes;
    }

    /// <summary>How long the last request attributed overlapped <paramref name="cause"/>'s windows (summed over windows).</summary>
    public double OverlapMs(Cause cause) => _overlapMs[CauseSet.IndexOf(cause)];

    /// <summary>How long the pauses the last request overlapped cover of [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public double PauseMsWithin(double from, double to)
    {
        var total = 0.0;
        foreach (var pause in _pauses)
        {
            total += pause.OverlapLength(from, to);
        }

        return total;
    }

    /// <summary>A copy of the last request's overlaps, by <see cref="CauseSet"/> index.</summary>
    public double[] CopyOverlaps() => (double[])_overlapMs.Clone();

    /// <summary>
    /// The cause the last request overlapped longest, the earlier in <see cref="CauseSet.All"/> on a tie; <see cref="Cause.None"/>
    /// when it overlapped none for any time.
    /// </summary>
    public Cause Primary()
    {
        var primary = Cause.None;
        var longest = 0.0;
        for (var i = 0; i < _overlapMs.Length; i++)
        {
            if (_overlapMs[i] > longest)
            {
                primary = CauseSet.All[i];
                longest = _overlapMs[i];
            }
        }

        return primary;
    }

    /// <summary>Records the time the windows in the clip buffer cover outside the pauses; the cause if there are any.</summary>
    private Cause OutsidePauses(Cause cause)
    {
        var total = 0.0;
        foreach (var w in _clip)
        {
            var inPauses = 0.0;
            foreach (var pause in _pauses)
            {
                inPauses += pause.OverlapLength(w.Start, w.End);
            }

            total += Math.Max(0, w.Duration - inPauses);
        }

        _overlapMs[CauseSet.IndexOf(cause)] = total;
        return _clip.Count > 0 ? cause : Cause.None;
    }
}
