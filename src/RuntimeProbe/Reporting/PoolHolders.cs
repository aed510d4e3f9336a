namespace TailGuard.RuntimeProbe.Reporting;

// The report's pool holders: sampled thread time of busy pool workers per call site (fields only added, as the rest of the
// report's schema).

/// <summary>One call site that held pool threads, with how it held them and for how long.</summary>
public sealed record ReportPoolHolder
{
    /// <summary>The user's method that held the thread, as written (<c>Shop.Orders.Load</c>, <c>Program.Main: lambda</c>).</summary>
    public required string Method { get; init; }
    /// <summary>The source file of the frame (from the method's IL-to-native map and the module's portable PDB), when resolved.</summary>
    public string? File { get; init; }
    public int? Line { get; init; }
    /// <summary>"blocked" (the thread waited or ran native code) or "running" (it ran managed code: CPU).</summary>
    public required string State { get; init; }
    /// <summary>The blocking API the method was in (<c>Thread.Sleep</c>, <c>Socket.Receive</c>, <c>Monitor.Enter</c>), or null.</summary>
    public string? Call { get; init; }
    /// <summary>The TailGuard rule that reports this pattern at compile time, or null.</summary>
    public string? Rule { get; init; }
    /// <summary>Pool-thread time held at this site over the whole sampled session.</summary>
    public double ThreadMs { get; init; }
    /// <summary>Of it, the time inside starvation episodes.</summary>
    public double ThreadMsInStarvation { get; init; }
    /// <summary>Share of all busy pool-thread time inside starvation episodes that this site held; 0 without episodes.</summary>
    public double ShareOfStarvedPoolTime { get; init; }
    /// <summary>Of <see cref="ThreadMs"/>, the time inside the slowest requests listed in the report.</summary>
    public double ThreadMsInSlowestRequests { get; init; }
    /// <summary>Share of all busy pool-thread time that this site held.</summary>
    public double ShareOfPoolTime { get; init; }
    public long Samples { get; init; }
    /// <summary>Why the site has no <see cref="File"/> and <see cref="Line"/> (ready-to-run code, no PDB), when it has none.</summary>
    public string? NoLineReason { get; init; }
    /// <summary>The build's findings (SARIF, <c>--sarif</c>) on the same method and line; empty when none matched or none given.</summary>
    public IReadOnlyList<ReportCompileTimeFinding> CompileTime { get; init; } = [];
}

/// <summary>A finding of the build's SARIF log that a runtime site matched.</summary>
public sealed record ReportCompileTimeFinding
{
    public required string RuleId { get; init; }
    public string? File { get; init; }
    public int? Line { get; init; }
}

/// <summary>A site whose work items held a pool thread past the threshold without returning to the pool's dispatcher.</summary>
public sealed record ReportMonopolizingSite
{
    public required string Method { get; init; }
    public string? File { get; init; }
    public int? Line { get; init; }
    /// <summary>Runs of the site's user code at least the threshold long.</summary>
    public long Count { get; init; }
    public double TotalMs { get; init; }
    public double MaxMs { get; init; }
    public double ThresholdMs { get; init; }
}
