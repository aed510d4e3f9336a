using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// Lock contention: the windows from ContentionStart to ContentionStop on each thread, their count, total and longest wait,
/// and the longest waits, at most <c>maxWaitsListed</c>, for drawing on the timeline.
/// </summary>
internal sealed class ContentionTracker(int maxWaitsListed)
{
    private readonly Dictionary<int, double> _open = [];
    private readonly PriorityQueue<ContentionWait, double> _longest = new();

    /// <summary>The closed waits that requests in flight may overlap (the open ones are in <see cref="Clip"/>).</summary>
    public IntervalWindow Windows { get; } = new();

    public long Count { get; private set; }

    public double TotalWaitMs { get; private set; }

    public double MaxWaitMs { get; private set; }

    /// <summary>The longest waits, in no particular order.</summary>
    public IEnumerable<ContentionWait> LongestWaits => _longest.UnorderedItems.Select(w => w.Element);

    public void On(ContentionStart s) => _open[s.ThreadId] = s.TimestampMs;

    public void On(ContentionStop s)
    {
        double start;
        if (_open.Remove(s.ThreadId, out var openedAt))
        {
            start = openedAt;
        }
        else if (s.DurationNs is { } ns)
        {
            start = s.TimestampMs - ns / 1e6;
        }
        else
        {
            return;
        }

        var duration = s.DurationNs is { } d ? d / 1e6 : s.TimestampMs - start;
        if (duration < 0)
        {
            return;
        }

        Count++;
        TotalWaitMs += duration;
        MaxWaitMs = Math.Max(MaxWaitMs, duration);
        Windows.Add(new Interval(start, s.TimestampMs));
        List(start, duration);
    }

    /// <summary>The waits overlapping [start, end], clipped to it: the closed ones, then those still open (up to the end).</summary>
    public void Clip(double start, double end, double watermark, List<Interval> into)
    {
        Windows.Clip(start, end, watermark, into);
        foreach (var openStart in _open.Values)
        {
            if (openStart < end)
            {
                into.Add(new Interval(Math.Max(openStart, start), end));
            }
        }
    }

    /// <summary>
    /// The session ends: waits still open become windows up to <paramref name="endMs"/> and are listed; they stay open too, and
    /// are not counted in the totals.
    /// </summary>
    public void End(double endMs)
    {
        foreach (var start in _open.Values)
        {
            Windows.Add(new Interval(start, endMs));
            List(start, endMs - start);
        }
    }

    private void List(double start, double duration)
    {
        if (maxWaitsListed <= 0 || (_longest.Count >= maxWaitsListed && _longest.TryPeek(out _, out var shortest) && duration <= shortest))
        {
            return;
        }

        _longest.Enqueue(new ContentionWait(start, duration), duration);
        if (_longest.Count > maxWaitsListed)
        {
            _longest.Dequeue();
        }
    }
}

/// <summary>One contended wait for a lock.</summary>
internal sealed record ContentionWait(double StartMs, double DurationMs);
