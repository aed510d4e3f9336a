using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Rules;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Analysis;

/// <summary>
/// Streams <see cref="ProbeEvent"/>s into a timeline of intervals (requests, GC pauses, starvation episodes, contention
/// windows) and attributes each completed request to the intervals it overlapped. Aggregation is streaming: histograms per
/// cause combination, per endpoint and per timeline interval, a bounded list of the slowest requests, and only the windows
/// that in-flight requests can still overlap. Thread-safe: one thread feeds events while another takes live snapshots.
/// </summary>
public sealed class Correlator : IProbeEventSink
{
    private const int CauseGc = 1;
    private const int CauseStarvation = 2;
    private const int CauseContention = 4;
    private const int CauseMasks = 8;
    private const string OtherEndpoint = "(other endpoints)";

    private readonly Lock _lock = new();
    private readonly CorrelatorOptions _options;
    private readonly RequestTracker _hosting;
    private readonly RequestTracker _kestrel;

    // One tracker per signal, called directly (sealed fields, no interface): the hot path stays allocation-free.
    private readonly GcPauseTracker _gc;
    private readonly StarvationTracker _starvation;
    private readonly ContentionTracker _contention;
    private readonly ThreadPoolThreads _threads = new();
    private readonly RuntimeQueues _queues = new();
    private readonly BlockingSiteTally _blockingSites;

    private double _watermark;
    private long _eventsProcessed;

    private int _pruneCountdown = 1024;

    // Endpoint names by method, then by path without the query string; bounded, since paths can be unbounded in number.
    private const int MaxCachedEndpointNames = 4_096;
    private readonly Dictionary<string, Dictionary<string, string>> _endpointNames = [];
    private int _cachedEndpointNames;

    public Correlator(CorrelatorOptions? options = null)
    {
        _options = options ?? CorrelatorOptions.Default;
        _hosting = new RequestTracker(this, perEndpoint: true);
        _kestrel = new RequestTracker(this, perEndpoint: true);
        _gc = new GcPauseTracker(_options.MaxPausesListed);
        _starvation = new StarvationTracker(new StarvationSettings(
            _options.StarvationLeadMs, _options.StarvationGapMs, _options.StarvationMaxBackdateMs, _options.MaxEpisodesListed));
        _contention = new ContentionTracker(_options.MaxContentionWindowsListed);
        _blockingSites = new BlockingSiteTally(_options.MaxBlockingSites);
    }

    public CorrelatorOptions Options => _options;

    /// <summary>How many closed windows are held for attributing requests still in flight (for memory tests).</summary>
    internal int RetainedWindows
    {
        get
        {
            lock (_lock)
            {
                return _gc.Windows.Count + _starvation.Windows.Count + _contention.Windows.Count;
            }
        }
    }

    public long EventsProcessed
    {
        get
        {
            lock (_lock)
            {
                return _eventsProcessed;
            }
        }
    }

