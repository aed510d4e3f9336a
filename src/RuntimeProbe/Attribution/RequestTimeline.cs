namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// Request latency per interval of the session (by request start), for drawing latency over time. At most
/// <c>maxPoints</c> intervals: past that, neighbours merge and the interval doubles, so memory stays bounded however long
/// the session.
/// </summary>
internal sealed class RequestTimeline(double intervalMs, int maxPoints)
{
    private readonly List<LatencyRecorder?> _points = [];

    public double IntervalMs { get; private set; } = intervalMs;

    /// <summary>The intervals that have requests: each one's index (its start is index × <see cref="IntervalMs"/>) and latencies.</summary>
    public IEnumerable<(int Index, LatencyRecorder Latency)> Points => _points
        .Select((r, i) => (r, i))
        .Where(p => p.r is not null)
        .Select(p => (p.i, p.r!));

    public void Record(double start, double latency)
    {
        var index = (int)(Math.Max(0, start) / IntervalMs);
        while (index >= maxPoints)
        {
            var merged = new List<LatencyRecorder?>();
            for (var i = 0; i < _points.Count; i += 2)
            {
                var a = _points[i];
                var b = i + 1 < _points.Count ? _points[i + 1] : null;
                if (a is not null && b is not null)
                {
                    a.Add(b);
                }

                merged.Add(a ?? b);
            }

            _points.Clear();
            _points.AddRange(merged);
            IntervalMs *= 2;
            index = (int)(Math.Max(0, start) / IntervalMs);
        }

        while (_points.Count <= index)
        {
            _points.Add(null);
        }

        (_points[index] ??= new LatencyRecorder(significantDigits: 2)).Record(latency);
    }
}
