namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>What the events alone cannot tell the report: the target, how the session ended, and the SLO.</summary>
public sealed record ReportContext
{
    public required ReportTarget Target { get; init; }
    public double EndMs { get; init; }
    public long EventsLost { get; init; }
    public long TraceEvents { get; init; }

    /// <summary>One of <see cref="EndReasons"/>.</summary>
    public string EndReason { get; init; } = EndReasons.Duration;
    public bool TargetExited { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The pool's maximum as the target's environment forces it (see <c>TargetInfo.ForcedMaxWorkerThreads</c>).</summary>
    public int? ForcedMaxWorkerThreads { get; init; }
}
