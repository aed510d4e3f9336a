namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// The windows of one kind (GC pauses, starvation episodes, contention) that requests still in flight may overlap. Windows that
/// ended before every live request began are pruned, so memory follows the longest request, not the session.
/// </summary>
internal sealed class IntervalWindow
{
    private readonly List<Interval> _closed = [];
    private double? _openStart;
    private double _openProvisionalEnd;

    public int Count => _closed.Count;

    /// <summary>The earliest end of the closed windows (infinity when there are none).</summary>
    public double OldestEnd
    {
        get
        {
            var oldest = double.PositiveInfinity;
            foreach (var interval in _closed)
            {
                oldest = Math.Min(oldest, interval.End);
            }

            return oldest;
        }
    }

    public void Add(Interval interval) => _closed.Add(interval);

    /// <summary>Opens the one window still going on; until closed it reaches at least to the stream's watermark.</summary>
    public void Open(double start, double provisionalEnd)
    {
        _openStart = start;
        _openProvisionalEnd = provisionalEnd;
    }

    public void ExtendOpen(double provisionalEnd) => _openProvisionalEnd = Math.Max(_openProvisionalEnd, provisionalEnd);

    public void CloseOpen() => _openStart = null;

    /// <summary>The windows overlapping [start, end], clipped to it; an open window reaches at least to <paramref name="watermark"/>.</summary>
    public void Clip(double start, double end, double watermark, List<Interval> into)
    {
        foreach (var interval in _closed)
        {
            if (interval.Overlaps(start, end))
            {
                into.Add(new Interval(Math.Max(interval.Start, start), Math.Min(interval.End, end)));
            }
        }

        if (_openStart is { } openStart)
        {
            var open = new Interval(openStart, Math.Max(_openProvisionalEnd, watermark));
            if (open.Overlaps(start, end))
            {
                into.Add(new Interval(Math.Max(open.Start, start), Math.Min(open.End, end)));
            }
        }
    }

    public void PruneBefore(double horizon) => _closed.RemoveAll(i => i.End < horizon);
}
