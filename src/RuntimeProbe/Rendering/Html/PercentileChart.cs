using System.Globalization;
using System.Text;
using TailGuard.RuntimeProbe.Reporting;
using static TailGuard.RuntimeProbe.Rendering.Html.Html;

namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>
/// Latency by percentile, the way HdrHistogram plots it: the x axis is 1/(1-p) on a log scale, so 90%, 99%, 99.9% and 99.99%
/// are evenly spaced and the tail gets as much room as the median. One line for all requests, one per charted endpoint.
/// </summary>
internal static class PercentileChart
{
    private const double Width = 1100;
    private const double Left = 76;
    private const double Right = 1064;
    private const double Top = 12;
    private const double Bottom = 330;
    private const double Height = 370;

    public static bool HasData(Report report) => report.Requests.Distribution.Count > 0;

    public static string Render(Report report, EndpointPalette palette)
    {
        var series = palette.Charted.Where(e => e.Distribution.Count > 0).ToList();
        var all = Finite(report.Requests.Distribution);
        // The axis ends a little past the deepest percentile the data resolves (99.9% for 1,500 requests), not at the next decade.
        var deepest = series.Select(e => Finite(e.Distribution)).Append(all).Where(s => s.Count > 0).Max(s => X(s[^1].Percentile));
        var decades = Math.Max(2, Math.Ceiling((deepest + 0.1) * 2) / 2);
        var x = new LinearScale(0, decades, Left, Right, nice: false);
        var y = Scales.Latency(
            all.Select(p => p.ValueMs).Concat(series.SelectMany(e => Finite(e.Distribution)).Select(p => p.ValueMs)), Bottom, Top);

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart percentiles\" viewBox=\"0 0 {N(Width)} {N(Height)}\" role=\"img\" aria-labelledby=\"percentile-title\">");
        svg.Append("<title id=\"percentile-title\">Latency by percentile, per endpoint</title>");
        svg.Append($"<rect class=\"plot\" x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Right - Left)}\" height=\"{N(Bottom - Top)}\"/>");

        svg.Append("<g class=\"axis y\">");
        foreach (var tick in y.Ticks())
        {
            var ty = y.Map(tick);
            svg.Append($"<g class=\"tick\"><line class=\"grid\" x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(ty)}\" y2=\"{N(ty)}\"/>");
            svg.Append($"<text x=\"{N(Left - 8)}\" y=\"{N(ty + 4)}\" text-anchor=\"end\">{AxisMs(tick)}</text></g>");
        }

        svg.Append("</g><g class=\"axis x\">");
        for (var d = 0; d <= decades; d++)
        {
            Tick(svg, x.Map(d), PercentLabel(d), major: true);
            if (d == 0)
            {
                Tick(svg, x.Map(Math.Log10(2)), "50%", major: false);
            }
        }

        svg.Append($"<text class=\"axis-title\" x=\"{N(Right)}\" y=\"{N(Height - 2)}\" text-anchor=\"end\">percentile (log scale of 1/(1−p))</text>");
        svg.Append("</g>");

        svg.Append("<g class=\"lines\">");
        Line(svg, x, y, all, "all-line", $"All requests ({Formatting.Number(report.Requests.Count)})");
        foreach (var e in series)
        {
            Line(svg, x, y, Finite(e.Distribution), "endpoint-line " + palette.ClassOf(e.Name), $"{e.Name} ({Formatting.Number(e.Count)})");
        }

        svg.Append("</g></svg>");
        return svg.ToString();
    }

    /// <summary>The x coordinate of a percentile: log10(1/(1-p)), 0 at the median's left edge, 2 at 99%, 3 at 99.9%.</summary>
    internal static double X(double percentile) => -Math.Log10(1 - percentile / 100);

    /// <summary>"0%", "90%", "99%", "99.9%", "99.99%" for decades 0 to 4.</summary>
    internal static string PercentLabel(int decade) =>
        (100 * (1 - Math.Pow(10, -decade))).ToString("0.#########", CultureInfo.InvariantCulture) + "%";

    private static List<ReportPercentilePoint> Finite(IReadOnlyList<ReportPercentilePoint> points) =>
        points.Where(p => p.Percentile is >= 0 and < 100).ToList();

    private static void Tick(StringBuilder svg, double tx, string label, bool major)
    {
        svg.Append($"<g class=\"tick{(major ? "" : " minor")}\"><line class=\"grid\" x1=\"{N(tx)}\" x2=\"{N(tx)}\" y1=\"{N(Top)}\" y2=\"{N(Bottom + 4)}\"/>");
        svg.Append($"<text x=\"{N(tx)}\" y=\"{N(Bottom + 20)}\" text-anchor=\"middle\">{label}</text></g>");
    }

    private static void Line(StringBuilder svg, LinearScale x, Scale y, List<ReportPercentilePoint> points, string cls, string title)
    {
        if (points.Count == 0)
        {
            return;
        }

        var d = new StringBuilder();
        foreach (var p in points)
        {
            d.Append(d.Length == 0 ? "M" : " L").Append(N(x.Map(X(p.Percentile)))).Append(' ').Append(N(y.Map(p.ValueMs)));
        }

        if (points.Count == 1)
        {
            // One request: its single point, drawn as a dot by a zero-length segment with round caps.
            d.Append(" l0 0");
            cls += " single";
        }

        svg.Append($"<path class=\"{cls}\" d=\"{d}\"><title>{Escape(title)}</title></path>");
    }
}
