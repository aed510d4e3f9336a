namespace TailGuard.RuntimeProbe;

/// <summary>The live view's figures at one moment.</summary>
public sealed record LiveSnapshot
{
    public double TimeMs { get; init; }
    public long TotalRequests { get; init; }
    public double RequestsPerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double P999Ms { get; init; }

    /// <summary>
    /// Whether <see cref="P50Ms"/>..<see cref="P999Ms"/> are total latencies (the wait for a pool thread before RequestStart
    /// included), as when the thread-pool work-item events are seen; otherwise they are application latencies.
    /// </summary>
    public bool TotalLatency { get; init; }
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

    /// <summary>Thread-pool scheduling delay: the latest timeline interval's P99 and the session's maximum (0 without the events).</summary>
    public double SchedulingDelayP99Ms { get; init; }
    public double SchedulingDelayMaxMs { get; init; }

    /// <summary>Work items enqueued and not seen dequeued.</summary>
    public int QueuedWorkItems { get; init; }
}
