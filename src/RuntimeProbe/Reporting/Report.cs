namespace TailGuard.RuntimeProbe.Reporting;

// The report model: what every renderer (console, JSON, Markdown, HTML) shows. JSON field names are the camelCase of these
// property names and form the versioned machine interface `tailguard-report/1`: add fields, never rename or remove them.
// All times are milliseconds relative to the session start.

/// <summary>The full result of one probe session or one analyzed trace.</summary>
public sealed record Report
{
    public const string SchemaVersion = "tailguard-report/1";

    public string Schema { get; init; } = SchemaVersion;
    public required ReportTarget Target { get; init; }
    public required ReportSession Session { get; init; }
    public required ReportRequests Requests { get; init; }
    public required ReportGc Gc { get; init; }
    public required ReportThreadPool ThreadPool { get; init; }
    public required ReportContention Contention { get; init; }
    public required IReadOnlyList<ReportTail> Tail { get; init; }
    public required IReadOnlyList<ReportSlowRequest> SlowestRequests { get; init; }
    public required IReadOnlyList<ReportBlockingSite> BlockingSites { get; init; }
    public required IReadOnlyList<ReportRecommendation> Recommendations { get; init; }
    public required ReportTimeline Timeline { get; init; }
    public required ReportSlo Slo { get; init; }

    /// <summary>Who held the pool's threads (sampled thread time, <c>--stacks</c>), largest first; empty when not sampled.</summary>
    public IReadOnlyList<ReportPoolHolder> PoolHolders { get; init; } = [];

    /// <summary>Work items whose user code held a pool thread past the threshold without returning to the pool; empty when not sampled.</summary>
    public IReadOnlyList<ReportMonopolizingSite> MonopolizingWorkItems { get; init; } = [];
}

public sealed record ReportTarget
{
    public int? Pid { get; init; }
    public string? ProcessName { get; init; }
    public string? RuntimeVersion { get; init; }
    public string? CommandLine { get; init; }
}

public sealed record ReportSession
{
    public double DurationMs { get; init; }
    public long EventsLost { get; init; }
    /// <summary>How the session ended: one of <see cref="EndReasons"/>.</summary>
    public string EndReason { get; init; } = EndReasons.Duration;
    public bool TargetExited { get; init; }
    /// <summary>"high" when nothing was lost; "medium" or "low" when EventPipe dropped events or pairs did not match.</summary>
    public string Confidence { get; init; } = "high";
    /// <summary>Events the probe decoded and correlated.</summary>
    public long EventsProcessed { get; init; }

    /// <summary>All events read from the EventPipe stream, including those the probe does not use.</summary>
    public long TraceEvents { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}

public sealed record LatencySummary
{
    public double P50 { get; init; }
    public double P90 { get; init; }
    public double P99 { get; init; }
    public double P999 { get; init; }
    public double Max { get; init; }

    public static LatencySummary Empty { get; } = new();
}

public sealed record ReportRequests
{
    public long Count { get; init; }
    /// <summary>"hosting" (Microsoft.AspNetCore.Hosting, paired by activity id) or "kestrel" (no path), or "none".</summary>
    public string Source { get; init; } = "none";
    public required LatencySummary LatencyMs { get; init; }
    public required IReadOnlyList<ReportEndpoint> Endpoints { get; init; }
    /// <summary>All requests' latency at percentiles spaced evenly on a log scale of 1/(1-p), up to the data's resolution.</summary>
    public IReadOnlyList<ReportPercentilePoint> Distribution { get; init; } = [];
    /// <summary>Requests that started and had not ended when the session stopped.</summary>
    public long InFlightAtEnd { get; init; }
    /// <summary>Stops whose start was never seen (lost events or a request that began before the session).</summary>
    public long UnmatchedStops { get; init; }
    /// <summary>
    /// Kestrel's queues (connection-queue-length and request-queue-length counters): work that waited for a thread-pool
    /// thread before the application saw it, a wait the application's own timings cannot show.
    /// </summary>
    public required ReportKestrelQueues KestrelQueues { get; init; }

