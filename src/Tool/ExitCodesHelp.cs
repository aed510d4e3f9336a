namespace TailGuard.Tool;

/// <summary>
/// The exit codes each command's <c>--help</c> lists: only the errors that command can meet (analyze reads no process).
/// One meaning per code across commands (<see cref="ReturnCode"/>); docs/probe.md says how they differ from dotnet-trace's.
/// </summary>
internal static class ExitCodesHelp
{
    private const string Usage = "2 usage error (a bad option or value; one line on standard error)";

    public const string Attach =
        "Exit codes: 0 the report was written (also when the target exited during the session); 1 error (no such process, " +
        "no or several processes with --name, not a .NET process, cannot connect, a --diagnostic-port that cannot be listened " +
        "at or that no process connected to before Ctrl+C, a command after '--' that cannot be started or whose runtime did " +
        "not connect within 30 s, unwritable output); " + Usage + "; " +
        "3 an --slo rule was violated, or no request was seen (the report is still written).";

    public const string Analyze =
        "Exit codes: 0 the report was written (also of a trace that ends early, with a warning); 1 error (a missing or " +
        "unreadable file, a file that is not a trace, a folder, an output that is the trace or cannot be written); " + Usage + "; 3 an --slo rule was violated, or no request was seen (the report is " +
        "still written).";

    public const string Sizes =
        "Exit codes: 0 the report was written; 1 error (not a .NET assembly, a reference assembly, a missing dependency, a " +
        "failed build, a folder with no or several build outputs, an output that is the input or cannot be written); " + Usage +
        "; 3 a state machine exceeds --max-bytes (the report is still written).";

    public const string Monitor =
        "Exit codes: 0 stopped by Ctrl+C or SIGTERM, or the target exited (-p, -n; with --diagnostic-port it listens again); 1 error (no such process, no or several processes " +
        "with --name, not a .NET process, cannot connect, an address or --diagnostic-port that cannot be listened at, an --out-dir that cannot be " +
        "written); " + Usage + ".";

    public const string Ps = "Exit codes: 0 the list was written (also when it is empty); " + Usage + ".";

    public const string Providers = "Exit codes: 0 the providers were written; " + Usage + ".";
}
