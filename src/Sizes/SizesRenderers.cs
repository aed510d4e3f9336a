using TailGuard.Output;

namespace TailGuard.Sizes;

/// <summary>The formats <c>sizes --format</c> can name; add a renderer to <see cref="Registry"/> and the command line picks it up.</summary>
public static class SizesRenderers
{
    public static RendererRegistry<SizesReport> Registry { get; } = new(
        new SizesTextRenderer(),
        new SizesJsonRenderer(),
        new SizesMarkdownRenderer());

    /// <summary>The report's heading line, shared by the text and Markdown renderers.</summary>
    internal static string Summary(SizesReport report)
    {
        var build = report.IsDebugBuild ? "Debug build" : "Release build";
        var shown = report.StateMachines.Count < report.TotalStateMachines
            ? $"the {report.StateMachines.Count} largest of {report.TotalStateMachines}"
            : $"{report.TotalStateMachines}";
        return $"{report.Assembly.Name} ({build}, {report.Assembly.TargetFramework ?? "unknown framework"}) on .NET {report.Runtime.Version} " +
               $"{report.Runtime.Architecture}: {shown} async state machines; a suspended Task operation costs its state machine plus " +
               $"{report.BoxOverheadBytes} bytes of box on this runtime.";
    }

    internal static string BudgetLine(SizesBudget budget) => budget.Exceeding == 0
        ? $"All state machines are within --max-bytes {budget.MaxBytes}."
        : $"{budget.Exceeding} state machine(s) exceed --max-bytes {budget.MaxBytes}.";

    internal static string Flags(StateMachineSize m)
    {
        var flags = new List<string>();
        if (m.IsIterator)
        {
            flags.Add("async iterator");
        }

        if (m.IsClass && !m.IsIterator)
        {
            flags.Add("class");
        }

        if (m.Instantiation is { } i)
        {
            flags.Add(m.Exact ? "generic, measured with " + i : "open generic, approximate");
        }

        return flags.Count == 0 ? "" : " [" + string.Join("; ", flags) + "]";
    }
}

/// <summary>Plain text for the terminal: one block per state machine with its largest fields.</summary>
public sealed class SizesTextRenderer : IRenderer<SizesReport>
{
    private const int FieldsShown = 6;

    public string Format => OutputFormats.Console;

    public string FileExtension => ".txt";

    public void Render(SizesReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(SizesRenderers.Summary(report));
        foreach (var note in report.Notes)
        {
            writer.WriteLine("Note: " + note);
        }

        if (report.Budget is { } budget)
        {
            writer.WriteLine(SizesRenderers.BudgetLine(budget));
        }

        writer.WriteLine();
        writer.WriteLine("   Bytes  Heap/op  Method");
        foreach (var m in report.StateMachines)
        {
            var over = report.Budget is { } b && m.Bytes > b.MaxBytes ? "  OVER BUDGET" : "";
            writer.WriteLine($"{m.Bytes,8} {m.HeapBytesPerOperation,8}  {m.Method}{SizesRenderers.Flags(m)}{over}");
            writer.WriteLine($"{"",18}{m.StateMachineType}, {m.Builder}");
            foreach (var f in m.Fields.Take(FieldsShown))
            {
                writer.WriteLine($"{"",18}{f.Bytes,5}  {f.Name}: {f.Type}");
            }

            if (m.Fields.Count > FieldsShown)
            {
                writer.WriteLine($"{"",18}       ... {m.Fields.Count - FieldsShown} more field(s), {m.Fields.Skip(FieldsShown).Sum(f => f.Bytes)} bytes");
            }
        }
    }
}

/// <summary>GitHub-flavoured Markdown, for pull-request comments and CI summaries.</summary>
public sealed class SizesMarkdownRenderer : IRenderer<SizesReport>
{
    private const int FieldsShown = 3;

    public string Format => OutputFormats.Markdown;

    public string FileExtension => ".md";

    public void Render(SizesReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine("# Async state-machine sizes");
        writer.WriteLine();
        writer.WriteLine(Escape(SizesRenderers.Summary(report)));
        foreach (var note in report.Notes)
        {
            writer.WriteLine();
            writer.WriteLine("> " + Escape(note));
        }

        if (report.Budget is { } budget)
        {
            writer.WriteLine();
            writer.WriteLine("**" + SizesRenderers.BudgetLine(budget) + "**");
        }

        writer.WriteLine();
        writer.WriteLine("| Bytes | Heap per suspended operation | Method | Largest fields |");
        writer.WriteLine("|---:|---:|---|---|");
        foreach (var m in report.StateMachines)
        {
            var fields = string.Join(", ", m.Fields.Take(FieldsShown).Select(f => $"`{f.Name}` {f.Type} ({f.Bytes})"));
            writer.WriteLine($"| {m.Bytes} | {m.HeapBytesPerOperation} | {Escape(m.Method + SizesRenderers.Flags(m))} | {Escape(fields)} |");
        }
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

/// <summary>The versioned JSON document <c>tailguard-sizes/1</c>: the machine interface.</summary>
public sealed class SizesJsonRenderer : IRenderer<SizesReport>
{
    public string Format => OutputFormats.Json;

    public string FileExtension => ".json";

    public void Render(SizesReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(SizesJson.Serialize(report));
    }
}