    /// <summary>
    /// Total latency: what a client waited for once its bytes reached the process, the wait for a pool thread before
    /// RequestStart included (followed back through the thread pool's work items to the socket) plus <see cref="LatencyMs"/>.
    /// Null when the trace has no thread-pool work-item events; see <see cref="TotalLatencyNote"/>.
    /// </summary>
    public LatencySummary? TotalLatencyMs { get; init; }
    public IReadOnlyList<ReportPercentilePoint> TotalLatencyDistribution { get; init; } = [];
    /// <summary>Requests whose wait before RequestStart was followed; the others count their application latency only. Null without the events.</summary>
    public long? WaitsMeasured { get; init; }
    /// <summary>One line saying why the total latency is missing or partial; null when it is measured for every request.</summary>
    public string? TotalLatencyNote { get; init; }
}

public sealed record ReportEndpoint
{
    public required string Name { get; init; }
    public long Count { get; init; }
    public required LatencySummary LatencyMs { get; init; }
    public IReadOnlyList<ReportPercentilePoint> Distribution { get; init; } = [];
    /// <summary>The endpoint's total latency (see <see cref="ReportRequests.TotalLatencyMs"/>); null without the events.</summary>
    public LatencySummary? TotalLatencyMs { get; init; }
}

public sealed record ReportKestrelQueues
{
    public double MaxConnectionQueueLength { get; init; }
    public double MaxRequestQueueLength { get; init; }
}

public sealed record ReportGc
{
    public int PauseCount { get; init; }
    public double TotalPauseMs { get; init; }
    public double MaxPauseMs { get; init; }
    /// <summary>The pauses, in time order; at most the configured number (the largest are kept when there are more).</summary>
    public required IReadOnlyList<ReportGcPause> Pauses { get; init; }
    public bool PausesTruncated { get; init; }
    public required IReadOnlyList<ReportGcGeneration> ByGeneration { get; init; }
    /// <summary>GC heaps, as the runtime's GCGlobalHeapHistory reports them: 1 under Workstation GC, more under Server GC; null when no GC said.</summary>
    public int? HeapCount { get; init; }
}

public sealed record ReportGcPause
{
    public double StartMs { get; init; }
    public double DurationMs { get; init; }
    /// <summary>0, 1 or 2; -1 when no GCStart was seen for the pause.</summary>
    public int Generation { get; init; }
    public string Reason { get; init; } = "";
    public string Type { get; init; } = "";
}

public sealed record ReportGcGeneration
{
    public int Generation { get; init; }
    public int PauseCount { get; init; }
    public double TotalPauseMs { get; init; }
    public double MaxPauseMs { get; init; }
}

public sealed record ReportThreadPool
{
    public required IReadOnlyList<ReportStarvationEpisode> StarvationEpisodes { get; init; }
    public double MaxQueueLength { get; init; }
    public int MaxThreadCount { get; init; }
    public int StarvationAdjustments { get; init; }
    public int CooperativeBlockingAdjustments { get; init; }

    /// <summary>
    /// How long work items waited in the pool's queue for a thread (FrameworkEventSource enqueue to dequeue, paired by work id);
    /// null when the trace has no such events.
    /// </summary>
    public LatencySummary? SchedulingDelayMs { get; init; }
    public IReadOnlyList<ReportPercentilePoint> SchedulingDelayDistribution { get; init; } = [];
    /// <summary>The enqueue/dequeue counts behind <see cref="SchedulingDelayMs"/>; null without the events.</summary>
    public ReportWorkItems? WorkItems { get; init; }
    /// <summary>Scheduling delay per interval, by enqueue time; empty without the events.</summary>
    public ReportIntervalTimeline? SchedulingDelayTimeline { get; init; }
    /// <summary>Episodes without any Starvation or CooperativeBlocking adjustment: found from work stuck in the queue alone.</summary>
    public int QueueStallEpisodes { get; init; }

    /// <summary>The worker-thread maximum the target's environment forces (DOTNET_ThreadPool_ForceMaxWorkerThreads); null when unset or unknown.</summary>
    public int? ForcedMaxWorkerThreads { get; init; }
}

public sealed record ReportWorkItems
{
    public long Enqueued { get; init; }
    public long Dequeued { get; init; }
    /// <summary>Pairs matched by work id: the delays measured.</summary>
    public long Paired { get; init; }
    /// <summary>Enqueues never matched: the id enqueued again first (a compacting GC moved the item) or dropped at the memory limit.</summary>
    public long UnpairedEnqueues { get; init; }
    /// <summary>Dequeues never matched: enqueued before the session, or moved by a compacting GC.</summary>
    public long UnpairedDequeues { get; init; }
    /// <summary>Enqueued and not seen dequeued when the session ended (still waiting, or their dequeue not matched).</summary>
    public long QueuedAtEnd { get; init; }
    /// <summary>How long the oldest of those had waited at the end; 0 when none.</summary>
    public double OldestQueuedMs { get; init; }
}

/// <summary>Percentiles per interval of the session.</summary>
public sealed record ReportIntervalTimeline
{
    public double IntervalMs { get; init; }
    public required IReadOnlyList<ReportTimelinePoint> Points { get; init; }
}

public sealed record ReportStarvationEpisode
{
    public double StartMs { get; init; }
    public double EndMs { get; init; }
    public int ThreadsInjected { get; init; }
    /// <summary>True when the episode was still going on when the session stopped.</summary>
    public bool Ongoing { get; init; }
}

public sealed record ReportContention
{
    public long Count { get; init; }
    public double TotalWaitMs { get; init; }
    public double MaxWaitMs { get; init; }
    /// <summary>The longest waits, in time order; at most the configured number.</summary>
    public IReadOnlyList<ReportContentionWindow> Windows { get; init; } = [];
}

/// <summary>For one tail percentile: which share of the requests above its threshold overlapped each cause.</summary>
public sealed record ReportTail
{
    public double Percentile { get; init; }
    public double ThresholdMs { get; init; }
    public long Requests { get; init; }
    public required ReportTailShare Share { get; init; }