    public void Process(ProbeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_lock)
        {
            ProcessCore(e);
        }
    }

    // The request events, most of a stream, come straight from the decoder without a record (see IProbeEventSink).

    /// <summary>
    /// Kestrel's request events are the fallback for traces without hosting events: once hosting requests are seen,
    /// attributing the same requests twice would only cost time.
    /// </summary>
    public bool WantsKestrelRequests => !_hosting.Seen;

    public void HostingRequestStart(double timestampMs, Guid activityId, string method, string path)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            _hosting.Start((activityId, null), timestampMs, EndpointName(method, path));
            Advance(timestampMs);
        }
    }

    public void HostingRequestStop(double timestampMs, Guid activityId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            _hosting.Stop((activityId, null), timestampMs);
            Advance(timestampMs);
        }
    }

    public void KestrelRequestStart(double timestampMs, string connectionId, string requestId, string? method, string? path)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnKestrelStart(timestampMs, requestId, method, path);
            Advance(timestampMs);
        }
    }

    public void KestrelRequestStop(double timestampMs, string connectionId, string requestId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnKestrelStop(timestampMs, requestId);
            Advance(timestampMs);
        }
    }

    public void Skipped(double timestampMs)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            Advance(timestampMs);
        }
    }

    private void OnKestrelStart(double ts, string requestId, string? method, string? path)
    {
        if (!_hosting.Seen)
        {
            _kestrel.Start((Guid.Empty, requestId), ts, path is null ? "(kestrel)" : EndpointName(method ?? "", path));
        }
    }

    private void OnKestrelStop(double ts, string requestId)
    {
        if (!_hosting.Seen)
        {
            _kestrel.Stop((Guid.Empty, requestId), ts);
        }
    }

    private void ProcessCore(ProbeEvent e)
    {
        _eventsProcessed++;
        var ts = e.TimestampMs;
        switch (e)
        {
            case HostingRequestStart s:
                _hosting.Start((s.ActivityId, null), ts, EndpointName(s.Method, s.Path));
                break;
            case HostingRequestStop s:
                _hosting.Stop((s.ActivityId, null), ts);
                break;
            case KestrelRequestStart s:
                OnKestrelStart(ts, s.RequestId, s.Method, s.Path);
                break;
            case KestrelRequestStop s:
                OnKestrelStop(ts, s.RequestId);
                break;
            case GcSuspendBegin s:
                _gc.On(s);
                break;
            case GcRestartEnd s:
                _gc.On(s);
                break;
            case GcStart s:
                _gc.On(s);
                break;
            case GcEnd s:
                _gc.On(s);
                break;
            case ThreadPoolAdjustment s:
                _starvation.On(s, threadsBefore: _threads.On(s));
                break;
            case RuntimeCounter s:
                _queues.On(s);
                _threads.On(s);
                _starvation.On(s);
                break;
            case ContentionStart s:
                _contention.On(s);
                break;
            case ContentionStop s:
                _contention.On(s);
                break;
            case BlockingWait s:
                _blockingSites.On(s);
                break;
        }

        Advance(ts);
    }

    /// <summary>Moves the stream's time on: closes what is stale, attributes what can no longer overlap late windows.</summary>
    private void Advance(double ts)
    {
        if (ts > _watermark)
        {
            _watermark = ts;
            _starvation.Advance(ts);
            _hosting.FinalizeUpTo(_watermark - _options.ReorderWindowMs);
            _kestrel.FinalizeUpTo(_watermark - _options.ReorderWindowMs);
        }

        if (--_pruneCountdown <= 0)
        {
            Prune();
        }
    }

    private string EndpointName(string method, string path)
    {
        // A query string makes every URL distinct; the endpoint is the path. Names are cached by method and path (without
        // allocating for the lookup), so a request costs no string of its own.
        var q = path.IndexOf('?', StringComparison.Ordinal);
        var route = q >= 0 ? path.AsSpan(0, q) : path.AsSpan();
        if (!_endpointNames.TryGetValue(method, out var byRoute))
        {
            if (_endpointNames.Count >= MaxCachedEndpointNames)
            {
                return ComposeEndpointName(method, route);
            }

            byRoute = [];
            _endpointNames[method] = byRoute;
        }

        var lookup = byRoute.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(route, out var name))
        {
            return name;
        }

        name = ComposeEndpointName(method, route);
        if (_cachedEndpointNames < MaxCachedEndpointNames)
        {
            byRoute[route.ToString()] = name;
            _cachedEndpointNames++;
        }

        return name;
    }

    private static string ComposeEndpointName(string method, ReadOnlySpan<char> route) =>
        method.Length == 0 ? route.ToString() : string.Concat(method, " ", route);

    private readonly List<Interval> _gcClip = [];
    private readonly List<Interval> _otherClip = [];

    /// <summary>
    /// Which causes a request overlapped (a bit mask), and for how long. A GC pause suspends every thread, so for the time it
    /// covers it takes precedence: starvation and contention count only outside the pauses.
    /// </summary>
    private int Attribute(double start, double end, out Overlap overlap)
    {
        _gcClip.Clear();
        _gc.Windows.Clip(start, end, _watermark, _gcClip);
        var gcMs = 0.0;
        foreach (var pause in _gcClip)
        {
            gcMs += pause.Duration;
        }

        var mask = _gcClip.Count > 0 ? CauseGc : 0;

        _otherClip.Clear();
        _starvation.Windows.Clip(start, end, _watermark, _otherClip);
        mask |= _otherClip.Count > 0 ? CauseStarvation : 0;
        var starvationMs = OutsidePauses(_otherClip);

        _otherClip.Clear();
        _contention.Clip(start, end, _watermark, _otherClip);

        mask |= _otherClip.Count > 0 ? CauseContention : 0;
        var contentionMs = OutsidePauses(_otherClip);

        overlap = new Overlap(gcMs, starvationMs, contentionMs);
        return mask;
    }

    private double OutsidePauses(List<Interval> windows)
    {
        var total = 0.0;
        foreach (var w in windows)
        {
            var inPauses = 0.0;
            foreach (var pause in _gcClip)
            {
                inPauses += pause.OverlapLength(w.Start, w.End);
            }

            total += Math.Max(0, w.Duration - inPauses);
        }

        return total;
    }

    /// <summary>How long a request overlapped each cause's windows (summed over windows).</summary>
    private readonly record struct Overlap(double GcMs, double StarvationMs, double ContentionMs)
    {
        /// <summary>0 GC pause, 1 starvation, 2 contention, 3 unexplained: the cause overlapped longest.</summary>
        public int PrimaryIndex => (GcMs, StarvationMs, ContentionMs) switch
        {
            (<= 0, <= 0, <= 0) => 3,
            var (g, s, c) when s > g && s >= c => 1,
            var (g, _, c) when g >= c => 0,
            _ => 2,
        };

        public string Primary => PrimaryNames[PrimaryIndex];
    }

    private static readonly string[] PrimaryNames = [Causes.GcPause, Causes.ThreadPoolStarvation, Causes.LockContention, Causes.Unexplained];


    private void Prune()
    {
        // Windows ending before the horizon (the oldest start of a request still to be attributed, and never later than the
        // reorder window) can overlap no live request. A window list is pruned only when its oldest end is before the reorder
        // horizon; and once a live request is known to start at or before that end, nothing can be pruned, so the scan of the
        // requests in flight stops there. The result is the same as with the exact horizon, for far less work.
        var reorderHorizon = _watermark - _options.ReorderWindowMs;
        var oldestEnd = Math.Min(_gc.Windows.OldestEnd, Math.Min(_starvation.Windows.OldestEnd, _contention.Windows.OldestEnd));
        if (oldestEnd < reorderHorizon)
        {
            var horizon = Math.Min(_hosting.OldestLiveStart(_watermark, oldestEnd), _kestrel.OldestLiveStart(_watermark, oldestEnd));
            horizon = Math.Min(horizon, reorderHorizon);
            if (horizon > oldestEnd)
            {
                _gc.Windows.PruneBefore(horizon);
                _starvation.Windows.PruneBefore(horizon);
                _contention.Windows.PruneBefore(horizon);
            }
        }

        var retained = _gc.Windows.Count + _starvation.Windows.Count + _contention.Windows.Count;
        _pruneCountdown = Math.Max(1024, retained * 2);
    }

    /// <summary>What the live view shows: totals so far and rolling request figures over the last few seconds.</summary>
    public LiveSnapshot Snapshot()
    {
        lock (_lock)
        {
            var requests = _hosting.CompletedOrPending > 0 || _kestrel.CompletedOrPending == 0 ? _hosting : _kestrel;
            var rolling = requests.Rolling(_watermark, _options.RollingWindowMs);
            return new LiveSnapshot
            {
                TimeMs = _watermark,
                TotalRequests = requests.CompletedOrPending,
                RequestsPerSecond = rolling.Count / (_options.RollingWindowMs / 1000),
                P50Ms = rolling.P50,
                P99Ms = rolling.P99,
                P999Ms = rolling.P999,
                GcPauseCount = _gc.PauseCount,
                GcTotalPauseMs = _gc.TotalPauseMs,
                GcMaxPauseMs = _gc.MaxPauseMs,
                LastGcPauseMs = _gc.LastPauseMs,
                ThreadCount = _threads.Last ?? 0,
                QueueLength = _queues.LastPoolQueueLength,
                Starving = _starvation.Starving,
                StarvationEpisodes = _starvation.ClosedEpisodes + (_starvation.Starving ? 1 : 0),
                ContentionCount = _contention.Count,
                EventsProcessed = _eventsProcessed,
            };
        }
    }

    /// <summary>
    /// Ends the session at <paramref name="endMs"/>: closes the windows still open, attributes every pending request and builds
    /// the report. Call once.
    /// </summary>
    public Report Complete(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        lock (_lock)
        {
            var endMs = Math.Max(context.EndMs, _watermark);
            _watermark = endMs;
            _gc.End(endMs);
            _starvation.End(endMs);
            _contention.End(endMs);

            _hosting.FinalizeUpTo(double.PositiveInfinity);
            _kestrel.FinalizeUpTo(double.PositiveInfinity);
            return BuildReport(context, endMs);
        }
    }

    private Report BuildReport(ReportContext context, double endMs)
    {
        var useHosting = _hosting.Completed > 0 || _kestrel.Completed == 0;
        var requests = useHosting ? _hosting : _kestrel;
        var source = requests.Completed == 0 && requests.InFlight == 0 ? "none" : useHosting ? "hosting" : "kestrel";
        var overall = requests.Overall.Summary();

        var notes = new List<string>(context.Notes);
        var unmatched = requests.UnmatchedStops + _gc.UnpairedEvents;
        var confidence = "high";
        if (context.EventsLost > 0 || unmatched > 0)
        {
            var lostShare = (double)(context.EventsLost + unmatched) / Math.Max(1, _eventsProcessed + context.EventsLost);
            confidence = lostShare > 0.01 ? "low" : "medium";
            notes.Add($"EventPipe dropped {context.EventsLost} events and {unmatched} start/stop pairs did not match: figures may undercount.");
        }

        if (context.TargetExited)
        {
            notes.Add("The target process exited during the session; the report covers the time until it exited.");
        }

        if (requests.Completed == 0)
        {
            notes.Add(source == "none"
                ? "No ASP.NET Core request events were seen: is the target an ASP.NET Core app, and did it receive requests?"
                : "Requests started but none completed during the session.");
        }

        var tail = new List<ReportTail>();
        foreach (var percentile in new[] { 99.0, 99.9 })
        {
            tail.Add(requests.Tail(percentile));
        }

        var pauses = _gc.Listed.Select(p => new ReportGcPause
        {
            StartMs = LatencyRecorder.Round(p.StartMs),
            DurationMs = LatencyRecorder.Round(p.DurationMs),
            Generation = p.Generation,
            Reason = p.Reason,
            Type = p.Type,
        }).OrderBy(p => p.StartMs).ToList();
        var report = new Report
        {
            Target = context.Target,
            Session = new ReportSession
            {
                DurationMs = LatencyRecorder.Round(endMs),
                EventsLost = context.EventsLost,
                EndReason = context.EndReason,
                TargetExited = context.TargetExited,
                Confidence = confidence,
                EventsProcessed = _eventsProcessed,
                TraceEvents = context.TraceEvents,
                Notes = notes,
            },
            Requests = new ReportRequests
            {
                Count = requests.Completed,
                Source = source,
                LatencyMs = overall,
                Endpoints = requests.Endpoints(),
                Distribution = PercentileDistribution.Of(requests.Overall),
                InFlightAtEnd = requests.InFlight,
                UnmatchedStops = requests.UnmatchedStops,
                KestrelQueues = new ReportKestrelQueues
                {
                    MaxConnectionQueueLength = _queues.MaxConnectionQueueLength,
                    MaxRequestQueueLength = _queues.MaxRequestQueueLength,
                },
            },
            Gc = new ReportGc
            {
                PauseCount = _gc.PauseCount,
                TotalPauseMs = LatencyRecorder.Round(_gc.TotalPauseMs),
                MaxPauseMs = LatencyRecorder.Round(_gc.MaxPauseMs),
                Pauses = pauses,
                PausesTruncated = _gc.PauseCount > pauses.Count,
                ByGeneration = _gc.ByGeneration.OrderBy(g => g.Key).Select(g => new ReportGcGeneration
                {
                    Generation = g.Key,
                    PauseCount = g.Value.Count,
                    TotalPauseMs = LatencyRecorder.Round(g.Value.Total),
                    MaxPauseMs = LatencyRecorder.Round(g.Value.Max),
                }).ToList(),
            },
            ThreadPool = new ReportThreadPool
            {
                StarvationEpisodes = _starvation.Listed.Select(e => new ReportStarvationEpisode
                {
                    StartMs = LatencyRecorder.Round(e.StartMs),
                    EndMs = LatencyRecorder.Round(e.EndMs),
                    ThreadsInjected = e.ThreadsInjected,
                    Ongoing = e.Ongoing,
                }).ToList(),
                MaxQueueLength = _queues.MaxPoolQueueLength,
                MaxThreadCount = _threads.Max,
                StarvationAdjustments = _starvation.StarvationAdjustments,
                CooperativeBlockingAdjustments = _starvation.CooperativeBlockingAdjustments,
            },
            Contention = new ReportContention
            {
                Count = _contention.Count,
                TotalWaitMs = LatencyRecorder.Round(_contention.TotalWaitMs),
                MaxWaitMs = LatencyRecorder.Round(_contention.MaxWaitMs),
                Windows = _contention.LongestWaits
                    .Select(w => new ReportContentionWindow { StartMs = LatencyRecorder.Round(w.StartMs), DurationMs = LatencyRecorder.Round(w.DurationMs) })
                    .OrderBy(w => w.StartMs)
                    .ToList(),
            },
            Tail = tail,
            SlowestRequests = requests.Slowest(),
            // One site per user frame and rule: the JIT may inline the blocking API's own frames differently from one wait to
            // the next (`.Result` seen as `Task.Wait`), which must not split one call site in two; the site names its most
            // frequent blocking call.
            BlockingSites = _blockingSites.Sites
                .GroupBy(s => (s.Key.Frame, Rule: BlockingSiteRules.RuleFor(s.Key.Call ?? s.Key.Frame)))
                .Select(g => new ReportBlockingSite
                {
                    Frame = g.Key.Frame,
                    BlockingCall = g.OrderByDescending(s => s.Value).First().Key.Call,
                    Count = g.Sum(s => s.Value),
                    Rule = g.Key.Rule,
                })
                .OrderByDescending(s => s.Count)
                .Take(20)
                .ToList(),
            Recommendations = [],
            Timeline = requests.TimelineReport(),
            Slo = SloRule.EvaluateAll(context.Slo, overall),
        };
        return report with { Recommendations = Recommendations.For(report) };
    }

    /// <summary>Requests from one source (hosting or Kestrel) and everything aggregated from them.</summary>
    private sealed class RequestTracker(Correlator owner, bool perEndpoint)
    {
        // Hosting requests are keyed by activity id, Kestrel's by their request id (which embeds the connection id).
        private readonly Dictionary<(Guid Activity, string? RequestId), (double Start, string Endpoint)> _inFlight = [];
        private readonly PriorityQueue<(double Start, double End, string Endpoint), double> _pending = new();
        private readonly LatencyRecorder[] _byCause = Enumerable.Range(0, CauseMasks).Select(_ => new LatencyRecorder()).ToArray();
        private readonly LatencyRecorder[] _byPrimary = Enumerable.Range(0, 4).Select(_ => new LatencyRecorder()).ToArray();
        private readonly Dictionary<string, LatencyRecorder> _endpoints = [];
        private readonly PriorityQueue<ReportSlowRequest, double> _slowest = new();
        private readonly Queue<(double End, double Latency)> _rolling = new();
        private readonly List<LatencyRecorder?> _timeline = [];
        private double _timelineInterval = owner._options.TimelineIntervalMs;
        private readonly TimelineRequests _timelineRequests = new(owner._options.MaxTimelineRequests);
        private (long Recorded, LargestBuckets Buckets)? _byCauseLargestFirst;
        private (long Recorded, LargestBuckets Buckets)? _byPrimaryLargestFirst;

        public LatencyRecorder Overall { get; } = new();
        public long Completed => Overall.Count;
        public long CompletedOrPending => Overall.Count + _pending.Count;
        public long InFlight => _inFlight.Count;
        public long UnmatchedStops { get; private set; }

        public bool Seen { get; private set; }

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
            while (_rolling.TryPeek(out var oldest) && oldest.End < ts - owner._options.RollingWindowMs)
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
                if (watermark - start <= owner._options.InFlightTimeoutMs && start < oldest)
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

        public void FinalizeUpTo(double horizon)
        {
            while (_pending.TryPeek(out var request, out var end) && end <= horizon)
            {
                _pending.Dequeue();
                Finalize(request.Start, request.End, request.Endpoint);
            }
        }

        private void Finalize(double start, double end, string endpoint)
        {
            var latency = end - start;
            var mask = owner.Attribute(start, end, out var overlap);
            Overall.Record(latency);
            _byCause[mask].Record(latency);
            _byPrimary[mask == 0 ? 3 : overlap.PrimaryIndex].Record(latency);
            if (perEndpoint)
            {
                if (!_endpoints.TryGetValue(endpoint, out var recorder))
                {
                    if (_endpoints.Count >= owner._options.MaxEndpoints - 1)
                    {
                        endpoint = OtherEndpoint;
                    }

                    if (!_endpoints.TryGetValue(endpoint, out recorder))
                    {
                        recorder = new LatencyRecorder();
                        _endpoints[endpoint] = recorder;
                    }
                }

                recorder.Record(latency);
            }

            RecordTimeline(start, latency);
            _timelineRequests.Add(start, latency, endpoint);

            if (_slowest.Count < owner._options.SlowestRequests || (_slowest.TryPeek(out _, out var smallest) && latency > smallest))
            {
                _slowest.Enqueue(new ReportSlowRequest
                {
                    StartMs = LatencyRecorder.Round(start),
                    DurationMs = LatencyRecorder.Round(latency),
                    Endpoint = endpoint,
                    Causes = CauseNames(mask),
                    GcPauseOverlapMs = LatencyRecorder.Round(overlap.GcMs),
                    StarvationOverlapMs = LatencyRecorder.Round(overlap.StarvationMs),
                    ContentionOverlapMs = LatencyRecorder.Round(overlap.ContentionMs),
                    PrimaryCause = mask == 0 ? Causes.Unexplained : overlap.Primary,
                }, latency);
                if (_slowest.Count > owner._options.SlowestRequests)
                {
                    _slowest.Dequeue();
                }
            }
        }

        private void RecordTimeline(double start, double latency)
        {
            var index = (int)(Math.Max(0, start) / _timelineInterval);
            while (index >= owner._options.MaxTimelinePoints)
            {
                // Too many points: merge neighbours and double the interval, so memory stays bounded however long the session.
                var merged = new List<LatencyRecorder?>();
                for (var i = 0; i < _timeline.Count; i += 2)
                {
                    var a = _timeline[i];
                    var b = i + 1 < _timeline.Count ? _timeline[i + 1] : null;
                    if (a is not null && b is not null)
                    {
                        a.Add(b);
                    }

                    merged.Add(a ?? b);
                }

                _timeline.Clear();
                _timeline.AddRange(merged);
                _timelineInterval *= 2;
                index = (int)(Math.Max(0, start) / _timelineInterval);
            }

            while (_timeline.Count <= index)
            {
                _timeline.Add(null);
            }

            (_timeline[index] ??= new LatencyRecorder(significantDigits: 2)).Record(latency);
        }

        public ReportTimeline TimelineReport() => new()
        {
            IntervalMs = _timelineInterval,
            Points = _timeline
                .Select((r, i) => (r, i))
                .Where(p => p.r is not null)
                .Select(p => new ReportTimelinePoint
                {
                    StartMs = p.i * _timelineInterval,
                    Count = p.r!.Count,
                    P50 = LatencyRecorder.Round(p.r.PercentileMs(50)),
                    P99 = LatencyRecorder.Round(p.r.PercentileMs(99)),
                    Max = LatencyRecorder.Round(p.r.MaxMs),
                })
                .ToList(),
            Requests = _timelineRequests.InTimeOrder(),
        };

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

        /// <summary>
        /// The slowest (100 - percentile)% of the requests, taken from the top of the per-cause histograms, and the share of
        /// them that overlapped each cause. Requests of equal latency at the boundary are shared out pro rata.
        /// </summary>
        public ReportTail Tail(double percentile)
        {
            var threshold = Overall.PercentileMs(percentile);
            var wanted = Overall.Count == 0 ? 0 : Math.Max(1, Math.Round(Overall.Count * (100 - percentile) / 100));
            var buckets = LargestFirst(_byCause, ref _byCauseLargestFirst);
            double taken = 0, gc = 0, starvation = 0, contention = 0, none = 0;
            for (var i = 0; buckets.Has(i) && taken < wanted;)
            {
                var end = GroupEnd(buckets, i, out var inGroup);
                var fraction = Math.Min(1, (wanted - taken) / inGroup);
                for (; i < end; i++)
                {
                    var (_, mask, count) = buckets[i];
                    var n = count * fraction;
                    gc += (mask & CauseGc) != 0 ? n : 0;
                    starvation += (mask & CauseStarvation) != 0 ? n : 0;
                    contention += (mask & CauseContention) != 0 ? n : 0;
                    none += mask == 0 ? n : 0;
                }

                taken += inGroup * fraction;
            }

            double Share(double n) => taken == 0 ? 0 : Math.Round(n / taken, 4);
            var primary = TopShares(LargestFirst(_byPrimary, ref _byPrimaryLargestFirst), _byPrimary.Length, wanted);
            return new ReportTail
            {
                Percentile = percentile,
                ThresholdMs = LatencyRecorder.Round(threshold),
                Requests = (long)Math.Round(taken),
                Share = new ReportTailShare
                {
                    GcPause = Share(gc),
                    ThreadPoolStarvation = Share(starvation),
                    LockContention = Share(contention),
                    Unexplained = Share(none),
                },
                PrimaryShare = new ReportTailShare
                {
                    GcPause = primary[0],
                    ThreadPoolStarvation = primary[1],
                    LockContention = primary[2],
                    Unexplained = primary[3],
                },
            };
        }

        /// <summary>Of the <paramref name="wanted"/> slowest values in <paramref name="buckets"/> (largest first), the share in each recorder.</summary>
        private static double[] TopShares(LargestBuckets buckets, int recorders, double wanted)
        {
            var taken = new double[recorders];
            var total = 0.0;
            for (var i = 0; buckets.Has(i) && total < wanted;)
            {
                var end = GroupEnd(buckets, i, out var inGroup);
                var fraction = Math.Min(1, (wanted - total) / inGroup);
                for (; i < end; i++)
                {
                    var (_, index, count) = buckets[i];
                    taken[index] += count * fraction;
                }

                total += inGroup * fraction;
            }

            return taken.Select(t => total == 0 ? 0 : Math.Round(t / total, 4)).ToArray();
        }

        private LargestBuckets LargestFirst(LatencyRecorder[] recorders, ref (long Recorded, LargestBuckets Buckets)? cache)
        {
            // Both tail percentiles read the same buckets: merge them once while no request was recorded since.
            if (cache is not { } cached || cached.Recorded != Overall.Count)
            {
                cached = (Overall.Count, new LargestBuckets(recorders));
                cache = cached;
            }

            return cached.Buckets;
        }

        /// <summary>The end of the run of buckets with the value of the one at <paramref name="start"/>, and their total count.</summary>
        private static int GroupEnd(LargestBuckets buckets, int start, out long count)
        {
            count = 0;
            var end = start;
            while (buckets.Has(end) && buckets[end].Value == buckets[start].Value)
            {
                count += buckets[end].Count;
                end++;
            }

            return end;
        }

        public IReadOnlyList<ReportEndpoint> Endpoints() => _endpoints
            .OrderByDescending(e => e.Value.Count)
            .Select(e => new ReportEndpoint
            {
                Name = e.Key, Count = e.Value.Count, LatencyMs = e.Value.Summary(), Distribution = PercentileDistribution.Of(e.Value),
            })
            .ToList();

        public IReadOnlyList<ReportSlowRequest> Slowest() => _slowest.UnorderedItems
            .Select(s => s.Element)
            .OrderByDescending(s => s.DurationMs)
            .ToList();

        private static List<string> CauseNames(int mask)
        {
            var causes = new List<string>(3);
            if ((mask & CauseGc) != 0)
            {
                causes.Add(Causes.GcPause);
            }

            if ((mask & CauseStarvation) != 0)
            {
                causes.Add(Causes.ThreadPoolStarvation);
            }

            if ((mask & CauseContention) != 0)
            {
                causes.Add(Causes.LockContention);
            }

            return causes;
        }
    }
}

