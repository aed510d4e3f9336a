using System.Text;
using TailGuard.RuntimeProbe.Reporting;
using static TailGuard.RuntimeProbe.Rendering.Formatting;
using static TailGuard.RuntimeProbe.Rendering.Html.Html;

namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>
/// Request latency over the session, with GC pauses, starvation episodes and contention waits as shaded bands on the same time
/// axis, and the request rate in a lane underneath. Each request is a dot with a whisker to its end when the report lists
/// them; otherwise per-interval P50, P99 and max lines, with the slowest requests marked.
/// </summary>
internal static class TimelineChart
{
    private const double Width = 1100;
    private const double Left = 76;
    private const double Right = 1080;
    // Two rows of stall labels above the plot, then the latency plot, the request-rate lane and the time axis.
    private const double LabelRow = 14;
    private const double Top = 34;
    private const double PlotBottom = 340;
    private const double LaneTop = 352;
    private const double LaneBottom = 398;
    private const double Height = 436;

    /// <summary>Above this many requests the chart draws percentile lines even when the report lists every request.</summary>
    public const int MaxDots = 5_000;

    public static bool DrawsDots(Report report) =>
        report.Timeline.Requests.Count > 0 && report.Timeline.Requests.Count <= MaxDots;

    public static string Render(Report report, EndpointPalette palette, IReadOnlyList<TimelineMark>? marks = null)
    {
        var timeline = report.Timeline;
        var dots = DrawsDots(report);
        var endMs = Math.Max(report.Session.DurationMs, LastTime(report));
        var x = new LinearScale(0, endMs <= 0 ? 1000 : endMs, Left, Right, targetTicks: 10, nice: false);

        var latencies = dots
            ? timeline.Requests.Select(r => r.DurationMs)
            : timeline.Points.SelectMany(p => new[] { p.P50, p.P99, p.Max }).Concat(report.SlowestRequests.Select(r => r.DurationMs));
        var y = Scales.Latency(latencies.Append(report.Requests.LatencyMs.P99), PlotBottom, Top);

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart timeline\" viewBox=\"0 0 {N(Width)} {N(Height)}\" role=\"img\" aria-labelledby=\"timeline-title\">");
        svg.Append("<title id=\"timeline-title\">Request latency over time, with GC pauses, thread-pool starvation and lock contention</title>");
        svg.Append($"<rect class=\"plot\" x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Right - Left)}\" height=\"{N(PlotBottom - Top)}\"/>");
        svg.Append($"<rect class=\"plot\" x=\"{N(Left)}\" y=\"{N(LaneTop)}\" width=\"{N(Right - Left)}\" height=\"{N(LaneBottom - LaneTop)}\"/>");
        YAxis(svg, y);
        XAxis(svg, x);
        Bands(svg, report, x);
        Annotations(svg, report, x);
        TimelineMarkLayer.Draw(svg, marks ?? [], x, Top, LaneBottom);
        Reference(svg, y, report.Requests.LatencyMs.P99, "P99");
        if (dots)
        {
            Dots(svg, report, x, y, palette);
        }
        else
        {
            Lines(svg, report, x, y);
        }

