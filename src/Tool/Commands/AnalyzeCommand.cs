using System.CommandLine;
using System.Globalization;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary><c>dotnet-tailguard analyze trace.nettrace</c>: the same report from a saved trace.</summary>
internal static class AnalyzeCommand
{
    private static readonly Argument<FileInfo> TraceArgument = new("trace")
    {
        Description = "A .nettrace file saved by 'attach --nettrace' or by 'dotnet-trace collect --providers <the probe's providers>' " +
                      "(see docs/probe.md). A trace that ends early (from a killed target, cut, or still being written) is read up " +
                      "to where it ends: session.endReason truncatedTrace, a note and a warning on standard error, exit code 0.",
    };

    private static readonly Option<string> FormatOption = CommonOptions.ReportFormat();
    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();
    private static readonly Option<IReadOnlyList<SloRule>?> SloOption = CommonOptions.Slo();

    public static Command Create(IProbeConsole console)
    {
        var command = new Command("analyze", "Build the report from a saved .nettrace file. " + ExitCodesHelp.Analyze)
        {
            TraceArgument, FormatOption, OutputOption, SloOption,
        };
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new AnalyzeSettings
            {
                Trace = parse.GetValue(TraceArgument)!,
                Format = parse.GetValue(FormatOption)!,
                Output = parse.GetValue(OutputOption),
                Slo = parse.GetValue(SloOption) ?? [],
            },
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, AnalyzeSettings settings, CancellationToken cancel)
    {
        var trace = settings.Trace.FullName;
        if (Directory.Exists(trace))
        {
            throw new UserError(FolderMessage(trace));
        }

        using var output = ReportOutput<Report>.Open(ReportRenderers.Registry, settings.Format, settings.Output, console.ReportOut, console.Error,
            [new FileInUse(trace, "the trace being analyzed")]);
        using var source = new NettraceFileSource(trace);
        var report = await new ProbeRun(source).RunAsync(duration: null, settings.Slo, cancel).ConfigureAwait(false);
        output.Write(report);
        if (report.Session.EndReason == EndReasons.TruncatedTrace)
        {
            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"dotnet-tailguard: warning: the trace '{settings.Trace.Name}' ends early (killed target, cut or still being written); " +
                $"the report covers its first {report.Session.DurationMs / 1000:0.###} s.")).ConfigureAwait(false);
        }

        return await SloGate.ConcludeAsync(report, console.Error).ConfigureAwait(false);
    }

    // Names the traces in the folder, when there are a few, so the next command line is obvious.
    private static string FolderMessage(string folder)
    {
        List<string?> traces;
        try
        {
            traces = Directory.EnumerateFiles(folder, "*.nettrace").Select(Path.GetFileName).Order().Take(4).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"'{folder}' is a folder, not a .nettrace file.";
        }

        return traces.Count == 0
            ? $"'{folder}' is a folder, not a .nettrace file, and holds no .nettrace file."
            : $"'{folder}' is a folder, not a .nettrace file: give one of its traces ({string.Join(", ", traces)}{(traces.Count == 4 ? ", …" : "")}).";
    }
}

/// <summary>The analyze command's arguments, typed.</summary>
internal sealed record AnalyzeSettings
{
    public required FileInfo Trace { get; init; }
    public string Format { get; init; } = OutputFormats.Console;
    public FileInfo? Output { get; init; }
    public IReadOnlyList<SloRule> Slo { get; init; } = [];
}
