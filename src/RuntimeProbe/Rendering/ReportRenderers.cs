using TailGuard.Output;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// The renderers <c>--format</c> can name for the report. This is the one place to add a format: add its renderer to
/// <see cref="Registry"/> and the command line, its help text and its validation pick it up.
/// </summary>
public static class ReportRenderers
{
    public static RendererRegistry<Report> Registry { get; } = new(
        new ConsoleReportRenderer(),
        new JsonReportRenderer(),
        new MarkdownReportRenderer(),
        new HtmlReportRenderer());

    public static IReadOnlyList<IRenderer<Report>> All => Registry.All;

    public static IEnumerable<string> Formats => Registry.Formats;

    public static IRenderer<Report>? Find(string format) => Registry.Find(format);
}
