using System.CommandLine;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tool.Commands;

/// <summary><c>dotnet-tailguard analyze trace.nettrace</c>: the same report from a saved trace.</summary>
internal static class AnalyzeCommand
{
    private static readonly Argument<FileInfo> TraceArgument = new("trace")
    {
        Description = "A .nettrace file saved by 'attach --nettrace' or by 'dotnet-trace collect --providers <the probe's providers>' (see docs/probe.md).",
    };

    private static readonly Option<string> FormatOption = CommonOptions.Format();
    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();
    private static readonly Option<IReadOnlyList<SloRule>?> SloOption = CommonOptions.Slo();

    public static Command Create(IProbeConsole console)
    {
        var command = new Command("analyze", "Build the report from a saved .nettrace file. " + ProbeCli.ExitCodesHelp)
        {
            TraceArgument, FormatOption, OutputOption, SloOption,
        };
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            parse.GetValue(TraceArgument)!,
            parse.GetValue(FormatOption)!,
            parse.GetValue(OutputOption),
            parse.GetValue(SloOption) ?? [],
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, FileInfo trace, string format, FileInfo? output,
        IReadOnlyList<SloRule> slo, CancellationToken cancel)
    {
        try
        {
            using var source = new NettraceFileSource(trace.FullName);
            using var reportOutput = ReportOutput.Open(console, format, output);
            var report = await new ProbeRun(source).RunAsync(duration: null, slo, cancel).ConfigureAwait(false);
            reportOutput.Write(report);
            return report.Slo.Passed ? ReturnCode.Success : ReturnCode.SloViolated;
        }
        catch (ProbeException ex)
        {
            await console.Error.WriteLineAsync($"dotnet-tailguard: {ex.Message}").ConfigureAwait(false);
            return ReturnCode.Error;
        }
    }
}
