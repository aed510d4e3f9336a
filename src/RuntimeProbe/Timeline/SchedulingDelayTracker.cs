using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// Thread-pool scheduling delay: pairs FrameworkEventSource's ThreadPoolEnqueueWork with the ThreadPoolDequeueWork of the same
/// work id; the time between them is how long the item waited for a pool thread. Work ids are object addresses, so a
/// compacting GC between the two events leaves an enqueue without its dequeue (and a dequeue without its enqueue); both are
/// counted, never guessed. At most <see cref="SchedulingDelaySettings.MaxQueued"/> items are held: past that the oldest are
/// dropped and counted as unpaired. The hot path (<see cref="Enqueue"/>, <see cref="Dequeue"/>) allocates nothing once the
/// collections have grown.
/// </summary>
internal sealed class SchedulingDelayTracker(SchedulingDelaySettings settings)
{
    // By work id: when the item was queued, and when the chain of work that led to it began (see WorkChains).
    private readonly Dictionary<long, (double Enqueued, double Origin)> _queued = [];

    // Every enqueue in stream order, removed lazily: the front is the oldest item that may still be queued.
    private readonly Queue<(long Id, double EnqueuedMs)> _order = new();
    private double _lastDequeueMs = double.NegativeInfinity;
    private double _nextStallCheckMs;

    public long Enqueues { get; private set; }

    public long Dequeues { get; private set; }

    /// <summary>Enqueue/dequeue pairs matched by work id: the scheduling delays recorded.</summary>
    public long Paired { get; private set; }

    /// <summary>Enqueues whose dequeue never came: the id was enqueued again before (a moved object's address reused), or dropped at the limit.</summary>
    public long UnpairedEnqueues { get; private set; }

    /// <summary>Dequeues without an enqueue of their id: queued before the session, or moved by a compacting GC.</summary>
    public long UnpairedDequeues { get; private set; }

    /// <summary>Whether the stream carried the events at all (an old trace, or a target without them, has none).</summary>
    public bool Seen => Enqueues + Dequeues > 0;

    /// <summary>Work items enqueued and not (yet) seen dequeued.</summary>
    public int Queued => _queued.Count;

    public void Enqueue(double ts, long workId) => Enqueue(ts, workId, ts);

    /// <summary>Queues a work item whose chain of work began at <paramref name="originMs"/> (its enqueue when it starts one).</summary>
    public void Enqueue(double ts, long workId, double originMs)
    {
        Enqueues++;
        if (_order.Count >= settings.MaxQueued)
        {
            MakeRoom();
        }

        if (_queued.ContainsKey(workId))
        {
            UnpairedEnqueues++;
        }

        _queued[workId] = (ts, originMs);
        _order.Enqueue((workId, ts));
    }

    /// <summary>The work item's queue wait in milliseconds, or -1 when its enqueue was not seen.</summary>
    public double Dequeue(double ts, long workId) => Dequeue(ts, workId, out _, out _);

    /// <summary>
    /// The work item's queue wait in milliseconds, or -1 when its enqueue was not seen; when it was, when it was queued and
    /// when its chain began (both <paramref name="ts"/> otherwise).
    /// </summary>
    public double Dequeue(double ts, long workId, out double enqueuedMs, out double originMs)
    {
        Dequeues++;
        _lastDequeueMs = Math.Max(_lastDequeueMs, ts);
        if (!_queued.Remove(workId, out var queued))
        {
            UnpairedDequeues++;
            enqueuedMs = ts;
            originMs = ts;
            return -1;
        }

        Paired++;
        enqueuedMs = Math.Min(queued.Enqueued, ts);
        originMs = Math.Min(queued.Origin, enqueuedMs);
        return Math.Max(0, ts - queued.Enqueued);
    }

    /// <summary>When the oldest item still queued was enqueued, or null when none is.</summary>
    public double? OldestQueuedMs()
    {
        while (_order.TryPeek(out var front))
        {
            if (_queued.TryGetValue(front.Id, out var queued) && queued.Enqueued == front.EnqueuedMs)
            {
                return queued.Enqueued;
            }

            _order.Dequeue();
        }

        return null;
    }

    /// <summary>
    /// Whether the pool looks stalled at <paramref name="now"/>: an item has been queued for at least
    /// <see cref="SchedulingDelaySettings.StallMs"/> and no pool thread dequeued anything for as long (a pool at its maximum,
    /// or deadlocked, raises no adjustment: this is what shows it). Returns when the oldest waiting item was enqueued.
    /// Checked at most every <see cref="SchedulingDelaySettings.StallCheckMs"/> of stream time.
    /// </summary>
    public double? StalledSince(double now)
    {
        if (now < _nextStallCheckMs || _queued.Count == 0)
        {
            return null;
        }

        _nextStallCheckMs = now + settings.StallCheckMs;
        if (now - _lastDequeueMs < settings.StallMs)
        {
            return null;
        }

        return OldestQueuedMs() is { } oldest && now - oldest >= settings.StallMs ? oldest : null;
    }

    /// <summary>
    /// The order is full. When most of it is still queued, the oldest items are dropped (the memory limit) down to three
    /// quarters, so that this does not run on every enqueue; then the entries already dequeued are removed, in place.
    /// </summary>
    private void MakeRoom()
    {
        while (_queued.Count >= settings.MaxQueued * 3 / 4 && _queued.Count > 0)
        {
            DropOldest();
        }

        for (var n = _order.Count; n > 0; n--)
        {
            var entry = _order.Dequeue();
            if (_queued.TryGetValue(entry.Id, out var queued) && queued.Enqueued == entry.EnqueuedMs)
            {
                _order.Enqueue(entry);
            }
        }
    }

    private void DropOldest()
    {
        while (_order.TryDequeue(out var front))
        {
            if (_queued.TryGetValue(front.Id, out var queued) && queued.Enqueued == front.EnqueuedMs)
            {
                _queued.Remove(front.Id);
                UnpairedEnqueues++;
                return;
            }
        }
    }
}

/// <summary>What bounds the scheduling-delay tracker and when a queue counts as stalled (see <c>CorrelatorOptions</c>).</summary>
internal sealed record SchedulingDelaySettings(int MaxQueued, double StallMs, double StallCheckMs);
