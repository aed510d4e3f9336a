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

    private static readonly Option<string?> DiagnosticPortOption = new("--diagnostic-port")
    {
        HelpName = "PATH",
        Description = "Listen at this diagnostic port (a Unix domain socket the tool creates) and attach to the .NET process " +
                      "that connects to it: start the target with DOTNET_DiagnosticPorts=PATH (it then waits at start-up until " +
                      "the session runs; PATH,nosuspend does not wait). The target connects, the tool listens: CoreCLR's ports " +
                      "only connect.",
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
                      "session stops to resolve them; and sample the pool's threads in a second session (pool holders: which " +
                      "code held them, blocked in which API or running, down to the source line). Costs the target throughput " +
                      "(see docs/benchmarks.md).",
    };

    /// <param name="launch">The command after <c>--</c> (launch mode), split off the command line before parsing.</param>
    public static Command Create(IProbeConsole console, IReadOnlyList<string>? launch = null)
    {
        launch ??= [];
        var command = new Command("attach",
            "Attach to a running .NET process over EventPipe, show a live view (requests/s, rolling P50/P99/P99.9, GC pauses, " +
            "pool threads and queue, starvation), then write the report. The target: a pid, -p, -n, --diagnostic-port, or a " +
            "command to start after '--' ('attach -- dotnet MyApp.dll': started paused, resumed once the session runs so " +
            "start-up is traced, its output shown on standard error; the session stops when it exits, and it is killed if " +
            "still running when the session ends). " + ExitCodesHelp.Attach)
        {
            PidArgument, ProcessIdOption, NameOption, DiagnosticPortOption, DurationOption, FormatOption, OutputOption, SloOption,
            NettraceOption, BufferOption, QuietOption, StacksOption,
        };
        command.Validators.Add(result =>
        {
            // Counted from the tokens, not the values: a value that failed to parse has its own error already, and reading
            // it here would throw.
            var given = new[]
                {
                    result.GetResult(PidArgument)?.Tokens.Count > 0, result.GetResult(ProcessIdOption) is { Implicit: false },
                    result.GetResult(NameOption) is { Implicit: false }, result.GetResult(DiagnosticPortOption) is { Implicit: false },
                    launch.Count > 0,
                }
                .Count(g => g);
            if (given != 1)
            {
                result.AddError(given == 0
                    ? "Give the process to attach to: a pid (attach 4242, or -p 4242) or -n <name> (see 'dotnet-tailguard ps'), " +
                      "--diagnostic-port <path>, or a command to start after '--' (attach -- dotnet MyApp.dll)."
                    : "Give the process once: a pid (attach 4242, or -p 4242) or -n <name>, --diagnostic-port <path> or a " +
                      "command after '--', not several.");
            }
        });
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new AttachSettings
            {
                Pid = parse.GetValue(PidArgument) ?? parse.GetValue(ProcessIdOption),
                Name = parse.GetValue(NameOption),
                DiagnosticPort = parse.GetValue(DiagnosticPortOption),
                Launch = launch,
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

        await using var launched = settings.Launch.Count > 0 ? await LaunchedTarget.StartAsync(settings.Launch, console.Error, cancel).ConfigureAwait(false) : null;
        await using var connection = launched?.Connection
            ?? (settings.DiagnosticPort is { } port ? await ListenAsync(console, port, cancel).ConfigureAwait(false) : null)
            ?? TargetConnection.ToProcess(settings.Pid ?? ProcessByName.Find(settings.Name!));
        using var source = EventPipeLiveSource.Over(connection, trace?.TemporaryPath ?? trace?.Target, settings.BufferMb, settings.BlockingSites);
        source.PoolHolders = settings.BlockingSites;
        var run = new ProbeRun(source);
        var who = source.Target.Pid is { } known ? $"{source.Target.ProcessName} (pid {known})" : $"the process at {settings.DiagnosticPort}";
        var describe = (launched is null ? "Attached to " : "Started ") + who +
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

        var report = await running.ConfigureAwait(false);
        trace?.Commit();
        output.Write(report);
        if (report.Session.TargetExited)
        {
            var exited = report.Target.Pid is { } pid ? $"The target process {pid}" : "The target process";
            await console.Error.WriteLineAsync($"{exited} exited; the report covers the session until then.").ConfigureAwait(false);
        }

        if (trace is not null)
        {
            await console.Error.WriteLineAsync($"Trace saved to {trace.Path}").ConfigureAwait(false);
        }

        return await SloGate.ConcludeAsync(report, console.Error).ConfigureAwait(false);
    }
    private static async Task<TargetConnection> ListenAsync(IProbeConsole console, string port, CancellationToken cancel)
    {
        await console.Error.WriteLineAsync($"Waiting for a .NET process to connect to {port} (start it with DOTNET_DiagnosticPorts={port}).").ConfigureAwait(false);
        try
        {
            return await TargetConnection.ListenAsync(port, pid: null, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new ProbeException($"Stopped before a process connected to {port}; no report.");
        }
    }
}

/// <summary>The attach command's arguments, typed.</summary>
internal sealed record AttachSettings
{
    public const int DefaultBufferMb = 256;

    public int? Pid { get; init; }
    public string? Name { get; init; }
    /// <summary>A diagnostic port to listen at (<c>--diagnostic-port</c>).</summary>
    public string? DiagnosticPort { get; init; }
    /// <summary>A command to start and attach to (launch mode, after <c>--</c>); empty otherwise.</summary>
    public IReadOnlyList<string> Launch { get; init; } = [];
    public TimeSpan? Duration { get; init; }
    public string Format { get; init; } = OutputFormats.Console;
    public FileInfo? Output { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
    public FileInfo? Nettrace { get; init; }
    public int BufferMb { get; init; } = DefaultBufferMb;
    public bool Live { get; init; } = true;
    public bool BlockingSites { get; init; }
}
