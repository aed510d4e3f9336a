using System.CommandLine;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary>
/// <c>dotnet-tailguard attach &lt;pid&gt;</c>: a live EventPipe session with a live view, then the report. Runs until
/// <c>--duration</c> passes, Ctrl+C, or the target exits; each way it stops cleanly and writes the report.
/// </summary>
internal static class AttachCommand
{
    private const int MaxBufferMb = 4096;

    private static readonly Argument<int?> PidArgument = NumberOptions.Argument(
        "pid", "The process id to attach to (see 'dotnet-tailguard ps'); the same as -p.", 1, int.MaxValue);

    private static readonly Option<int?> ProcessIdOption = NumberOptions.ProcessId(
        "--process-id", "The process id to attach to, as dotnet-trace takes it (the positional pid is a shortcut).", "-p");

    private static readonly Option<string?> NameOption = new("--name", "-n")
    {
        Description = "Attach to the one .NET process with this name: its process name (as dotnet-trace matches it; 'dotnet' " +
                      "for every 'dotnet App.dll') or its app's name ('App'). Several matches are an error that lists them.",
    };

    private static readonly Option<TimeSpan?> DurationOption = CommonOptions.Duration();
    private static readonly Option<string> FormatOption = CommonOptions.ReportFormat();
    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();
    private static readonly Option<IReadOnlyList<SloRule>?> SloOption = CommonOptions.Slo();

    private static readonly Option<FileInfo?> NettraceOption = new("--nettrace")
    {
        HelpName = "FILE",
        Description = "Also save the raw trace to this .nettrace file (readable by 'analyze', PerfView and TraceEvent). Like " +
                      "the report, it replaces an existing file only once the session has ended.",
    };

    private static readonly Option<int?> BufferOption = NumberOptions.Create(
        "--buffer-mb",
        "EventPipe's circular buffer in the target, in MB (default 256; --buffersize as dotnet-trace spells it). Events are " +
        "dropped (and reported) when it overflows.",
        1, MaxBufferMb, "(MB)", "--buffersize");

    private static readonly Option<bool> QuietOption = new("--no-live")
    {
        Description = "No live view while the session runs; only the final report.",
    };

    private static readonly Option<bool> StacksOption = new("--stacks")
    {
        Description = "Also collect blocking call sites (.NET 9+ targets): WaitHandle events with stacks, and a rundown when the " +
                      "session stops to resolve them. Costs the target throughput when it waits a lot (see docs/benchmarks.md).",
    };

    public static Command Create(IProbeConsole console)
    {
        var command = new Command("attach",
            "Attach to a running .NET process over EventPipe, show a live view (requests/s, rolling P50/P99/P99.9, GC pauses, " +
            "pool threads and queue, starvation), then write the report. " + ExitCodesHelp.Attach)
        {
            PidArgument, ProcessIdOption, NameOption, DurationOption, FormatOption, OutputOption, SloOption, NettraceOption,
            BufferOption, QuietOption, StacksOption,
        };
        command.Validators.Add(result =>
        {
            // Counted from the tokens, not the values: a value that failed to parse has its own error already, and reading
            // it here would throw.
            var given = new[] { result.GetResult(PidArgument)?.Tokens.Count > 0, result.GetResult(ProcessIdOption) is { Implicit: false }, result.GetResult(NameOption) is { Implicit: false } }
                .Count(g => g);
            if (given != 1)
            {
                result.AddError(given == 0
                    ? "Give the process to attach to: a pid (attach 4242, or -p 4242) or -n <name> (see 'dotnet-tailguard ps')."
                    : "Give the process once: a pid (attach 4242, or -p 4242) or -n <name>, not several.");
            }
        });
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new AttachSettings
            {
                Pid = parse.GetValue(PidArgument) ?? parse.GetValue(ProcessIdOption),
                Name = parse.GetValue(NameOption),
                Duration = parse.GetValue(DurationOption),
                Format = parse.GetValue(FormatOption)!,
                Output = parse.GetValue(OutputOption),
                Slo = parse.GetValue(SloOption) ?? [],
                Nettrace = parse.GetValue(NettraceOption),
                BufferMb = parse.GetValue(BufferOption) ?? AttachSettings.DefaultBufferMb,
                Live = !parse.GetValue(QuietOption),
                BlockingSites = parse.GetValue(StacksOption),
            },
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, AttachSettings settings, CancellationToken cancel)
    {
        // Both files are checked (and reserved) before anything touches the target: an unwritable path fails at once
        // rather than after a long session, and neither replaces an existing file until the session has ended.
        FileInUse[] traceInUse = settings.Nettrace is null ? [] : [new(settings.Nettrace.FullName, "the --nettrace file")];
        using var output = ReportOutput<Report>.Open(ReportRenderers.Registry, settings.Format, settings.Output, console.ReportOut, console.Error, traceInUse);
        using var trace = settings.Nettrace is null ? null : OutputFile.Reserve(settings.Nettrace, "trace");

        var pid = settings.Pid ?? ProcessByName.Find(settings.Name!);
        using var source = EventPipeLiveSource.Connect(pid, trace?.TemporaryPath ?? trace?.Target, settings.BufferMb, settings.BlockingSites);
        var run = new ProbeRun(source);
        var describe = $"Attached to {source.Target.ProcessName} (pid {pid})" +
                       (settings.Duration is { } d ? $" for {d}" : "; Ctrl+C stops and writes the report") + ".";

        var running = run.RunAsync(settings.Duration, settings.Slo, cancel);
        // The live view takes standard output only when the report does not go there in a machine format.
        var liveOnStdout = !console.IsOutputRedirected && (!output.ToStandardOutput || output.Renderer.Format == OutputFormats.Console);
        if (settings.Live)
        {
            await LiveView.RunAsync(console, run.Correlator, running, liveOnStdout, describe).ConfigureAwait(false);
        }
        else
        {
            await console.Error.WriteLineAsync(describe).ConfigureAwait(false);
        }

        var report = SloGate.Apply(await running.ConfigureAwait(false), settings.Slo);
        trace?.Commit();
        output.Write(report);
        if (report.Session.TargetExited)
        {
            await console.Error.WriteLineAsync($"The target process {pid} exited; the report covers the session until then.").ConfigureAwait(false);
        }

        if (trace is not null)
        {
            await console.Error.WriteLineAsync($"Trace saved to {trace.Path}").ConfigureAwait(false);
        }

        return await SloGate.ConcludeAsync(report, console.Error).ConfigureAwait(false);
    }
}

/// <summary>The attach command's arguments, typed.</summary>
internal sealed record AttachSettings
{
    public const int DefaultBufferMb = 256;

    public int? Pid { get; init; }
    public string? Name { get; init; }
    public TimeSpan? Duration { get; init; }
    public string Format { get; init; } = OutputFormats.Console;
    public FileInfo? Output { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
    public FileInfo? Nettrace { get; init; }
    public int BufferMb { get; init; } = DefaultBufferMb;
    public bool Live { get; init; } = true;
    public bool BlockingSites { get; init; }
}
