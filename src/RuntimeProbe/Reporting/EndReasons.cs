namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>How a session ended, as the report's <c>session.endReason</c> says it.</summary>
public static class EndReasons
{
    /// <summary><c>--duration</c> passed.</summary>
    public const string Duration = "duration";

    /// <summary>The user stopped the session (Ctrl+C, SIGTERM).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The target process exited during the session.</summary>
    public const string TargetExited = "targetExited";

    /// <summary>The stream ended on its own: the whole of a saved trace was read.</summary>
    public const string EndOfTrace = "endOfTrace";

    /// <summary>
    /// A saved trace ended early (cut, still being written, or saved from a target that was killed): the report covers it up
    /// to where it ends.
    /// </summary>
    public const string TruncatedTrace = "truncatedTrace";
}
