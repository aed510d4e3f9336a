namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// A labelled stretch of the session that the caller knows and the trace does not (a load test's phases, a deployment, a
/// config change), drawn on the HTML report's timeline. Times are milliseconds from the session start, as in the report.
/// </summary>
public sealed record TimelineMark(string Label, double StartMs, double EndMs);
