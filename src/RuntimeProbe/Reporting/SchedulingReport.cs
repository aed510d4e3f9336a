using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// The report's thread-pool scheduling delay (FrameworkEventSource's enqueue/dequeue pairs) and what it lets the report say:
/// that the delay was not measured, or that the target looks deadlocked. Part of <see cref="ReportBuilder"/>.
/// </summary>
internal static class SchedulingReport
{
    public const string NotMeasuredNote =
        "Thread-pool scheduling delay not measured: the trace has no FrameworkEventSource ThreadPoolEnqueueWork/DequeueWork " +
        "events (an older trace, or collected without System.Diagnostics.Eventing.FrameworkEventSource:0x2:5).";

    /// <summary>Adds the scheduling delay to the thread-pool section; leaves it as it is when the events are absent.</summary>
    public static ReportThreadPool With(ReportThreadPool pool, SchedulingDelayTracker tracker, SchedulingDelays delays, StarvationTracker starvation, double endMs)
    {
        var withEpisodes = pool with { QueueStallEpisodes = starvation.EpisodesWithoutAdjustment };
        if (!tracker.Seen)
        {
            return withEpisodes;
        }

        var oldest = tracker.OldestQueuedMs();
        return withEpisodes with
        {
            SchedulingDelayMs = ReportBuilder.Summary(delays.Overall),
            SchedulingDelayDistribution = PercentileDistribution.Of(delays.Overall),
            WorkItems = new ReportWorkItems
            {
                Enqueued = tracker.Enqueues,
                Dequeued = tracker.Dequeues,
                Paired = tracker.Paired,
                UnpairedEnqueues = tracker.UnpairedEnqueues,
                UnpairedDequeues = tracker.UnpairedDequeues,
                QueuedAtEnd = tracker.Queued,
                OldestQueuedMs = oldest is { } since ? Milliseconds.Round(Math.Max(0, endMs - since)) : 0,
            },
            SchedulingDelayTimeline = new ReportIntervalTimeline
            {
                IntervalMs = delays.Timeline.IntervalMs,
                Points = delays.Timeline.Points.Select(p => new ReportTimelinePoint
                {
                    StartMs = p.Index * delays.Timeline.IntervalMs,
                    Count = p.Latency.Count,
                    P50 = Milliseconds.Round(p.Latency.PercentileMs(50)),
                    P99 = Milliseconds.Round(p.Latency.PercentileMs(99)),
                    Max = Milliseconds.Round(p.Latency.MaxMs),
                }).ToList(),
            },
        };
    }

    /// <summary>
    /// A session in which no request completed while work stood in the pool's queue (a stall episode, or, without the
    /// enqueue/dequeue events, the queue counter) looks deadlocked: the report's latency figures then measure nothing.
    /// </summary>
    public static bool LooksDeadlocked(long completedRequests, SchedulingDelayTracker tracker, StarvationTracker starvation, double maxPoolQueueLength) =>
        completedRequests == 0 && (tracker.Seen ? starvation.ClosedEpisodes > 0 && tracker.Queued > 0 : maxPoolQueueLength >= 1);

    /// <summary>
    /// With the pool's maximum forced by the environment, requests in flight and none completed while work stood in the queue:
    /// a capped pool at its maximum raises no adjustment, so this is read from the queue alone.
    /// </summary>
    public static bool CappedAndStuck(int? forcedMax, long completedRequests, long inFlight, double maxPoolQueueLength) =>
        forcedMax is not null && completedRequests == 0 && inFlight > 0 && maxPoolQueueLength >= 1;

    public static string DeadlockNote(long inFlight, double maxPoolQueueLength) =>
        $"The target looks deadlocked: work waited in the thread pool's queue (up to {maxPoolQueueLength:0} items) and no request " +
        $"completed during the session ({inFlight} still in flight); the request figures measure nothing.";
}
