using System.Text;
using Spectre.Console;
using TailGuard.RuntimeProbe.Reporting;
using static TailGuard.RuntimeProbe.Rendering.Formatting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// The pool holders and monopolizing work items, in each text format. When the pool starved, this is the report's first
/// table ("the pool starved: who held its threads?"); otherwise it follows the blocking call sites.
/// </summary>
internal static class PoolHoldersSection
{
    private const int MaxRows = 10;

    /// <summary>Whether the holders lead the report: an episode happened and the threads were sampled.</summary>
    public static bool Leads(Report report) => report.ThreadPool.StarvationEpisodes.Count > 0 && report.PoolHolders.Count > 0;

    private static string Title(Report report) => report.ThreadPool.StarvationEpisodes.Count > 0
        ? "The pool starved: who held its threads (sampled pool-thread time)"
        : "Who held the pool's threads (sampled pool-thread time)";

    public static string Where(string? file, int? line) =>
        file is null ? "–" : Path.GetFileName(file) + (line is { } l ? ":" + l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");

    private static string How(ReportPoolHolder h) => h.State == PoolHoldersReport.Running
        ? "running" + (h.Call is null ? "" : " in " + h.Call)
        : "blocked" + (h.Call is null ? "" : " in " + h.Call);

    public static void Console(IAnsiConsole console, Report report)
    {
        if (report.PoolHolders.Count > 0)
        {
            var table = new Table { Title = new TableTitle(Markup.Escape(Title(report))), Border = TableBorder.Rounded };
            foreach (var c in new[] { "Method", "Where", "How", "Thread time", "In starvation", "Share of starved", "Rule" })
            {
                table.AddColumn(new TableColumn(Markup.Escape(c)));
            }

            foreach (var h in report.PoolHolders.Take(MaxRows))
            {
                table.AddRow(new Text(h.Method), new Text(Where(h.File, h.Line)), new Text(How(h)), new Text(Ms(h.ThreadMs)),
                    new Text(Ms(h.ThreadMsInStarvation)), new Text(Percent(h.ShareOfStarvedPoolTime)), new Text(Rule(h)));
            }

            console.Write(table);
        }

        if (report.MonopolizingWorkItems.Count > 0)
        {
            var table = new Table { Title = new TableTitle(Markup.Escape(MonopolizingTitle(report))), Border = TableBorder.Rounded };
            foreach (var c in new[] { "Method", "Where", "Work items", "Total", "Longest" })
            {
                table.AddColumn(new TableColumn(Markup.Escape(c)));
            }

            foreach (var m in report.MonopolizingWorkItems.Take(MaxRows))
            {
                table.AddRow(new Text(m.Method), new Text(Where(m.File, m.Line)), new Text(Number(m.Count)), new Text(Ms(m.TotalMs)), new Text(Ms(m.MaxMs)));
            }

            console.Write(table);
        }
    }

    public static void Markdown(TextWriter w, Report report)
    {
        if (report.PoolHolders.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("## " + Title(report));
            w.WriteLine();
            w.WriteLine("| Method | Where | How | Thread time | In starvation | Share of starved | Rule |");
            w.WriteLine("|---|---|---|---:|---:|---:|---|");
            foreach (var h in report.PoolHolders.Take(MaxRows))
            {
                w.WriteLine($"| {Code(h.Method)} | {Code(Where(h.File, h.Line))} | {MarkdownReportRenderer.Escape(How(h))} | {Ms(h.ThreadMs)} | " +
                            $"{Ms(h.ThreadMsInStarvation)} | {Percent(h.ShareOfStarvedPoolTime)} | {MarkdownReportRenderer.Escape(Rule(h))} |");
            }
        }

        if (report.MonopolizingWorkItems.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("## " + MonopolizingTitle(report));
            w.WriteLine();
            w.WriteLine("| Method | Where | Work items | Total | Longest |");
            w.WriteLine("|---|---|---:|---:|---:|");
            foreach (var m in report.MonopolizingWorkItems.Take(MaxRows))
            {
                w.WriteLine($"| {Code(m.Method)} | {Code(Where(m.File, m.Line))} | {Number(m.Count)} | {Ms(m.TotalMs)} | {Ms(m.MaxMs)} |");
            }
        }
    }

    public static void Html(StringBuilder h, Report report)
    {
        if (report.PoolHolders.Count == 0 && report.MonopolizingWorkItems.Count == 0)
        {
            return;
        }

        var e = (Func<string?, string>)Rendering.Html.Html.Escape;
        h.Append($"<section class=\"card\" id=\"pool-holders\"><h2>{e(Title(report))}</h2>");
        h.Append("<p class=\"caption\">Busy pool threads, sampled about every millisecond in a session of their own: the method that " +
                 "held each thread, its source line, whether it was blocked (in which API) or running, for how long, and its share of " +
                 "the busy pool time inside starvation episodes.</p>");
        h.Append("<table class=\"sites\"><thead><tr><th>Method</th><th>Where</th><th>How</th><th class=\"num\">Thread time</th>" +
                 "<th class=\"num\">In starvation</th><th class=\"num\">Share of starved</th><th>Rule</th></tr></thead><tbody>");
        foreach (var p in report.PoolHolders.Take(MaxRows))
        {
            h.Append($"<tr><td class=\"frame\"><code>{e(p.Method)}</code></td><td><code>{e(Where(p.File, p.Line))}</code></td>" +
                     $"<td>{e(How(p))}</td><td class=\"num\">{e(Ms(p.ThreadMs))}</td><td class=\"num\">{e(Ms(p.ThreadMsInStarvation))}</td>" +
                     $"<td class=\"num\">{e(Percent(p.ShareOfStarvedPoolTime))}</td>" +
                     $"<td>{string.Join(" ", p.CompileTime.Select(f => Rendering.Html.Html.RuleLink(f.RuleId)).DefaultIfEmpty(p.Rule is null ? "–" : Rendering.Html.Html.RuleLink(p.Rule)))}</td></tr>");
        }

        h.Append("</tbody></table>");
        if (report.MonopolizingWorkItems.Count > 0)
        {
            h.Append($"<h3>{e(MonopolizingTitle(report))}</h3><table class=\"sites\"><thead><tr><th>Method</th><th>Where</th>" +
                     "<th class=\"num\">Work items</th><th class=\"num\">Total</th><th class=\"num\">Longest</th></tr></thead><tbody>");
            foreach (var m in report.MonopolizingWorkItems.Take(MaxRows))
            {
                h.Append($"<tr><td class=\"frame\"><code>{e(m.Method)}</code></td><td><code>{e(Where(m.File, m.Line))}</code></td>" +
                         $"<td class=\"num\">{e(Number(m.Count))}</td><td class=\"num\">{e(Ms(m.TotalMs))}</td><td class=\"num\">{e(Ms(m.MaxMs))}</td></tr>");
            }

            h.Append("</tbody></table>");
        }

        h.Append("</section>");
    }

    private static string MonopolizingTitle(Report report) =>
        $"Work items that held a pool thread {Ms(report.MonopolizingWorkItems[0].ThresholdMs)} or longer without returning to the pool";

    /// <summary>The matched build findings when <c>--sarif</c> linked any, else the rule for the pattern.</summary>
    private static string Rule(ReportPoolHolder h) =>
        h.CompileTime.Count > 0 ? string.Join(", ", h.CompileTime.Select(f => f.RuleId + (f.Line is { } l ? $" (line {l})" : "")))
        : h.Rule ?? "–";

    private static string Code(string text) =>
        $"`{text.Replace("`", "'", StringComparison.Ordinal).Replace("|", "/", StringComparison.Ordinal)}`";
}
