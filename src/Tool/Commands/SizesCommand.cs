using System.CommandLine;
using TailGuard.Output;
using TailGuard.Sizes;

namespace TailGuard.Tool.Commands;

/// <summary><c>dotnet-tailguard sizes app.dll|app.csproj</c>: the exact size of every async state machine in a compiled assembly.</summary>
internal static class SizesCommand
{
    private static readonly Argument<FileInfo> InputArgument = new("assembly-or-project")
    {
        Description = "A compiled assembly (.dll; its dependencies are resolved from its .deps.json, its folder and the shared " +
                      "frameworks, ASP.NET Core included), a project (.csproj), which is built first with 'dotnet build -c Release', " +
                      "or a folder holding one build output or one project.",
    };

    private static readonly Option<int?> TopOption = NumberOptions.Create(
        "--top", "Show only the N largest state machines (--max-bytes still checks them all).", 1, int.MaxValue);

    private static readonly Option<string> FormatOption = CommonOptions.Format(
        SizesRenderers.Registry,
        $"Output format: {CommonOptions.FormatList(SizesRenderers.Registry)}. JSON is the versioned machine interface (schema tailguard-sizes/1).");

    private static readonly Option<FileInfo?> OutputOption = CommonOptions.Output();

    private static readonly Option<int?> MaxBytesOption = NumberOptions.Create(
        "--max-bytes", "Budget in bytes for one state machine: exit code 3 when any exceeds it (a CI gate).", 1, int.MaxValue, "(bytes)");

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
            "name, largest first. " + ExitCodesHelp.Sizes)
        {
            InputArgument, TopOption, FormatOption, OutputOption, MaxBytesOption, ConfigurationOption,
        };
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new SizesSettings
            {
                Input = parse.GetValue(InputArgument)!,
                Format = parse.GetValue(FormatOption)!,
                Output = parse.GetValue(OutputOption),
                Top = parse.GetValue(TopOption),
                MaxBytes = parse.GetValue(MaxBytesOption),
                Configuration = parse.GetValue(ConfigurationOption)!,
            },
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, SizesSettings settings, CancellationToken cancel)
    {
        var input = SizesInput.Resolve(settings.Input);

        // Opened before the build: an unwritable path fails at once, and the report replaces an existing file only once it
        // is complete, so a failed build or a bad assembly leaves that file as it was.
        using var output = ReportOutput<SizesReport>.Open(SizesRenderers.Registry, settings.Format, settings.Output, console.ReportOut, console.Error,
            [new FileInUse(settings.Input.FullName, "the input"), new FileInUse(input.FullName, "the input")]);
        var assembly = input.Extension.EndsWith("proj", StringComparison.OrdinalIgnoreCase)
            ? await ProjectBuilder.BuildAsync(input.FullName, settings.Configuration, cancel).ConfigureAwait(false)
            : input.FullName;
        var report = StateMachineInspector.Inspect(assembly);
        var exceeding = settings.MaxBytes is { } max ? report.StateMachines.Count(m => m.Bytes > max) : 0;
        report = report with
        {
            Budget = settings.MaxBytes is { } budget ? new SizesBudget(budget, exceeding) : null,
            StateMachines = settings.Top is { } n ? [.. report.StateMachines.Take(n)] : report.StateMachines,
        };
        output.Write(report);

        if (exceeding > 0)
        {
            await console.Error.WriteLineAsync($"dotnet-tailguard: {exceeding} state machine(s) exceed --max-bytes {settings.MaxBytes}.").ConfigureAwait(false);
            return ReturnCode.SizeBudgetExceeded;
        }

        return ReturnCode.Success;
    }
}

/// <summary>The sizes command's arguments, typed.</summary>
internal sealed record SizesSettings
{
    public required FileInfo Input { get; init; }
    public string Format { get; init; } = OutputFormats.Console;
    public FileInfo? Output { get; init; }

    /// <summary>Keep only the N largest state machines in the report (the budget still checks them all).</summary>
    public int? Top { get; init; }

    /// <summary>The <c>--max-bytes</c> budget for one state machine.</summary>
    public int? MaxBytes { get; init; }

    /// <summary>The configuration a project is built in.</summary>
    public string Configuration { get; init; } = "Release";
}
