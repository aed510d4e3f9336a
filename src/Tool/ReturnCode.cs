namespace TailGuard.Tool;

/// <summary>The tool's exit codes, documented in <c>--help</c> and docs/probe.md.</summary>
internal enum ReturnCode
{
    /// <summary>The session or analysis ran and the report was written.</summary>
    Success = 0,

    /// <summary>No such process, not a .NET process, cannot connect, corrupt trace, unwritable output.</summary>
    Error = 1,

    /// <summary>The command line was wrong.</summary>
    UsageError = 2,

    /// <summary>An <c>--slo</c> rule was violated (the report was still written).</summary>
    SloViolated = 3,
}
