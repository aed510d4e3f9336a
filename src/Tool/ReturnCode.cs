namespace TailGuard.Tool;

/// <summary>The tool's exit codes, documented in <c>--help</c>, README.md and docs/probe.md.</summary>
internal enum ReturnCode
{
    /// <summary>The command ran and its report was written.</summary>
    Success = 0,

    /// <summary>
    /// An error the user can act on (a <see cref="Output.UserError"/>): no such process, not a .NET process, cannot connect,
    /// corrupt trace, not a .NET assembly, failed build, unwritable output.
    /// </summary>
    Error = 1,

    /// <summary>The command line was wrong.</summary>
    UsageError = 2,

    /// <summary>An <c>--slo</c> rule was violated (attach, analyze; the report was still written).</summary>
    SloViolated = 3,

    /// <summary>
    /// A state machine exceeds <c>--max-bytes</c> (sizes; the report was still written). The same code as
    /// <see cref="SloViolated"/>, as README.md and docs/probe.md promise: both are a CI gate that failed.
    /// </summary>
    SizeBudgetExceeded = 3,
}