    /// <summary>Each tail request counted once, under the cause it overlapped longest (GC pauses first): shares add up to 1.</summary>
    public required ReportTailShare PrimaryShare { get; init; }

    /// <summary>
    /// Attribution by time: of the tail's excess time (each tail request's total latency above the median), the share that
    /// was each cause; adds up to 1 (all 0 when the tail has no excess).
    /// </summary>
    public ReportTimeShare? TimeShare { get; init; }

    /// <summary>Requests still in flight at the end, older than the P99, counted in this tail at their age (a lower bound).</summary>
    public long Censored { get; init; }
}

/// <summary>Shares of the tail's excess time, in [0, 1], adding up to 1.</summary>
public sealed record ReportTimeShare
{
    public double GcPause { get; init; }
    /// <summary>Waiting in the thread pool's queue (before RequestStart, and for the item RequestStop ran in).</summary>
    public double QueueWait { get; init; }
    public double LockContention { get; init; }
    /// <summary>A blocking wait on the request's own thread (not yet measured per request: 0).</summary>
    public double BlockingWait { get; init; }
    public double Unexplained { get; init; }
}

/// <summary>Shares in [0, 1]. A request can overlap several causes, so the first three can add up to more than 1.</summary>
public sealed record ReportTailShare
{
    public double GcPause { get; init; }
    public double ThreadPoolStarvation { get; init; }
    public double LockContention { get; init; }
    public double Unexplained { get; init; }
}

public sealed record ReportSlowRequest
{
    public double StartMs { get; init; }
    public double DurationMs { get; init; }
    public required string Endpoint { get; init; }
    /// <summary>Any of "gcPause", "threadPoolStarvation", "lockContention"; empty when unexplained.</summary>
    public required IReadOnlyList<string> Causes { get; init; }
    public double GcPauseOverlapMs { get; init; }
    public double StarvationOverlapMs { get; init; }
    public double ContentionOverlapMs { get; init; }

    /// <summary>The cause this request overlapped longest, or "unexplained".</summary>
    public string PrimaryCause { get; init; } = "unexplained";

    /// <summary>How long it waited before RequestStart (0 when unknown); its total latency is this plus <see cref="DurationMs"/>.</summary>
    public double WaitMs { get; init; }
    public double TotalMs { get; init; }
}

public sealed record ReportBlockingSite
{
    /// <summary>
    /// The method that blocked, as the user wrote it (<c>Shop.Orders.Load</c>, <c>Program.Main: lambda</c>): the first frame
    /// above the wait outside the runtime, the framework and generated code.
    /// </summary>
    public required string Frame { get; init; }
    /// <summary>The blocking API that method called, as the user wrote it (for example <c>Task&lt;TResult&gt;.Result</c>), when known.</summary>
    public string? BlockingCall { get; init; }
    /// <summary>Waits at this site on pool threads that lasted at least the probe's threshold (10 ms).</summary>
    public long Count { get; init; }
    /// <summary>The TailGuard rule that catches this pattern at compile time, when one does.</summary>
    public string? Rule { get; init; }
    /// <summary>Why <see cref="BlockingCall"/> or <see cref="Rule"/> is missing; null when the site has both.</summary>
    public string? Note { get; init; }

    /// <summary>The site's source file, when the thread samples of the same method resolved it (<c>--stacks</c>); null otherwise.</summary>
    public string? File { get; init; }

    /// <summary>The site's line in <see cref="File"/>.</summary>
    public int? Line { get; init; }
}

public sealed record ReportRecommendation
{
    public required string Cause { get; init; }
    public required string Text { get; init; }
    public IReadOnlyList<string> Rules { get; init; } = [];
}

/// <summary>Per-interval request percentiles, for drawing latency over time next to pauses and episodes.</summary>
public sealed record ReportTimeline
{
    public double IntervalMs { get; init; }
    public required IReadOnlyList<ReportTimelinePoint> Points { get; init; }
    /// <summary>Every completed request, in time order, when the session had few enough to list; otherwise empty.</summary>
    public IReadOnlyList<ReportTimelineRequest> Requests { get; init; } = [];
}

public sealed record ReportTimelinePoint
{
    public double StartMs { get; init; }
    public long Count { get; init; }
    public double P50 { get; init; }
    public double P99 { get; init; }
    public double Max { get; init; }
}

public sealed record ReportSlo
{
    public required IReadOnlyList<ReportSloRule> Rules { get; init; }
    public bool Passed { get; init; } = true;
    /// <summary>"total" when the rules were checked against the total latency, "application" when against RequestStart-to-stop.</summary>
    public string Latency { get; init; } = SloRule.ApplicationLatency;
}

public sealed record ReportSloRule
{
    public required string Rule { get; init; }
    public required string Metric { get; init; }
    public double LimitMs { get; init; }
    public double ActualMs { get; init; }
    public bool Passed { get; init; }
}
