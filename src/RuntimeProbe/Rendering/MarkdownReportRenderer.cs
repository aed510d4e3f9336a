using TailGuard.Output;
using TailGuard.RuntimeProbe.Reporting;
using static TailGuard.RuntimeProbe.Rendering.Formatting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>The report as GitHub-flavoured Markdown, for pull-request comments and CI summaries.</summary>
public sealed class MarkdownReportRenderer : IReportRenderer
{
    public string Format => OutputFormats.Markdown;

    public string FileExtension => ".md";

    public void Render(Report report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        var w = writer;
        w.WriteLine("# TailGuard report");
        w.WriteLine();
        w.WriteLine($"**Target:** {Escape(TargetLine(report))}  ");
        w.WriteLine($"**Session:** {Ms(report.Session.DurationMs)}, ended by {report.Session.EndReason}, " +
                    $"{Number(report.Session.EventsProcessed)} events, {Number(report.Session.EventsLost)} lost, confidence {report.Session.Confidence}");
        foreach (var note in report.Session.Notes)
        {
            w.WriteLine();
            w.WriteLine($"> {Escape(note)}");
        }

        if (PoolHoldersSection.Leads(report))
        {
            PoolHoldersSection.Markdown(w, report);
        }

        w.WriteLine();
        w.WriteLine("## Requests");
        w.WriteLine();
        w.WriteLine($"{Number(report.Requests.Count)} requests (source: {report.Requests.Source}).");
        if (ReportHeadline.IsTotal(report.Requests))
        {
            w.WriteLine($"Figures are {ReportHeadline.Describe(report.Requests)}.");
        }

        if (report.Requests.TotalLatencyNote is { } totalNote)
        {
            w.WriteLine();
            w.WriteLine($"> {Escape(totalNote)}");
        }

        w.WriteLine();
        w.WriteLine("| Endpoint | Count | P50 | P90 | P99 | P99.9 | Max |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Row("**all**", report.Requests.Count, ReportHeadline.Latency(report.Requests));
        if (ReportHeadline.IsTotal(report.Requests))
        {
            Row("all, application only", report.Requests.Count, report.Requests.LatencyMs);
        }

        foreach (var e in report.Requests.Endpoints)
        {
            Row(Escape(e.Name), e.Count, ReportHeadline.Latency(e));
        }

        var q = report.Requests.KestrelQueues;
        if (q.MaxConnectionQueueLength > 0 || q.MaxRequestQueueLength > 0)
        {
            w.WriteLine();
            w.WriteLine($"Kestrel queued up to {Number(q.MaxConnectionQueueLength)} connections and {Number(q.MaxRequestQueueLength)} requests " +
                        "waiting for a thread-pool thread: clients waited longer than these application-side timings show.");
        }

        w.WriteLine();
        w.WriteLine("## Tail attribution");
        w.WriteLine();
        w.WriteLine("Of the slowest 1% (P99) and 0.1% (P99.9) of the requests, the share that overlapped each cause; " +
                    "*primary* counts each request once, under the cause it overlapped longest.");
        w.WriteLine();
        w.WriteLine("| Tail | Threshold | Requests | GC pause | Starvation | Contention | Unexplained |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var t in report.Tail)
        {
            w.WriteLine($"| {Percentile(t.Percentile)} | {Ms(t.ThresholdMs)} | {Number(t.Requests)} | {Percent(t.Share.GcPause)} | " +
                        $"{Percent(t.Share.ThreadPoolStarvation)} | {Percent(t.Share.LockContention)} | {Percent(t.Share.Unexplained)} |");
            w.WriteLine($"| {Percentile(t.Percentile)} primary | | | {Percent(t.PrimaryShare.GcPause)} | " +
                        $"{Percent(t.PrimaryShare.ThreadPoolStarvation)} | {Percent(t.PrimaryShare.LockContention)} | {Percent(t.PrimaryShare.Unexplained)} |");
        }

        if (report.Tail.Any(t => t.TimeShare is not null))
        {
            w.WriteLine();
            w.WriteLine("By time: of the tail's time above the median, the share that was each cause (censored: requests still in flight at the end, counted at their age).");
            w.WriteLine();
            w.WriteLine("| Tail | GC pause | Queue wait | Contention | Blocking | Unexplained | Censored |");
            w.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var t in report.Tail.Where(t => t.TimeShare is not null))
            {
                var ts = t.TimeShare!;
                w.WriteLine($"| {Percentile(t.Percentile)} | {Percent(ts.GcPause)} | {Percent(ts.QueueWait)} | {Percent(ts.LockContention)} | " +
                            $"{Percent(ts.BlockingWait)} | {Percent(ts.Unexplained)} | {Number(t.Censored)} |");
            }
        }

        if (report.SlowestRequests.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("### Slowest requests");
            w.WriteLine();
            w.WriteLine("| Start | Duration | Endpoint | Causes |");
            w.WriteLine("|---:|---:|---|---|");
            foreach (var r in report.SlowestRequests.Take(10))
            {
                w.WriteLine($"| {Ms(r.StartMs)} | {Ms(r.DurationMs)} | {Escape(r.Endpoint)} | {Causes(r)} |");
            }
        }

        w.WriteLine();
        w.WriteLine("## GC pauses");
        w.WriteLine();
        w.WriteLine($"{report.Gc.PauseCount} pauses, {Ms(report.Gc.TotalPauseMs)} in total, max {Ms(report.Gc.MaxPauseMs)}.");
        if (report.Gc.ByGeneration.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("| Generation | Pauses | Total | Max |");
            w.WriteLine("|---|---:|---:|---:|");
            foreach (var g in report.Gc.ByGeneration)
            {
                w.WriteLine($"| {(g.Generation < 0 ? "unknown" : "gen" + g.Generation)} | {g.PauseCount} | {Ms(g.TotalPauseMs)} | {Ms(g.MaxPauseMs)} |");
            }
        }

        w.WriteLine();
        w.WriteLine("## Thread pool");
        w.WriteLine();
        w.WriteLine($"Max threads {report.ThreadPool.MaxThreadCount}, max queue length {Number(report.ThreadPool.MaxQueueLength)}, " +
                    $"{report.ThreadPool.StarvationEpisodes.Count} starvation episode(s).");
        if (report.ThreadPool.SchedulingDelayMs is { } delay && report.ThreadPool.WorkItems is { } items)
        {
            w.WriteLine();
            w.WriteLine($"Scheduling delay (a work item's wait for a pool thread): P50 {Ms(delay.P50)}, P90 {Ms(delay.P90)}, P99 {Ms(delay.P99)}, " +
                        $"P99.9 {Ms(delay.P999)}, max {Ms(delay.Max)}; {Number(items.Paired)} work items paired, " +
                        $"{Number(items.UnpairedEnqueues + items.UnpairedDequeues)} unpaired, {Number(items.QueuedAtEnd)} queued at the end.");
            w.WriteLine();
        }

        foreach (var e in report.ThreadPool.StarvationEpisodes)
        {
            w.WriteLine($"- {Ms(e.StartMs)} to {Ms(e.EndMs)}: {e.ThreadsInjected} thread(s) injected{(e.Ongoing ? " (still going on at the end)" : "")}");
        }

        w.WriteLine();
        w.WriteLine("## Lock contention");
        w.WriteLine();
        w.WriteLine($"{Number(report.Contention.Count)} waits, {Ms(report.Contention.TotalWaitMs)} in total, max {Ms(report.Contention.MaxWaitMs)}.");

        if (report.BlockingSites.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("## Blocking call sites");
            w.WriteLine();
            w.WriteLine("| Method | Blocking call | Waits | Rule |");
            w.WriteLine("|---|---|---:|---|");
            foreach (var s in report.BlockingSites)
            {
                w.WriteLine($"| {Code(s.Frame)} | {(s.BlockingCall is null ? "–" : Code(s.BlockingCall))} | {s.Count} | {s.Rule ?? "–"} |");
            }

            var notes = report.BlockingSites.Where(s => s.Note is not null).ToList();
            if (notes.Count > 0)
            {
                w.WriteLine();
                foreach (var s in notes)
                {
                    w.WriteLine($"- {Code(s.Frame)}: {Escape(s.Note!)}");
                }
            }
        }

        if (!PoolHoldersSection.Leads(report))
        {
            PoolHoldersSection.Markdown(w, report);
        }

        if (report.Recommendations.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("## Recommendations");
            w.WriteLine();
            foreach (var r in report.Recommendations)
            {
                w.WriteLine($"- {Escape(r.Text)}");
            }
        }

        if (report.Slo.Rules.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"## SLO: {(report.Slo.Passed ? "passed" : "VIOLATED")}");
            w.WriteLine();
            w.WriteLine("| Rule | Actual | Result |");
            w.WriteLine("|---|---:|---|");
            foreach (var r in report.Slo.Rules)
            {
                w.WriteLine($"| `{r.Rule}` | {Ms(r.ActualMs)} | {(r.Passed ? "pass" : "**fail**")} |");
            }
        }

        void Row(string name, long count, LatencySummary l) =>
            w.WriteLine($"| {name} | {Number(count)} | {Ms(l.P50)} | {Ms(l.P90)} | {Ms(l.P99)} | {Ms(l.P999)} | {Ms(l.Max)} |");
    }

    /// <summary>Request paths are attacker-controlled: keep them from breaking the table or injecting markup.</summary>
    // A frame or API name as code: a backtick would end the span and a bar the table cell.
    private static string Code(string text) =>
        $"`{text.Replace("`", "'", StringComparison.Ordinal).Replace("|", "/", StringComparison.Ordinal)}`";

    internal static string Escape(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("`", "\\`", StringComparison.Ordinal)
        .Replace("*", "\\*", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal)
        .Replace("[", "\\[", StringComparison.Ordinal)
        .Replace("\r", " ", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal);
}