/// <summary>The names of the causes a slow request can be attributed to, as they appear in the report.</summary>
public static class Causes
{
    public const string GcPause = "gcPause";
    public const string ThreadPoolStarvation = "threadPoolStarvation";
    public const string LockContention = "lockContention";
    public const string Unexplained = "unexplained";
}

/// <summary>What the correlator cannot know from events alone: the target, how the session ended, and the SLO.</summary>
public sealed record ReportContext
{
    public required ReportTarget Target { get; init; }
    public double EndMs { get; init; }
    public long EventsLost { get; init; }
    public long TraceEvents { get; init; }
    /// <summary>One of <see cref="EndReasons"/>.</summary>
    public string EndReason { get; init; } = EndReasons.Duration;
    public bool TargetExited { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The live view's figures at one moment.</summary>
public sealed record LiveSnapshot
{
    public double TimeMs { get; init; }
    public long TotalRequests { get; init; }
    public double RequestsPerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double P999Ms { get; init; }
    public int GcPauseCount { get; init; }
    public double GcTotalPauseMs { get; init; }
    public double GcMaxPauseMs { get; init; }
    public double LastGcPauseMs { get; init; }
    public int ThreadCount { get; init; }
    public double QueueLength { get; init; }
    public bool Starving { get; init; }
    public int StarvationEpisodes { get; init; }
    public long ContentionCount { get; init; }
    public long EventsProcessed { get; init; }
}
