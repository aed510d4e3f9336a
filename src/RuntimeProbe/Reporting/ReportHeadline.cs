namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// The latency a report leads with: the total latency (the wait for a pool thread before RequestStart included) when it was
/// measured, the application latency (from RequestStart) otherwise. Every renderer's headline and <c>--slo</c> read this.
/// </summary>
public static class ReportHeadline
{
    public static LatencySummary Latency(ReportRequests requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return requests.TotalLatencyMs ?? requests.LatencyMs;
    }

    public static LatencySummary Latency(ReportEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.TotalLatencyMs ?? endpoint.LatencyMs;
    }

    public static bool IsTotal(ReportRequests requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return requests.TotalLatencyMs is not null;
    }

    /// <summary>What the headline figures are, in a few words.</summary>
    public static string Describe(ReportRequests requests) => IsTotal(requests)
        ? "total latency: the wait for a pool thread before the app saw each request, plus the app's time"
        : "application latency: from RequestStart to RequestStop";
}
