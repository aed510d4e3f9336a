using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe;

/// <summary>The knobs that bound the correlator's memory and shape its episodes. Defaults suit a live service.</summary>
public sealed record CorrelatorOptions
{
    /// <summary>
    /// A completed request is attributed only once the event stream has moved this far past its end, so that pause and
    /// starvation events delivered late (EventPipe merges per-thread buffers) still count.
    /// </summary>
    public double ReorderWindowMs { get; init; } = 2_000;

    /// <summary>
    /// The gate thread checks for starvation every 500 ms, so the pool was already starved for up to that long when the first
    /// Starvation adjustment fires; episodes start this much earlier and end this much after their last adjustment.
    /// </summary>
    public double StarvationLeadMs { get; init; } = 500;

    /// <summary>
    /// Evidence of starvation (a Starvation or CooperativeBlocking adjustment, or a non-empty pool queue in the counters)
    /// further apart than this belongs to separate episodes. The runtime slows its starvation injections as the pool grows,
    /// two seconds apart and more, so the gap is wider than that.
    /// </summary>
    public double StarvationGapMs { get; init; } = 3_000;

    /// <summary>
    /// How far before the first Starvation adjustment an episode may start, when the pool's queue was already non-empty in
    /// the counters before it (the gate thread is slow to declare starvation).
    /// </summary>
    public double StarvationMaxBackdateMs { get; init; } = 3_000;

    /// <summary>
    /// A work item that waited this long in the pool's queue, or a queue in which an item has waited this long while no pool
    /// thread dequeued anything, is evidence of a saturated pool (an episode), even without the pool's own adjustments: a pool
    /// already at its maximum raises none. Above the longest gen2 pauses measured here, so that a GC pause alone (which also
    /// holds queued work) does not make an episode.
    /// </summary>
    public double QueueStallMs { get; init; } = 1_000;

    /// <summary>How often (of stream time) the pool's queue is checked for a stall.</summary>
    public double QueueStallCheckMs { get; init; } = 100;

    /// <summary>
    /// The most thread-pool work items held while waiting for their dequeue; past that the oldest is dropped and counted as
    /// unpaired (a compacting GC can move an item, so some never pair).
    /// </summary>
    public int MaxQueuedWorkItems { get; init; } = 65_536;

    /// <summary>
    /// A work item queued by a pool thread inherits the start of the chain of work that thread is running (a socket completion,
    /// then Kestrel's IOQueue, then the connection's continuation), plus at most this much of the time the thread has run it
    /// so far. Items that batch (the socket engine, an IOQueue) run on while new work arrives: what they hand on after running
    /// longer than this arrived while they ran, not while they waited. The socket engine yields its thread every 15 ms.
    /// </summary>
    public double ChainRunAllowanceMs { get; init; } = 15;

    /// <summary>
    /// An item queued by a thread of its own (the socket engine) this soon after a GC pause ended is taken to have waited
    /// since the pause began: the thread was suspended too, so bytes that arrived during the pause are queued only after it.
    /// </summary>
    public double AfterPauseMs { get; init; } = 1;

    /// <summary>An unfinished request older than this no longer holds pause windows in memory.</summary>
    public double InFlightTimeoutMs { get; init; } = 120_000;

    public int SlowestRequests { get; init; } = 20;
    public int MaxPausesListed { get; init; } = 2_000;
    public int MaxEpisodesListed { get; init; } = 1_000;
    public int MaxEndpoints { get; init; } = 64;
    public int MaxTimelinePoints { get; init; } = 600;
    public double TimelineIntervalMs { get; init; } = 1_000;
    public int MaxBlockingSites { get; init; } = 256;
    /// <summary>Sessions with at most this many requests list each one, to draw every request on the timeline.</summary>
    public int MaxTimelineRequests { get; init; } = 2_000;
    public int MaxContentionWindowsListed { get; init; } = 1_000;

    /// <summary>The live view's rolling window.</summary>
    public double RollingWindowMs { get; init; } = 5_000;

    /// <summary>Told each measurement as the trackers make it (the monitor's metrics); none by default.</summary>
    public IMeasurementListener? Listener { get; init; }

    public static CorrelatorOptions Default { get; } = new();
}
