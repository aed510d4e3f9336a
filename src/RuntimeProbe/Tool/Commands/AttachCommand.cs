using System.CommandLine;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tool.Commands;

/// <summary>
/// <c>dotnet-tailguard attach &lt;pid&gt;</c>: a live EventPipe session with a live view, then the report. Runs until
/// <c>--duration</c> passes, Ctrl+C, or the target exits; each way it stops cleanly and writes the report.
/// </summary>
internal static class AttachCommand
{
    private static readonly Argument<int?> PidArgument = new("pid")
    {
        Description = "The process id to attach to (see 'dotnet-tailguard ps').",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string?> NameOption = new("--name", "-n")
    {
        Description = "Attach to the process with this name instead of a pid (for 'dotnet App.dll', the app's name).",
    };

    private static readonly Option<TimeSpan?> DurationOption = new("--duration", "-d")
    {
        Description = "Stop after this long (00:00:30, 30s, 2m). Without it the session runs until Ctrl+C or the target exits.",
        CustomParser = result =>
        {
            var value = CommonOptions.ParseDuration(result.Tokens.Count > 0 ? result.Tokens[0].Value : "", out var error);
            if (error is not null)
            {
                result.AddError(error);
            }

            return value;
        },
    };

    private static readonly Option<string> FormatOption = CommonOptions.Format();
    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();
    private static readonly Option<IReadOnlyList<SloRule>?> SloOption = CommonOptions.Slo();

    private static readonly Option<FileInfo?> NettraceOption = new("--nettrace")
    {
        Description = "Also save the raw trace to this .nettrace file (readable by 'analyze', PerfView and TraceEvent).",
    };

    private static readonly Option<int> BufferOption = new("--buffer-mb")
    {
        Description = "EventPipe's circular buffer in the target, in MB. Events are dropped (and reported) when it overflows.",
        DefaultValueFactory = _ => 256,
    };

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
            "pool threads and queue, starvation), then write the report. " + ProbeCli.ExitCodesHelp)
        {
            PidArgument, NameOption, DurationOption, FormatOption, OutputOption, SloOption, NettraceOption, BufferOption, QuietOption, StacksOption,
        };
        BufferOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 4096)
            {
                result.AddError("--buffer-mb must be between 1 and 4096.");
            }
        });
        command.Validators.Add(result =>
        {
            var hasPid = result.GetValue(PidArgument) is not null;
            var hasName = result.GetValue(NameOption) is not null;
            if (hasPid == hasName)
            {
                result.AddError("Give either a pid or --name, not both and not neither.");
            }
        });
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new AttachSettings
            {
                Pid = parse.GetValue(PidArgument),
                Name = parse.GetValue(NameOption),
                Duration = parse.GetValue(DurationOption),
                Format = parse.GetValue(FormatOption)!,
                Output = parse.GetValue(OutputOption),
                Slo = parse.GetValue(SloOption) ?? [],
                Nettrace = parse.GetValue(NettraceOption),
                BufferMb = parse.GetValue(BufferOption),
                Live = !parse.GetValue(QuietOption),
                BlockingSites = parse.GetValue(StacksOption),
            },
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, AttachSettings settings, CancellationToken cancel)
    {
        try
        {
            var pid = settings.Pid ?? ResolveName(settings.Name!);
            using var output = ReportOutput.Open(console, settings.Format, settings.Output);
            using var source = EventPipeLiveSource.Connect(pid, settings.Nettrace?.FullName, settings.BufferMb, settings.BlockingSites);
            var run = new ProbeRun(source);
            var describe = $"Attached to {source.Target.ProcessName} (pid {pid})" +
                           (settings.Duration is { } d ? $" for {d}" : "; Ctrl+C stops and writes the report") + ".";

            var running = run.RunAsync(settings.Duration, settings.Slo, cancel);
            // The live view takes standard output only when the report does not go there in a machine format.
            var liveOnStdout = !console.IsOutputRedirected && (!output.ToStandardOutput || output.Renderer.Format == "console");
            if (settings.Live)
            {
                await LiveView.RunAsync(console, run.Correlator, running, liveOnStdout, describe).ConfigureAwait(false);
            }
            else
            {
                await console.Error.WriteLineAsync(describe).ConfigureAwait(false);
            }

            var report = await running.ConfigureAwait(false);
            output.Write(report);
            if (report.Session.TargetExited)
            {
                await console.Error.WriteLineAsync($"The target process {pid} exited; the report covers the session until then.").ConfigureAwait(false);
            }

            if (settings.Nettrace is not null)
            {
                await console.Error.WriteLineAsync($"Trace saved to {settings.Nettrace.FullName}").ConfigureAwait(false);
            }

            return report.Slo.Passed ? ReturnCode.Success : ReturnCode.SloViolated;
        }
        catch (ProbeException ex)
        {
            await console.Error.WriteLineAsync($"dotnet-tailguard: {ex.Message}").ConfigureAwait(false);
            return ReturnCode.Error;
        }
    }

    private static int ResolveName(string name)
    {
        var matches = DotNetProcesses.FindByName(name);
        return matches.Count switch
        {
            0 => throw new ProbeException($"No .NET process named '{name}' is running (see 'dotnet-tailguard ps')."),
            1 => matches[0].Pid,
            _ => throw new ProbeException($"Several .NET processes are named '{name}' (pids {string.Join(", ", matches.Select(m => m.Pid))}): give a pid."),
        };
    }
}

/// <summary>The attach command's arguments, typed.</summary>
internal sealed record AttachSettings
{
    public int? Pid { get; init; }
    public string? Name { get; init; }
    public TimeSpan? Duration { get; init; }
    public string Format { get; init; } = "console";
    public FileInfo? Output { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
    public FileInfo? Nettrace { get; init; }
    public int BufferMb { get; init; } = 256;
    public bool Live { get; init; } = true;
    public bool BlockingSites { get; init; }
}
