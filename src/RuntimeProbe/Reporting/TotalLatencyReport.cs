using TailGuard.RuntimeProbe.Attribution;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// The report's total latency (the wait for a pool thread before RequestStart plus the application's time) and the tail's
/// attribution by time. Part of <see cref="ReportBuilder"/>.
/// </summary>
internal static class TotalLatencyReport
{
    public const string NotMeasuredNote =
        "Total latency not measured (no thread-pool work-item events): the figures are from RequestStart on, without the wait for a pool thread before it.";

    /// <param name="seen">Whether the trace has the thread-pool work-item events the wait is followed through.</param>
    public static (LatencySummary? Latency, IReadOnlyList<ReportPercentilePoint> Distribution, long? WaitsMeasured, string? Note) Of(
        RequestTracker requests, bool seen)
    {
        if (!seen)
        {
            return (null, [], null, requests.Completed > 0 ? NotMeasuredNote : null);
        }

        var note = requests.WaitsMeasured < requests.Completed
            ? $"The wait before RequestStart was followed for {requests.WaitsMeasured} of {requests.Completed} requests " +
              "(RequestStart on a thread that ran no work item seen: inline socket completions, a session started mid-request); the others count from RequestStart."
            : null;
        return (ReportBuilder.Summary(requests.Total), PercentileDistribution.Of(requests.Total), requests.WaitsMeasured, note);
    }

    public static List<ReportEndpoint> WithTotals(List<ReportEndpoint> endpoints, RequestTracker requests, bool seen)
    {
        if (!seen)
        {
            return endpoints;
        }

        var totals = requests.Endpoints.ToDictionary(e => e.Key, e => e.Value.Total);
        return endpoints.Select(e => e with { TotalLatencyMs = totals.TryGetValue(e.Name, out var t) ? ReportBuilder.Summary(t) : null }).ToList();
    }

    public static ReportTail WithTime(ReportTail tail, RequestTracker requests, TailShare shares)
    {
        var time = requests.TailTime(shares);
        return tail with
        {
            Censored = requests.Censored,
            TimeShare = new ReportTimeShare
            {
                GcPause = time[0], QueueWait = time[1], LockContention = time[2], BlockingWait = time[3], Unexplained = time[4],
            },
        };
    }
}