        Throughput(svg, timeline, x);
        svg.Append("</svg>");
        return svg.ToString();
    }

    public static string Legend(Report report, EndpointPalette palette)
    {
        var sb = new StringBuilder("<ul class=\"legend\">");
        if (DrawsDots(report))
        {
            foreach (var e in palette.Charted)
            {
                sb.Append($"<li><span class=\"key dot {palette.ClassOf(e.Name)}\"></span><code>{Escape(e.Name)}</code></li>");
            }

            if (report.Requests.Endpoints.Count > palette.Charted.Count)
            {
                sb.Append("<li><span class=\"key dot sx\"></span>other endpoints</li>");
            }

            sb.Append("<li><span class=\"key whisker\"></span>request start to end</li>");
        }
        else
        {
            sb.Append("<li><span class=\"key line max\"></span>max</li>");
            sb.Append("<li><span class=\"key line p99\"></span>P99</li>");
            sb.Append("<li><span class=\"key line p50\"></span>P50</li>");
            if (report.SlowestRequests.Count > 0)
            {
                sb.Append("<li><span class=\"key dot slow\"></span>slowest requests</li>");
            }
        }

        sb.Append("<li><span class=\"key line ref\"></span>overall P99</li>");
        sb.Append(DrawsGcDensity(report)
            ? $"<li><span class=\"key band gc\"></span>GC pauses ({report.Gc.Pauses.Count}, too many for one bar each): the strip's " +
              "darkness is the share of time paused</li>"
            : "<li><span class=\"key band gc\"></span>GC pause</li>");
        sb.Append("<li><span class=\"key band starvation\"></span>thread-pool starvation</li>");
        if (report.Contention.Windows.Count > 0)
        {
            sb.Append("<li><span class=\"key band contention\"></span>lock contention</li>");
        }

        sb.Append("<li><span class=\"key bar\"></span>requests/s</li>");
        sb.Append("</ul>");
        return sb.ToString();
    }

    private static double LastTime(Report report)
    {
        var last = 0.0;
        foreach (var r in report.Timeline.Requests)
        {
            last = Math.Max(last, r.StartMs + r.DurationMs);
        }

        foreach (var p in report.Gc.Pauses)
        {
            last = Math.Max(last, p.StartMs + p.DurationMs);
        }

        foreach (var e in report.ThreadPool.StarvationEpisodes)
        {
            last = Math.Max(last, e.EndMs);
        }

        return last;
    }

    private static void YAxis(StringBuilder svg, Scale y)
    {
        svg.Append("<g class=\"axis y\">");
        foreach (var tick in y.Ticks())
        {
            var ty = y.Map(tick);
            svg.Append($"<g class=\"tick\"><line class=\"grid\" x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(ty)}\" y2=\"{N(ty)}\"/>");
            svg.Append($"<text x=\"{N(Left - 8)}\" y=\"{N(ty + 4)}\" text-anchor=\"end\">{AxisMs(tick)}</text></g>");
        }

        svg.Append($"<text class=\"axis-title\" x=\"{N(Left - 8)}\" y=\"{N(LaneTop + 12)}\" text-anchor=\"end\">req/s</text>");
        svg.Append("</g>");
    }

    private static void XAxis(StringBuilder svg, LinearScale x)
    {
        svg.Append("<g class=\"axis x\">");
        foreach (var tick in x.Ticks())
        {
            var tx = x.Map(tick);
            svg.Append($"<g class=\"tick\"><line class=\"grid\" x1=\"{N(tx)}\" x2=\"{N(tx)}\" y1=\"{N(Top)}\" y2=\"{N(LaneBottom + 4)}\"/>");
            svg.Append($"<text x=\"{N(tx)}\" y=\"{N(LaneBottom + 20)}\" text-anchor=\"middle\">{Seconds(tick, x.Step)}</text></g>");
        }

        svg.Append($"<text class=\"axis-title\" x=\"{N(Right)}\" y=\"{N(Height - 2)}\" text-anchor=\"end\">time since the session started</text>");
        svg.Append("</g>");
    }

    /// <summary>
    /// Each kind of stall in a group of its own whose opacity applies to the group as a whole: overlapping windows (contention
    /// waits on several threads at once) then read as one band instead of darkening where they stack.
    /// </summary>
    private static void Bands(StringBuilder svg, Report report, LinearScale x)
    {
        svg.Append("<g class=\"bands contention\">");
        foreach (var w in report.Contention.Windows)
        {
            Band(svg, x, "contention", w.StartMs, w.StartMs + w.DurationMs,
                $"Lock contention: a wait of {Ms(w.DurationMs)} at {Seconds(w.StartMs, 1)}");
        }

        svg.Append("</g><g class=\"bands starvation\">");
        foreach (var e in report.ThreadPool.StarvationEpisodes)
        {
            Band(svg, x, "starvation", e.StartMs, e.EndMs,
                $"Thread-pool starvation from {Seconds(e.StartMs, 1)} to {Seconds(e.EndMs, 1)} ({Ms(e.EndMs - e.StartMs)}), " +
                $"{e.ThreadsInjected} thread(s) injected{(e.Ongoing ? ", still going on at the end" : "")}");
        }

        if (DrawsGcDensity(report))
        {
            svg.Append("</g>");
            GcDensity(svg, report, x);
            return;
        }

        // Gen2 pauses in a stronger group than the frequent, short gen0 and gen1 ones.
        foreach (var gen2 in new[] { false, true })
        {
            svg.Append(gen2 ? "</g><g class=\"bands gc g2\">" : "</g><g class=\"bands gc\">");
            foreach (var p in report.Gc.Pauses.Where(p => (p.Generation == 2) == gen2))
            {
                Band(svg, x, "gc g" + Math.Max(0, p.Generation), p.StartMs, p.StartMs + p.DurationMs,
                    $"GC pause of {Ms(p.DurationMs)} at {Seconds(p.StartMs, 1)}: {Generation(p.Generation)}, {p.Reason}, {p.Type}");
            }
        }

        svg.Append("</g>");
    }

    /// <summary>
    /// More pauses than this and one bar each would be a solid wall (876 GCs in a real run): they are drawn as a density strip
    /// instead, the share of each few pixels' time spent paused.
    /// </summary>
    public const int MaxGcBars = 150;

    private const double DensityBinPx = 4;
    private const double DensityStripHeight = 14;

    public static bool DrawsGcDensity(Report report) => report.Gc.Pauses.Count > MaxGcBars;

    /// <summary>
    /// A strip along the top of the plot: one cell per <see cref="DensityBinPx"/> pixels whose opacity is the share of that
    /// time the runtime was paused for a GC (at least a little, so a single short pause still shows).
    /// </summary>
    private static void GcDensity(StringBuilder svg, Report report, LinearScale x)
    {
        // The time axis starts at 0 (the session's start) and ends at x.Max.
        var bins = (int)Math.Ceiling((Right - Left) / DensityBinPx);
        var binMs = x.Max / bins;
        var paused = new double[bins];
        var counts = new int[bins];
        foreach (var p in report.Gc.Pauses)
        {
            var from = Math.Clamp((int)(p.StartMs / binMs), 0, bins - 1);
            var to = Math.Clamp((int)((p.StartMs + p.DurationMs) / binMs), 0, bins - 1);
            counts[from]++;
            for (var b = from; b <= to; b++)
            {
                var binStart = b * binMs;
                paused[b] += Math.Max(0, Math.Min(p.StartMs + p.DurationMs, binStart + binMs) - Math.Max(p.StartMs, binStart));
            }
        }

        svg.Append("<g class=\"gc-density\">");
        for (var b = 0; b < bins; b++)
        {
            if (counts[b] == 0 && paused[b] <= 0)
            {
                continue;
            }

            var share = Math.Min(1, paused[b] / binMs);
            var start = b * binMs;
            svg.Append($"<rect class=\"density gc\" x=\"{N(Left + b * DensityBinPx)}\" y=\"{N(Top)}\" width=\"{N(DensityBinPx)}\" " +
                       $"height=\"{N(DensityStripHeight)}\" fill-opacity=\"{N(0.15 + 0.85 * share)}\">");
            svg.Append($"<title>{Escape($"{counts[b]} GC pause(s) from {Seconds(start, 1)} to {Seconds(start + binMs, 1)}: {(int)Math.Round(share * 100)}% of that time paused")}</title></rect>");
        }

        svg.Append("</g>");
    }

    private static void Band(StringBuilder svg, LinearScale x, string kind, double startMs, double endMs, string title)
    {
        // A 2 ms pause in a 60 s session is a fraction of a pixel: draw it at least one pixel wide so it is seen.
        var x1 = x.Map(startMs);
        var width = Math.Max(1.2, x.Map(endMs) - x1);
        svg.Append($"<rect class=\"band {kind}\" x=\"{N(x1)}\" y=\"{N(Top)}\" width=\"{N(width)}\" height=\"{N(LaneBottom - Top)}\">");
        svg.Append($"<title>{Escape(title)}</title></rect>");
    }

    /// <summary>Names the longest stalls above their bands, so the eye finds them without hovering; labels never overlap.</summary>
    private static void Annotations(StringBuilder svg, Report report, LinearScale x)
    {
        var candidates = report.ThreadPool.StarvationEpisodes
            .Select(e => (Kind: "starvation", Start: e.StartMs, Length: e.EndMs - e.StartMs, Label: "starvation " + Duration(e.EndMs - e.StartMs)))
            .Concat(report.Gc.Pauses
                .Where(p => p.DurationMs >= Math.Max(5, report.Gc.MaxPauseMs / 4))
                .Select(p => (Kind: "gc", Start: p.StartMs, Length: p.DurationMs, Label: (p.Generation < 0 ? "GC" : Generation(p.Generation)) + " " + Ms(p.DurationMs))))
            .OrderByDescending(c => c.Length)
            .Take(8);
        var rows = new List<(double From, double To)>[] { [], [] };
        svg.Append("<g class=\"annotations\">");
        foreach (var c in candidates)
        {
            var x1 = x.Map(c.Start);
            var width = c.Label.Length * 6.4;
            var from = x1 + width + 4 > Right ? x1 - width - 4 : x1 + 3;
            var row = Array.FindIndex(rows, r => r.TrueForAll(o => from + width < o.From || from > o.To));
            if (row < 0)
            {
                continue;
            }

            rows[row].Add((from - 6, from + width + 6));
            var ty = LabelRow + row * 14;
            svg.Append($"<g class=\"annotation {c.Kind}\"><text x=\"{N(from)}\" y=\"{N(ty)}\">{Escape(c.Label)}</text></g>");
        }

        svg.Append("</g>");
    }

    private static void Reference(StringBuilder svg, Scale y, double valueMs, string label)
    {
        if (valueMs <= 0)
        {
            return;
        }

        var ry = y.Map(valueMs);
        svg.Append($"<g class=\"ref\"><line x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(ry)}\" y2=\"{N(ry)}\"/>");
        svg.Append($"<text x=\"{N(Right - 4)}\" y=\"{N(ry - 4)}\" text-anchor=\"end\">{label} {Escape(Ms(valueMs))}</text></g>");
    }

    private static void Dots(StringBuilder svg, Report report, LinearScale x, Scale y, EndpointPalette palette)
    {
        svg.Append("<g class=\"requests\">");
        // The uncoloured endpoints first and the slowest (s0) last, so the slow ones are drawn on top.
        foreach (var r in report.Timeline.Requests.OrderByDescending(r => palette.ClassOf(r.Endpoint), StringComparer.Ordinal))
        {
            var x1 = x.Map(r.StartMs);
            var x2 = x.Map(r.StartMs + r.DurationMs);
            var ry = y.Map(r.DurationMs);
            var cls = palette.ClassOf(r.Endpoint);
            if (x2 - x1 >= 2)
            {
                svg.Append($"<line class=\"whisker {cls}\" x1=\"{N(x1)}\" x2=\"{N(x2)}\" y1=\"{N(ry)}\" y2=\"{N(ry)}\"/>");
            }

            svg.Append($"<circle class=\"dot {cls}\" cx=\"{N(x1)}\" cy=\"{N(ry)}\" r=\"2.6\">");
            svg.Append($"<title>{Escape(r.Endpoint)}: {Escape(Ms(r.DurationMs))} at {Seconds(r.StartMs, 1)}</title></circle>");
        }

        svg.Append("</g>");
    }

    private static void Lines(StringBuilder svg, Report report, LinearScale x, Scale y)
    {
        var timeline = report.Timeline;
        svg.Append("<g class=\"percentiles\">");
        Path(svg, "max", timeline, x, y, p => p.Max);
        Path(svg, "p99", timeline, x, y, p => p.P99);
        Path(svg, "p50", timeline, x, y, p => p.P50);
        svg.Append("</g><g class=\"slowest\">");
        foreach (var r in report.SlowestRequests)
        {
            var x1 = x.Map(r.StartMs);
            var x2 = x.Map(r.StartMs + r.DurationMs);
            var ry = y.Map(r.DurationMs);
            if (x2 - x1 >= 2)
            {
                svg.Append($"<line class=\"whisker slow\" x1=\"{N(x1)}\" x2=\"{N(x2)}\" y1=\"{N(ry)}\" y2=\"{N(ry)}\"/>");
            }

            svg.Append($"<circle class=\"dot slow\" cx=\"{N(x1)}\" cy=\"{N(ry)}\" r=\"3.5\">");
            svg.Append($"<title>{Escape(r.Endpoint)}: {Escape(Ms(r.DurationMs))} at {Seconds(r.StartMs, 1)} ({Escape(Causes(r))})</title></circle>");
        }

        svg.Append("</g>");
    }

    /// <summary>One path per series; a gap where an interval saw no request start breaks the line rather than bridging it.</summary>
    private static void Path(StringBuilder svg, string series, ReportTimeline timeline, LinearScale x, Scale y, Func<ReportTimelinePoint, double> value)
    {
        if (timeline.Points.Count == 0)
        {
            return;
        }

        var d = new StringBuilder();
        double? previousStart = null;
        foreach (var p in timeline.Points)
        {
            var px = x.Map(p.StartMs + timeline.IntervalMs / 2);
            var py = y.Map(value(p));
            var continues = previousStart is { } prev && p.StartMs - prev <= timeline.IntervalMs * 1.001;
            d.Append(continues ? " L" : (d.Length == 0 ? "M" : " M")).Append(N(px)).Append(' ').Append(N(py));
            if (!continues)
            {
                // A lone point still shows: a zero-length segment with round caps is a dot.
                d.Append(" l0 0");
            }

            previousStart = p.StartMs;
        }

        svg.Append($"<path class=\"series {series}\" d=\"{d}\"><title>{series.ToUpperInvariant()} per interval</title></path>");
    }

    private static void Throughput(StringBuilder svg, ReportTimeline timeline, LinearScale x)
    {
        if (timeline.Points.Count == 0 || timeline.IntervalMs <= 0)
        {
            return;
        }

        var perSecond = 1000 / timeline.IntervalMs;
        var max = timeline.Points.Max(p => p.Count) * perSecond;
        svg.Append("<g class=\"lane throughput\">");
        foreach (var p in timeline.Points)
        {
            var rate = p.Count * perSecond;
            var x1 = x.Map(p.StartMs);
            var width = Math.Max(1, x.Map(p.StartMs + timeline.IntervalMs) - x1 - 0.6);
            var h = (LaneBottom - LaneTop - 4) * rate / max;
            svg.Append($"<rect class=\"bar\" x=\"{N(x1)}\" y=\"{N(LaneBottom - h)}\" width=\"{N(width)}\" height=\"{N(h)}\">");
            svg.Append($"<title>{Number(Math.Round(rate, 1))} requests/s from {Seconds(p.StartMs, 1)}</title></rect>");
        }

        svg.Append($"<text class=\"lane-max\" x=\"{N(Left + 4)}\" y=\"{N(LaneTop + 11)}\">max {Number(Math.Round(max))}/s</text>");
        svg.Append("</g>");
    }

    private static string Duration(double ms) => ms >= 1000 ? AxisMs(Math.Round(ms / 100) * 100) : Ms(ms);

    /// <summary>"gen2"; a pause whose GCStart was not in the trace (it began before the session, or the event was lost) has no generation.</summary>
    internal static string Generation(int generation) => generation < 0 ? "generation not in the trace" : "gen" + generation;
}
