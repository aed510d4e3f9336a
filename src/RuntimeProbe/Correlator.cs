using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe;

/// <summary>
/// The middle of the pipeline. Takes a source's events in stream order and hands each to the tracker of its signal
/// (Timeline/) or to the requests' trackers (Attribution/); moves the stream's watermark on, attributing each completed
/// request once the stream is <see cref="CorrelatorOptions.ReorderWindowMs"/> past its end (so that events EventPipe delivers
/// late still count); and prunes the windows no request still to be attributed can overlap. It builds no report:
/// <c>ReportBuilder.Complete</c> reads the trackers when the session ends. Thread-safe: one thread feeds events while another
/// takes live snapshots.
/// </summary>
public sealed class Correlator : IProbeEventSink
{
    private readonly Lock _lock = new();
    private readonly CorrelatorOptions _options;

    // One tracker per signal, sealed and called directly (no list behind an interface): the hot path stays allocation-free.
    private readonly GcPauseTracker _gc;
    private readonly StarvationTracker _starvation;
    private readonly ContentionTracker _contention;
    private readonly ThreadPoolThreads _threads = new();
    private readonly RuntimeQueues _queues = new();
    private readonly BlockingSiteTally _blockingSites;
    private readonly PoolHolderTally _poolHolders;
    private readonly SchedulingDelayTracker _scheduling;
    private readonly SchedulingDelays _schedulingDelays;
    private readonly WorkChains _chains;
    private int _gcHeaps;

    private readonly Attributor _attributor;
    private readonly RequestTracker _hosting;
    private readonly RequestTracker _kestrel;
    private readonly EndpointNames _endpointNames = new();

    private double _watermark;
    private long _eventsProcessed;
    private int _pruneCountdown = 1024;

    public Correlator(CorrelatorOptions? options = null)
    {
        _options = options ?? CorrelatorOptions.Default;
        _gc = new GcPauseTracker(_options.MaxPausesListed, _options.Listener);
        _starvation = new StarvationTracker(new StarvationSettings(
            _options.StarvationLeadMs, _options.StarvationGapMs, _options.StarvationMaxBackdateMs, _options.MaxEpisodesListed), _options.Listener);
        _contention = new ContentionTracker(_options.MaxContentionWindowsListed);
        _blockingSites = new BlockingSiteTally(_options.MaxBlockingSites, _options.Listener);
        _poolHolders = new PoolHolderTally(_options.MaxBlockingSites);
        _scheduling = new SchedulingDelayTracker(new SchedulingDelaySettings(
            _options.MaxQueuedWorkItems, _options.QueueStallMs, _options.QueueStallCheckMs));
        _schedulingDelays = new SchedulingDelays(_options.TimelineIntervalMs, _options.MaxTimelinePoints);
        _chains = new WorkChains(new ChainSettings(_options.ChainRunAllowanceMs, _options.AfterPauseMs));
        _attributor = new Attributor(_gc, _starvation, _contention);
        var limits = new RequestLimits(_options.RollingWindowMs, _options.InFlightTimeoutMs, _options.MaxEndpoints,
            _options.TimelineIntervalMs, _options.MaxTimelinePoints, _options.MaxTimelineRequests, _options.SlowestRequests);
        _hosting = new RequestTracker(_attributor, limits, _options.Listener);
        _kestrel = new RequestTracker(_attributor, limits, _options.Listener);
    }

    public CorrelatorOptions Options => _options;

    /// <summary>How many closed windows are held for attributing requests still in flight (for memory tests).</summary>
    internal int RetainedWindows
    {
        get
        {
            lock (_lock)
            {
                return Retained();
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

    // What the report is built from, read under the lock by the reader that End hands them to.
    internal GcPauseTracker Gc => _gc;
    internal StarvationTracker Starvation => _starvation;
    internal ContentionTracker Contention => _contention;
    internal ThreadPoolThreads Threads => _threads;
    internal RuntimeQueues Queues => _queues;
    internal BlockingSiteTally BlockingSites => _blockingSites;
    internal PoolHolderTally PoolHolders => _poolHolders;
    internal SchedulingDelayTracker Scheduling => _scheduling;
    internal SchedulingDelays SchedulingDelays => _schedulingDelays;

    /// <summary>The GC heap count the runtime last reported (GCGlobalHeapHistory); 0 when no GC was seen.</summary>
    internal int GcHeaps => _gcHeaps;

    /// <summary>Whether a GC pause is going on (its suspension seen, its restart not yet).</summary>
    internal bool InGcPause => _gc.Pausing;
    internal RequestTracker HostingRequests => _hosting;
    internal RequestTracker KestrelRequests => _kestrel;
    internal long EventCount => _eventsProcessed;

    public void Process(ProbeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_lock)
        {
            Dispatch(e);
        }
    }

    // The request events, most of a stream, come straight from the decoder without a record (see IProbeEventSink).

    /// <summary>
    /// Kestrel's request events are the fallback for traces without hosting events: once hosting requests are seen,
    /// attributing the same requests twice would only cost time.
    /// </summary>
    public bool WantsKestrelRequests => !_hosting.Seen;

    public void HostingRequestStart(double timestampMs, Guid activityId, string method, string path) =>
        HostingRequestStart(timestampMs, ProbeEvent.UnknownThread, activityId, method, path);

    public void HostingRequestStop(double timestampMs, Guid activityId) => HostingRequestStop(timestampMs, ProbeEvent.UnknownThread, activityId);

    public void KestrelRequestStart(double timestampMs, string connectionId, string requestId, string? method, string? path) =>
        KestrelRequestStart(timestampMs, ProbeEvent.UnknownThread, connectionId, requestId, method, path);

    public void KestrelRequestStop(double timestampMs, string connectionId, string requestId) =>
        KestrelRequestStop(timestampMs, ProbeEvent.UnknownThread, connectionId, requestId);

    public void HostingRequestStart(double timestampMs, int threadId, Guid activityId, string method, string path)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            _hosting.Start((activityId, null), timestampMs, _endpointNames.Name(method, path), WaitStart(threadId));
            Advance(timestampMs);
        }
    }

