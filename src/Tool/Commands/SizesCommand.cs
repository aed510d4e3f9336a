using System.CommandLine;
using TailGuard.Output;
using TailGuard.Sizes;

namespace TailGuard.Tool.Commands;

/// <summary><c>dotnet-tailguard sizes app.dll|app.csproj</c>: the exact size of every async state machine in a compiled assembly.</summary>
internal static class SizesCommand
{
    internal const string ExitCodesHelp =
        "Exit codes: 0 success, 1 error (not a .NET assembly, a reference assembly, a missing dependency, a failed build, " +
        "unwritable output), 2 usage error, 3 a state machine exceeds --max-bytes (the report is still written).";

    private static readonly Argument<FileInfo> InputArgument = new("assembly-or-project")
    {
        Description = "A compiled assembly (.dll; its dependencies are resolved from its .deps.json, its folder and the shared " +
                      "frameworks, ASP.NET Core included) or a project (.csproj), which is built first with 'dotnet build -c Release'.",
    };

    private static readonly Option<int?> TopOption = PositiveInt("--top", "Show only the N largest state machines (--max-bytes still checks them all).");

    private static readonly Option<string> FormatOption = CommonOptions.Format(
        SizesRenderers.Registry,
        $"Output format: {CommonOptions.FormatList(SizesRenderers.Registry)}. JSON is the versioned machine interface (schema tailguard-sizes/1).");

    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();

    private static readonly Option<int?> MaxBytesOption = PositiveInt("--max-bytes", "Budget in bytes for one state machine: exit code 3 when any exceeds it (a CI gate).");

    private static readonly Option<string> ConfigurationOption = new("--configuration", "-c")
    {
        Description = "Configuration to build a project in (Release by default: the sizes production runs with; Debug state machines are classes that hoist every local).",
        DefaultValueFactory = _ => "Release",
    };

    public static Command Create(IProbeConsole console)
    {
        var command = new Command(
            "sizes",
            "List every compiler-generated async state machine (async methods, lambdas, local functions, async iterators) in an " +
            "assembly with its exact size as the running runtime lays it out (Unsafe.SizeOf of the struct; for the classes of " +
            "Debug builds and async iterators, the instance size from the runtime's field offsets), the heap cost of one " +
            "suspended operation (state machine plus the runtime's box, measured on this runtime) and its fields by source " +
            "name, largest first. " + ExitCodesHelp)
        {
            InputArgument, TopOption, FormatOption, OutputOption, MaxBytesOption, ConfigurationOption,
        };
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            parse.GetValue(InputArgument)!,
            parse.GetValue(FormatOption)!,
            parse.GetValue(OutputOption),
            parse.GetValue(TopOption),
            parse.GetValue(MaxBytesOption),
            parse.GetValue(ConfigurationOption)!,
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, FileInfo input, string format, FileInfo? output,
        int? top, int? maxBytes, string configuration, CancellationToken cancel)
    {
        var assembly = input.Extension.EndsWith("proj", StringComparison.OrdinalIgnoreCase)
            ? await ProjectBuilder.BuildAsync(input.FullName, configuration, cancel).ConfigureAwait(false)
            : input.FullName;
        var report = StateMachineInspector.Inspect(assembly);
        var exceeding = maxBytes is { } max ? report.StateMachines.Count(m => m.Bytes > max) : 0;
        report = report with
        {
            Budget = maxBytes is { } budget ? new SizesBudget(budget, exceeding) : null,
            StateMachines = top is { } n ? [.. report.StateMachines.Take(n)] : report.StateMachines,
        };

        // Opened once the report exists: a failed build or a bad assembly leaves an existing -o file as it was.
        using (var reportOutput = ReportOutput<SizesReport>.Open(SizesRenderers.Registry, format, output, console.ReportOut, console.Error))
        {
            reportOutput.Write(report);
        }

        if (exceeding > 0)
        {
            await console.Error.WriteLineAsync($"dotnet-tailguard: {exceeding} state machine(s) exceed --max-bytes {maxBytes}.").ConfigureAwait(false);
            return ReturnCode.SloViolated;
        }

        return ReturnCode.Success;
    }

    private static Option<int?> PositiveInt(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "N" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0)
            {
                result.AddError($"{name} must be a positive number.");
            }
        });
        return option;
    }
}
