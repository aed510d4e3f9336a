using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Sizes;

namespace TailGuard.Tool.Commands;

/// <summary>
/// Options the commands share, each created where a command's static field is initialised. Formats come from the report's
/// <see cref="RendererRegistry{TReport}"/> (<see cref="ReportRenderers"/>, <see cref="SizesRenderers"/>).
/// </summary>
internal static class CommonOptions
{
    /// <summary><c>-f|--format</c>: the registry's formats (and <c>text</c> for <c>console</c>), <c>console</c> by default.</summary>
    public static Option<string> Format<TReport>(RendererRegistry<TReport> renderers, string description) => new Option<string>("--format", "-f")
    {
        Description = description,
        DefaultValueFactory = _ => OutputFormats.Console,
    }.AcceptOnlyFromAmong([.. renderers.AcceptedFormats]);

    /// <summary><c>-f|--format</c> of the report (attach, analyze).</summary>
    public static Option<string> ReportFormat() =>
        Format(ReportRenderers.Registry, $"Report format: {FormatList(ReportRenderers.Registry)}.");

    /// <summary>The registry's formats for a help text, e.g. "console (or text), json, markdown".</summary>
    public static string FormatList<TReport>(RendererRegistry<TReport> renderers) =>
        string.Join(", ", renderers.Formats.Select(f => f == OutputFormats.Console ? $"{f} (or {OutputFormats.Text})" : f));

    public static Option<FileInfo?> Output() => new("--output", "-o")
    {
        Description = "Write the report to this file instead of standard output.",
    };

    /// <summary>
    /// Adds a validator to an option where its static field is initialised: once. (Added in a command's <c>Create</c>, it
    /// would be added again on every call, and each copy would report the same error.)
    /// </summary>
    public static TOption Validate<TOption>(this TOption option, Action<OptionResult> validator)
        where TOption : Option
    {
        option.Validators.Add(validator);
        return option;
    }

    public static Option<IReadOnlyList<SloRule>?> Slo()
    {
        var option = new Option<IReadOnlyList<SloRule>?>("--slo")
        {
            Description = "Latency objectives, e.g. \"p99<5ms,p999<20ms\" (metrics p50, p90, p99, p999, max; units us, ms, s). " +
                          "Exit code 3 when one is violated: a CI gate.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                try
                {
                    return SloRule.ParseList(text);
                }
                catch (FormatException ex)
                {
                    result.AddError(ex.Message);
                    return null;
                }
            },
        };
        return option;
    }

    /// <summary>Parses 00:00:30, 30s, 500ms, 2m or 1h.</summary>
    public static TimeSpan? ParseDuration(string text, out string? error)
    {
        error = null;
        text = text.Trim();
        var units = new (string Suffix, double Ms)[] { ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000) };
        foreach (var (suffix, ms) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value > 0)
            {
                return TimeSpan.FromMilliseconds(value * ms);
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        error = $"Invalid duration '{text}': use hh:mm:ss (00:00:30) or a number with a unit (30s, 500ms, 2m).";
        return null;
    }
}
