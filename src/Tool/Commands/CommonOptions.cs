using System.CommandLine;
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
    /// <summary>
    /// <c>-f|--format</c>: the registry's formats in any case (<c>JSON</c> is <c>json</c>), and <c>text</c> for <c>console</c>;
    /// <c>console</c> by default. The value is the format's own name; a wrong one is one line naming what is accepted.
    /// </summary>
    public static Option<string> Format<TReport>(RendererRegistry<TReport> renderers, string description)
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = description,
            HelpName = string.Join('|', renderers.Formats),
            DefaultValueFactory = _ => OutputFormats.Console,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : OutputFormats.Console;
                if (renderers.Find(text) is { } renderer)
                {
                    return renderer.Format;
                }

                result.AddError($"--format must be one of {FormatList(renderers)} (in any case): '{text}' is not one.");
                return null;
            },
        };
        option.CompletionSources.Add([.. renderers.AcceptedFormats]);
        return option;
    }

    /// <summary><c>-f|--format</c> of the report (attach, analyze).</summary>
    public static Option<string> ReportFormat() =>
        Format(ReportRenderers.Registry, $"Report format: {FormatList(ReportRenderers.Registry)}.");

    /// <summary>The registry's formats for a help text, e.g. "console (or text), json, markdown".</summary>
    public static string FormatList<TReport>(RendererRegistry<TReport> renderers) =>
        string.Join(", ", renderers.Formats.Select(f => f == OutputFormats.Console ? $"{f} (or {OutputFormats.Text})" : f));

    public static Option<FileInfo?> Output() => new("--output", "-o")
    {
        Description = "Write the report to this file instead of standard output. It is checked before any work and replaced " +
                      "only by a complete report: a failed run leaves an existing file as it was.",
        HelpName = "FILE",
    };

    public static Option<IReadOnlyList<SloRule>?> Slo()
    {
        var option = new Option<IReadOnlyList<SloRule>?>("--slo")
        {
            Description = "Latency objectives, e.g. \"p99<5ms,p999<20ms\" (metrics p50, p90, p99, p999, max; units us, ms, s). " +
                          "Exit code 3 when one is violated, or when no request was seen: a CI gate.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                try
                {
                    return SloRule.ParseList(text);
                }
                catch (FormatException ex)
                {
                    result.AddError("--slo: " + ex.Message);
                    return null;
                }
            },
        };
        return option;
    }

    /// <summary><c>-d|--duration</c> (<see cref="DurationParser"/>); without it a session runs until Ctrl+C or the target exits.</summary>
    public static Option<TimeSpan?> Duration() => new("--duration", "-d")
    {
        Description = "Stop after this long: 30s, 2m, 1m30s, 1h, 500ms or hh:mm:ss (a bare number has no unit and is refused). " +
                      "Without it the session runs until Ctrl+C, SIGTERM or the target exits.",
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DurationParser.TryParse(text, out var duration, out var error))
            {
                return duration;
            }

            result.AddError("--duration: " + error);
            return null;
        },
    };
}
