using System.Text;
using static TailGuard.RuntimeProbe.Rendering.Html.Html;

namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>
/// Draws <see cref="TimelineMark"/>s on the timeline: a dashed line at each mark's start and end across the plot and the
/// rate lane, a faint band between them, and the label at the top of the plot. Styled inline, so the report's stylesheet
/// does not change for reports without marks.
/// </summary>
internal static class TimelineMarkLayer
{
    public static void Draw(StringBuilder svg, IReadOnlyList<TimelineMark> marks, Scale x, double top, double bottom)
    {
        if (marks.Count == 0)
        {
            return;
        }

        svg.Append("<g class=\"marks\">");
        for (var index = 0; index < marks.Count; index++)
        {
            var mark = marks[index];
            var x1 = Math.Clamp(x.Map(mark.StartMs), x.RangeStart, x.RangeEnd);
            var x2 = Math.Clamp(x.Map(Math.Max(mark.StartMs, mark.EndMs)), x.RangeStart, x.RangeEnd);
            var title = $"{mark.Label}: {Seconds(mark.StartMs, 100)} to {Seconds(mark.EndMs, 100)}";
            svg.Append($"<g class=\"mark\"><title>{Escape(title)}</title>");
            if (index % 2 == 0)
            {
                svg.Append($"<rect x=\"{N(x1)}\" y=\"{N(top)}\" width=\"{N(Math.Max(0.5, x2 - x1))}\" height=\"{N(bottom - top)}\" fill=\"currentColor\" fill-opacity=\"0.05\"/>");
            }

            foreach (var at in new[] { x1, x2 })
            {
                svg.Append($"<line x1=\"{N(at)}\" x2=\"{N(at)}\" y1=\"{N(top)}\" y2=\"{N(bottom)}\" stroke=\"currentColor\" stroke-opacity=\"0.45\" stroke-dasharray=\"4 3\"/>");
            }

            svg.Append($"<text x=\"{N(x1 + 4)}\" y=\"{N(top + 13)}\" font-size=\"12\" font-weight=\"600\" fill=\"currentColor\">{Escape(mark.Label)}</text></g>");
        }

        svg.Append("</g>");
    }
}
