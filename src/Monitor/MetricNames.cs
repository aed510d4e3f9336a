namespace TailGuard.Monitor;

/// <summary>
/// The monitor's OpenTelemetry instruments, named once. Prometheus shows each with underscores for the dots, the unit as a
/// suffix (<c>_seconds</c>) and <c>_total</c> on counters: <c>tailguard.gc.pause.duration</c> (unit s) is
/// <c>tailguard_gc_pause_duration_seconds</c>. docs/probe.md lists them with their meaning.
/// </summary>
public static class MetricNames
{
    public const string Meter = "TailGuard.Monitor";

    public const string GcPauseDuration = "tailguard.gc.pause.duration";
    public const string SchedulingDelay = "tailguard.thread_pool.scheduling.delay";
    public const string RequestDuration = "tailguard.http.server.request.duration";
    public const string StarvationTime = "tailguard.thread_pool.starvation";
    public const string StarvationEpisodes = "tailguard.thread_pool.starvation.episodes";
    public const string TailShare = "tailguard.tail_share";
    public const string BlockingWaits = "tailguard.blocking.waits";

    /// <summary>
    /// The histograms' bucket boundaries in seconds, 0.1 ms to 10 s in 1-2-5 steps: the SDK's defaults (0 to 10,000) are
    /// for milliseconds and would put every pause and delay below 5 ms into one bucket.
    /// </summary>
    public static IReadOnlyList<double> SecondsBuckets { get; } =
    [
        0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
    ];

    /// <summary>The histograms that use <see cref="SecondsBuckets"/>.</summary>
    public static IReadOnlyList<string> Histograms { get; } = [GcPauseDuration, SchedulingDelay, RequestDuration];

    // Label (attribute) names, as Prometheus shows them: OpenTelemetry's dots become underscores there (process.pid is process_pid).
    public const string Generation = "generation";
    public const string Type = "type";
    public const string Reason = "reason";
    public const string Endpoint = "endpoint";
    public const string Method = "method";
    public const string Percentile = "percentile";
    public const string Cause = "cause";
    public const string Site = "site";
    public const string Call = "call";
    public const string Pid = "process.pid";
}
