namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// The renderers <c>--format</c> can name. This is the one place to add a format: add its renderer to <see cref="All"/>
/// and the command line, its help text and its validation pick it up.
/// </summary>
public static class ReportRenderers
{
    public static IReadOnlyList<IReportRenderer> All { get; } =
    [
        new ConsoleReportRenderer(),
        new JsonReportRenderer(),
        new MarkdownReportRenderer(),
    ];

    public static IEnumerable<string> Formats => All.Select(r => r.Format);

    public static IReportRenderer? Find(string format) =>
        All.FirstOrDefault(r => string.Equals(r.Format, format, StringComparison.OrdinalIgnoreCase));
}
