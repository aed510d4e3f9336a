namespace TailGuard.RuntimeProbe.Reporting;

// Detail added to tailguard-report/1 for the HTML report's charts. Every property that holds these records has a default, so
// documents written before they existed still read: the additions are backward compatible and the schema stays at /1.

/// <summary>One point of a latency percentile distribution (HdrHistogram's percentile plot).</summary>
public sealed record ReportPercentilePoint
{
    /// <summary>0 to 100; the last point of a distribution is 100, the exact maximum.</summary>
    public double Percentile { get; init; }
    public double ValueMs { get; init; }
}

/// <summary>One completed request on the timeline.</summary>
public sealed record ReportTimelineRequest
{
    public double StartMs { get; init; }
    public double DurationMs { get; init; }
    public required string Endpoint { get; init; }
}

/// <summary>One lock-contention wait (ContentionStart to ContentionStop).</summary>
public sealed record ReportContentionWindow
{
    public double StartMs { get; init; }
    public double DurationMs { get; init; }
}
