namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// The distribution of thread-pool scheduling delays (each work item's wait between enqueue and dequeue): overall and per
/// timeline interval (by enqueue time), in the same bounded histograms as request latency.
/// </summary>
internal sealed class SchedulingDelays(double intervalMs, int maxPoints)
{
    public LatencyRecorder Overall { get; } = new();

    public RequestTimeline Timeline { get; } = new(intervalMs, maxPoints);

    public void Record(double enqueuedMs, double delayMs)
    {
        Overall.Record(delayMs);
        Timeline.Record(enqueuedMs, delayMs);
    }

    /// <summary>The latest interval's P99 (the live view's figure), 0 before any delay.</summary>
    public double LatestP99Ms() => Timeline.Points.LastOrDefault() is { Latency: { } latest } ? latest.PercentileMs(99) : 0;
}
