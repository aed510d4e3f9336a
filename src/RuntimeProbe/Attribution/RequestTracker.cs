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
    private readonly Dictionary<(Guid Activity, string? RequestId), InFlightRequest> _inFlight = [];
    private readonly PriorityQueue<PendingRequest, double> _pending = new();
    private readonly TailShares _tail = new();
    private readonly TailTimeShares _tailTime = new();
    private readonly Dictionary<string, EndpointLatency> _endpoints = [];
    private readonly PriorityQueue<SlowRequest, double> _slowest = new();
    private readonly Queue<(double End, double Latency)> _rolling = new();
    private readonly RequestTimeline _timeline = new(limits.TimelineIntervalMs, limits.MaxTimelinePoints);
    private readonly TimelineRequests _timelineRequests = new(limits.MaxTimelineRequests);

    /// <summary>Application latency: RequestStart to RequestStop.</summary>
    public LatencyRecorder Overall { get; } = new();

    /// <summary>
    /// Total latency: from the start of the request's wait (the work that led to its RequestStart, see <c>WorkChains</c>) to
    /// RequestStop; the application latency for requests whose wait is unknown.
    /// </summary>
    public LatencyRecorder Total { get; } = new();

    /// <summary>What the tail is read from: every total, and the requests still in flight at the end counted at their age.</summary>
    private readonly LatencyRecorder _tailBasis = new();

    public long Completed => Overall.Count;
    public long CompletedOrPending => Overall.Count + _pending.Count;
    public long InFlight => _inFlight.Count;
    public long UnmatchedStops { get; private set; }

    /// <summary>Completed requests whose wait before RequestStart was followed back through their work items.</summary>
    public long WaitsMeasured { get; private set; }

    /// <summary>Requests still in flight at the end, older than the P99, counted in the tail at their age (a lower bound).</summary>
    public long Censored { get; private set; }

    public bool Seen { get; private set; }

    /// <summary>Latency per endpoint, in the order the endpoints were first completed.</summary>
    public IEnumerable<KeyValuePair<string, EndpointLatency>> Endpoints => _endpoints;

    /// <summary>The slowest requests (by total latency), in no particular order.</summary>
    public IEnumerable<SlowRequest> Slowest => _slowest.UnorderedItems.Select(s => s.Element);

    public RequestTimeline Timeline => _timeline;

    public IReadOnlyList<TimelineRequest> TimelineRequests => _timelineRequests.Requests;

    /// <param name="waitStart">When the work that led to this start began; null when unknown.</param>
    public void Start((Guid, string?) key, double ts, string endpoint, double? waitStart = null)
    {
        _inFlight[key] = new InFlightRequest(ts, Math.Min(waitStart ?? ts, ts), waitStart is not null, endpoint);
        Seen = true;
    }

    /// <param name="stopItem">
    /// The work item RequestStop ran in: when its chain began and when it was dequeued (a wait in the queue inside the
    /// request, such as a continuation after an await); null when unknown.
    /// </param>
    public void Stop((Guid, string?) key, double ts, (double OriginMs, double DequeuedMs)? stopItem = null)
    {
        if (!_inFlight.Remove(key, out var started) || ts < started.Start)
        {
            UnmatchedStops++;
            return;
        }

        var (waitFrom, waitTo) = stopItem is { } item && started.WaitKnown && item.DequeuedMs > started.Start
            ? (Math.Max(item.OriginMs, started.Start), item.DequeuedMs)
            : (0.0, 0.0);
        _pending.Enqueue(new PendingRequest(started, ts, waitFrom, waitTo), ts);
        _rolling.Enqueue((ts, ts - started.WaitStart));
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
        foreach (var request in _inFlight.Values)
        {
            var start = request.WaitStart;
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
            if (item.Request.WaitStart < oldest)
            {
                oldest = item.Request.WaitStart;
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
            Finalize(request, watermark);
        }
    }

    /// <summary>
    /// Where a request completes: its application latency (RequestStart to RequestStop) and its total latency (from the start
    /// of its wait for a pool thread), computed here and nowhere else, then attributed and recorded.
    /// </summary>
    private void Finalize(PendingRequest request, double watermark)
    {
        var (started, end) = (request.Request, request.End);
        var latencyMs = end - started.Start;
        var totalMs = end - started.WaitStart;
        if (started.WaitKnown)
        {
            WaitsMeasured++;
        }

        var causes = attributor.Attribute(started.WaitStart, end, watermark);
        var primary = causes == Cause.None ? Cause.None : attributor.Primary();
        var time = Breakdown(started, end, request.StopWaitFrom, request.StopWaitTo);
        Overall.Record(latencyMs);
        Total.Record(totalMs);
        _tailBasis.Record(totalMs);
        _tail.Record(totalMs, causes, primary);
        _tailTime.Record(totalMs, time);

        var endpoint = started.Endpoint;
        if (!_endpoints.TryGetValue(endpoint, out var recorder))
        {
            if (_endpoints.Count >= limits.MaxEndpoints - 1)
            {
                endpoint = OtherEndpoints;
            }

            if (!_endpoints.TryGetValue(endpoint, out recorder))
            {
                recorder = new EndpointLatency();
                _endpoints[endpoint] = recorder;
            }
        }

        recorder.Application.Record(latencyMs);
        recorder.Total.Record(totalMs);
        listener?.RequestCompleted(end, endpoint, latencyMs, started.WaitKnown ? totalMs : null);
        _timeline.Record(started.Start, latencyMs);
        _timelineRequests.Add(started.Start, latencyMs, endpoint);

        if (_slowest.Count < limits.SlowestRequests || (_slowest.TryPeek(out _, out var smallest) && totalMs > smallest))
        {
            _slowest.Enqueue(new SlowRequest(started.Start, latencyMs, endpoint, causes, primary, attributor.CopyOverlaps())
            {
                WaitMs = started.Start - started.WaitStart,
                Time = time,
            }, totalMs);
            if (_slowest.Count > limits.SlowestRequests)
            {
                _slowest.Dequeue();
            }
        }
    }

    /// <summary>
    /// The request's milliseconds per cause, after <see cref="Attributor.Attribute"/> over [wait start, end]. The queue wait is
    /// what was measured (before RequestStart, and the wait of the item RequestStop ran in) outside pauses; for a request whose
    /// wait is unknown (a trace without the work-item events), the time it overlapped starvation outside pauses stands in.
    /// </summary>
    private TimeBreakdown Breakdown(InFlightRequest started, double end, double stopWaitFrom, double stopWaitTo)
    {
        var total = end - started.WaitStart;
        var gc = attributor.OverlapMs(Cause.GcPause);
        var queue = started.WaitKnown
            ? started.Start - started.WaitStart - attributor.PauseMsWithin(started.WaitStart, started.Start)
              + (stopWaitTo - stopWaitFrom) - attributor.PauseMsWithin(stopWaitFrom, stopWaitTo)
            : attributor.OverlapMs(Cause.ThreadPoolStarvation);
        queue = Math.Clamp(queue, 0, Math.Max(0, total - gc));
        var contention = Math.Clamp(attributor.OverlapMs(Cause.LockContention), 0, Math.Max(0, total - gc - queue));
        return new TimeBreakdown(gc, queue, contention, BlockingWaitMs: 0);
    }

    /// <summary>
    /// The session ends at <paramref name="endMs"/>: requests still in flight that are older than the P99 of the total
    /// latency enter the tail at their age, a lower bound (censored): a request stuck for the whole session is the tail.
    /// Only when the wait before requests is measured, so that a trace without those events keeps its figures.
    /// </summary>
    public void CensorInFlight(double endMs, bool waitsMeasured)
    {
        if (!waitsMeasured || _inFlight.Count == 0)
        {
            return;
        }

        var p99 = Total.PercentileMs(99);
        foreach (var started in _inFlight.Values)
        {
            var age = endMs - started.WaitStart;
            if (age <= p99 || age <= 0)
            {
                continue;
            }

            var causes = attributor.Attribute(started.WaitStart, endMs, endMs);
            var primary = causes == Cause.None ? Cause.None : attributor.Primary();
            Censored++;
            _tailBasis.Record(age);
            _tail.Record(age, causes, primary);
            _tailTime.Record(age, Breakdown(started, endMs, 0, 0));
        }
    }

    /// <summary>The tail above <paramref name="percentile"/> and the shares of each cause in it.</summary>
    public TailShare Tail(double percentile) => _tail.Of(_tailBasis, percentile);

    /// <summary>The time shares of the same tail: gcPause, queueWait, lockContention, blockingWait, unexplained.</summary>
    public double[] TailTime(TailShare tail) => _tailTime.Of(tail.Requests + 0.0, _tailBasis.PercentileMs(50));

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

/// <summary>A request between RequestStart and RequestStop; <see cref="WaitStart"/> is <see cref="Start"/> when its wait is unknown.</summary>
internal readonly record struct InFlightRequest(double Start, double WaitStart, bool WaitKnown, string Endpoint);

/// <summary>A completed request waiting to be attributed, with the wait of the work item its RequestStop ran in.</summary>
internal readonly record struct PendingRequest(InFlightRequest Request, double End, double StopWaitFrom, double StopWaitTo);

/// <summary>An endpoint's application and total latency.</summary>
internal sealed class EndpointLatency
{
    public LatencyRecorder Application { get; } = new();
    public LatencyRecorder Total { get; } = new();
}

/// <summary>One of the slowest requests, with the causes it overlapped and for how long.</summary>
internal sealed class SlowRequest(double startMs, double durationMs, string endpoint, Cause causes, Cause primary, double[] overlapMs)
{
    public double StartMs => startMs;
    public double DurationMs => durationMs;

    /// <summary>How long it waited before RequestStart (0 when unknown).</summary>
    public double WaitMs { get; init; }

    public TimeBreakdown Time { get; init; }
    public string Endpoint => endpoint;
    public Cause Causes => causes;

    /// <summary>The cause it overlapped longest; <see cref="Cause.None"/> when unexplained.</summary>
    public Cause Primary => primary;

    public double OverlapMs(Cause cause) => overlapMs[CauseSet.IndexOf(cause)];
}