    public void HostingRequestStop(double timestampMs, int threadId, Guid activityId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            _hosting.Stop((activityId, null), timestampMs, StopItem(threadId));
            Advance(timestampMs);
        }
    }

    public void KestrelRequestStart(double timestampMs, int threadId, string connectionId, string requestId, string? method, string? path)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnKestrelStart(timestampMs, threadId, requestId, method, path);
            Advance(timestampMs);
        }
    }

    public void KestrelRequestStop(double timestampMs, int threadId, string connectionId, string requestId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnKestrelStop(timestampMs, threadId, requestId);
            Advance(timestampMs);
        }
    }

    public void ThreadPoolEnqueue(double timestampMs, long workId) => ThreadPoolEnqueue(timestampMs, ProbeEvent.UnknownThread, workId);

    public void ThreadPoolDequeue(double timestampMs, long workId) => ThreadPoolDequeue(timestampMs, ProbeEvent.UnknownThread, workId);

    public void ThreadPoolEnqueue(double timestampMs, int threadId, long workId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnEnqueue(timestampMs, threadId, workId);
            Advance(timestampMs);
        }
    }

    public void ThreadPoolDequeue(double timestampMs, int threadId, long workId)
    {
        lock (_lock)
        {
            _eventsProcessed++;
            OnDequeue(timestampMs, threadId, workId);
            Advance(timestampMs);
        }
    }

    private void OnEnqueue(double ts, int threadId, long workId) =>
        _scheduling.Enqueue(ts, workId, _chains.OriginOf(ts, threadId, workId, _gc.LastPause));

    /// <summary>When the work that led to a request starting on <paramref name="threadId"/> began; null when unknown.</summary>
    private double? WaitStart(int threadId) => _chains.TryCurrent(threadId, out var origin, out _) ? origin : null;

    private (double OriginMs, double DequeuedMs)? StopItem(int threadId) =>
        _chains.TryCurrent(threadId, out var origin, out var dequeued) ? (origin, dequeued) : null;

    private void OnDequeue(double ts, int threadId, long workId)
    {
        var delay = _scheduling.Dequeue(ts, workId, out var enqueued, out var origin);
        _chains.Dequeued(ts, threadId, workId, enqueued, origin);
        if (delay < 0)
        {
            return;
        }

        _schedulingDelays.Record(ts - delay, delay);
        _options.Listener?.SchedulingDelay(ts, delay);
        if (delay >= _options.QueueStallMs)
        {
            _starvation.OnQueueWait(ts - delay, ts);
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

    private void OnKestrelStart(double ts, int threadId, string requestId, string? method, string? path)
    {
        if (!_hosting.Seen)
        {
            _kestrel.Start((Guid.Empty, requestId), ts, path is null ? EndpointNames.KestrelWithoutPath : _endpointNames.Name(method ?? "", path),
                WaitStart(threadId));
        }
    }

    private void OnKestrelStop(double ts, int threadId, string requestId)
    {
        if (!_hosting.Seen)
        {
            _kestrel.Stop((Guid.Empty, requestId), ts, StopItem(threadId));
        }
    }

    private void Dispatch(ProbeEvent e)
    {
        // The GC mode rides along with each GC; it is no signal of its own, and counting it would change the count of events
        // processed of every trace recorded before it was read.
        if (e is GcHeapCount heaps)
        {
            _gcHeaps = heaps.Heaps;
            return;
        }

        _eventsProcessed++;
        var ts = e.TimestampMs;
        switch (e)
        {
            case HostingRequestStart s:
                _hosting.Start((s.ActivityId, null), ts, _endpointNames.Name(s.Method, s.Path), WaitStart(s.ThreadId));
                break;
            case HostingRequestStop s:
                _hosting.Stop((s.ActivityId, null), ts, StopItem(s.ThreadId));
                break;
            case KestrelRequestStart s:
                OnKestrelStart(ts, s.ThreadId, s.RequestId, s.Method, s.Path);
                break;
            case KestrelRequestStop s:
                OnKestrelStop(ts, s.ThreadId, s.RequestId);
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
            case PoolThreadTime s:
                _poolHolders.On(s);
                break;
            case MonopolizingWorkItem s:
                _poolHolders.On(s);
                break;
            case ThreadPoolWorkEnqueued s:
                OnEnqueue(ts, s.ThreadId, s.WorkId);
                break;
            case ThreadPoolWorkDequeued s:
                OnDequeue(ts, s.ThreadId, s.WorkId);
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
            // A stalled queue needs the counters to agree that work is queued: an item whose dequeue was lost (a moved work
            // id) in an idle pool is no stall.
            if (_queues.LastPoolQueueLength >= 1 && _scheduling.StalledSince(ts) is { } queuedSince)
            {
                _starvation.OnQueueWait(queuedSince, ts);
            }

            _hosting.FinalizeUpTo(_watermark - _options.ReorderWindowMs, _watermark);
            _kestrel.FinalizeUpTo(_watermark - _options.ReorderWindowMs, _watermark);
        }

        if (--_pruneCountdown <= 0)
        {
            Prune();
        }
    }

    private void Prune()
    {
        // Windows ending before the horizon (the oldest start of a request still to be attributed, and never later than the
        // reorder window) can overlap no live request. The windows are pruned only when the oldest end is before the reorder
        // horizon; and once a live request is known to start at or before that end, nothing can be pruned, so the scan of the
        // requests in flight stops there. The result is the same as with the exact horizon, for far less work.
        var windows = _attributor.Windows;
        var reorderHorizon = _watermark - _options.ReorderWindowMs;
        var oldestEnd = double.PositiveInfinity;
        foreach (var window in windows)
        {
            oldestEnd = Math.Min(oldestEnd, window.OldestEnd);
        }

        if (oldestEnd < reorderHorizon)
        {
            var horizon = Math.Min(_hosting.OldestLiveStart(_watermark, oldestEnd), _kestrel.OldestLiveStart(_watermark, oldestEnd));
            horizon = Math.Min(horizon, reorderHorizon);
            if (horizon > oldestEnd)
            {
                foreach (var window in windows)
                {
                    window.PruneBefore(horizon);
                }
            }
        }

        _pruneCountdown = Math.Max(1024, Retained() * 2);
    }

    private int Retained()
    {
        var retained = 0;
        foreach (var window in _attributor.Windows)
        {
            retained += window.Count;
        }

        return retained;
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
                TotalLatency = _scheduling.Seen,
                GcPauseCount = _gc.PauseCount,
                GcTotalPauseMs = _gc.TotalPauseMs,
                GcMaxPauseMs = _gc.MaxPauseMs,
                LastGcPauseMs = _gc.LastPauseMs,
                ThreadCount = _threads.Last ?? 0,
                QueueLength = _queues.LastPoolQueueLength,
                Starving = _starvation.Starving,
                StarvationEpisodes = _starvation.ClosedEpisodes + (_starvation.Starving ? 1 : 0),
                ContentionCount = _contention.Count,
                SchedulingDelayP99Ms = _schedulingDelays.LatestP99Ms(),
                SchedulingDelayMaxMs = _schedulingDelays.Overall.MaxMs,
                QueuedWorkItems = _scheduling.Queued,
                EventsProcessed = _eventsProcessed,
            };
        }
    }

    /// <summary>
    /// Ends the session at <paramref name="endMs"/> (or at the stream's watermark, when later): closes the windows still open,
    /// attributes every request still pending, then hands the final state and the end to <paramref name="read"/>, under the
    /// lock. Call once.
    /// </summary>
    internal T End<T>(double endMs, Func<Correlator, double, T> read)
    {
        lock (_lock)
        {
            endMs = Math.Max(endMs, _watermark);
            _watermark = endMs;
            _gc.End(endMs);
            _starvation.End(endMs);
            _contention.End(endMs);
            _hosting.FinalizeUpTo(double.PositiveInfinity, _watermark);
            _kestrel.FinalizeUpTo(double.PositiveInfinity, _watermark);
            _hosting.CensorInFlight(endMs, _scheduling.Seen);
            _kestrel.CensorInFlight(endMs, _scheduling.Seen);
            return read(this, endMs);
        }
    }
}
