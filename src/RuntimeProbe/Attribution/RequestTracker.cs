using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// The requests of one source (hosting or Kestrel events) and everything aggregated from them. A completed request waits until
/// the stream is past the horizon the correlator gives (so that pause and starvation events delivered late still count), is
/// attributed to the causes it overlapped, and is recorded: overall, per combination of causes and per primary cause (for
/// the tail shares), per endpoint, per timeline interval, and among the slowest.
/// </summary>
internal sealed class RequestTracker(Attributor attributor, RequestLimits limits, IMeasurementListener? listener = null)
{
    /// <summary>Where the requests of endpoints past <see cref="RequestLimits.MaxEndpoints"/> are counted.</summary>
    public const string OtherEndpoints = "(other endpoints)";

    // Hosting requests are keyed by activity id, Kestrel's by their request id (which embeds the connection id).
    private readonly Dictionary<(Guid Activity, string? RequestId), (double Start, string Endpoint)> _inFlight = [];
    private readonly PriorityQueue<(double Start, double End, string Endpoint), double> _pending = new();
    private readonly TailShares _tail = new();
    private readonly Dictionary<string, LatencyRecorder> _endpoints = [];
    private readonly PriorityQueue<SlowRequest, double> _slowest = new();
    private readonly Queue<(double End, double Latency)> _rolling = new();
    private readonly RequestTimeline _timeline = new(limits.TimelineIntervalMs, limits.MaxTimelinePoints);
    private readonly TimelineRequests _timelineRequests = new(limits.MaxTimelineRequests);

    public LatencyRecorder Overall { get; } = new();
    public long Completed => Overall.Count;
    public long CompletedOrPending => Overall.Count + _pending.Count;
    public long InFlight => _inFlight.Count;
    public long UnmatchedStops { get; private set; }

    public bool Seen { get; private set; }

    /// <summary>Latency per endpoint, in the order the endpoints were first completed.</summary>
    public IEnumerable<KeyValuePair<string, LatencyRecorder>> Endpoints => _endpoints;

    /// <summary>The slowest requests, in no particular order.</summary>
    public IEnumerable<SlowRequest> Slowest => _slowest.UnorderedItems.Select(s => s.Element);

    public RequestTimeline Timeline => _timeline;

    public IReadOnlyList<TimelineRequest> TimelineRequests => _timelineRequests.Requests;

    public void Start((Guid, string?) key, double ts, string endpoint)
    {
        _inFlight[key] = (ts, endpoint);
        Seen = true;
    }

    public void Stop((Guid, string?) key, double ts)
    {
        if (!_inFlight.Remove(key, out var started) || ts < started.Start)
        {
            UnmatchedStops++;
            return;
        }

        _pending.Enqueue((started.Start, ts, started.Endpoint), ts);
        _rolling.Enqueue((ts, ts - started.Start));
        while (_rolling.TryPeek(out var oldest) && oldest.End < ts - limits.RollingWindowMs)
        {
            _rolling.Dequeue();
        }
    }

    /// <summary>
    /// The earliest start of a request still to be attributed (in flight for less than the timeout, or pending), or any
    /// start at or before <paramref name="stopAt"/> as soon as one is found.
    /// </summary>
    public double OldestLiveStart(double watermark, double stopAt)
    {
        var oldest = double.PositiveInfinity;
        foreach (var (start, _) in _inFlight.Values)
        {
            if (watermark - start <= limits.InFlightTimeoutMs && start < oldest)
            {
                oldest = start;
                if (oldest <= stopAt)
                {
                    return oldest;
                }
            }
        }

        foreach (var (item, _) in _pending.UnorderedItems)
        {
            if (item.Start < oldest)
            {
                oldest = item.Start;
                if (oldest <= stopAt)
                {
                    return oldest;
                }
            }
        }

        return oldest;
    }

    /// <summary>Attributes and records the requests that ended by <paramref name="horizon"/>; open windows reach <paramref name="watermark"/>.</summary>
    public void FinalizeUpTo(double horizon, double watermark)
    {
        while (_pending.TryPeek(out var request, out var end) && end <= horizon)
        {
            _pending.Dequeue();
            Finalize(request.Start, request.End, request.Endpoint, watermark);
        }
    }

    private void Finalize(double start, double end, string endpoint, double watermark)
    {
        var latency = end - start;
        var causes = attributor.Attribute(start, end, watermark);
        var primary = causes == Cause.None ? Cause.None : attributor.Primary();
        Overall.Record(latency);
        _tail.Record(latency, causes, primary);
        if (!_endpoints.TryGetValue(endpoint, out var recorder))
        {
            if (_endpoints.Count >= limits.MaxEndpoints - 1)
            {
                endpoint = OtherEndpoints;
            }

            if (!_endpoints.TryGetValue(endpoint, out recorder))
            {
                recorder = new LatencyRecorder();
                _endpoints[endpoint] = recorder;
            }
        }

        recorder.Record(latency);
        listener?.RequestCompleted(end, endpoint, latency, totalMs: null);
        _timeline.Record(start, latency);
        _timelineRequests.Add(start, latency, endpoint);

        if (_slowest.Count < limits.SlowestRequests || (_slowest.TryPeek(out _, out var smallest) && latency > smallest))
        {
            _slowest.Enqueue(new SlowRequest(start, latency, endpoint, causes, primary, attributor.CopyOverlaps()), latency);
            if (_slowest.Count > limits.SlowestRequests)
            {
                _slowest.Dequeue();
            }
        }
    }

    /// <summary>The tail above <paramref name="percentile"/> and the shares of each cause in it.</summary>
    public TailShare Tail(double percentile) => _tail.Of(Overall, percentile);

    /// <summary>The requests that ended in the last <paramref name="windowMs"/> before <paramref name="now"/>: their count and percentiles.</summary>
    public (long Count, double P50, double P99, double P999) Rolling(double now, double windowMs)
    {
        while (_rolling.TryPeek(out var oldest) && oldest.End < now - windowMs)
        {
            _rolling.Dequeue();
        }

        if (_rolling.Count == 0)
        {
            return (0, 0, 0, 0);
        }

        var sorted = _rolling.Select(r => r.Latency).ToArray();
        Array.Sort(sorted);
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
        return (sorted.Length, At(50), At(99), At(99.9));
    }
}

/// <summary>What bounds a <see cref="RequestTracker"/>'s memory and its rolling window (see <c>CorrelatorOptions</c>).</summary>
internal sealed record RequestLimits(
    double RollingWindowMs,
    double InFlightTimeoutMs,
    int MaxEndpoints,
    double TimelineIntervalMs,
    int MaxTimelinePoints,
    int MaxTimelineRequests,
    int SlowestRequests);

/// <summary>One of the slowest requests, with the causes it overlapped and for how long.</summary>
internal sealed class SlowRequest(double startMs, double durationMs, string endpoint, Cause causes, Cause primary, double[] overlapMs)
{
    public double StartMs => startMs;
    public double DurationMs => durationMs;
    public string Endpoint => endpoint;
    public Cause Causes => causes;

    /// <summary>The cause it overlapped longest; <see cref="Cause.None"/> when unexplained.</summary>
    public Cause Primary => primary;

    public double OverlapMs(Cause cause) => overlapMs[CauseSet.IndexOf(cause)];
}
