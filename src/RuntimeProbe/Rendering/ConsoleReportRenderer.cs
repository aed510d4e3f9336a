using Spectre.Console;
using Spectre.Console.Rendering;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Reporting;
using static TailGuard.RuntimeProbe.Rendering.Formatting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// The report as Spectre.Console tables. Colours and box-drawing only when writing to a terminal; plain text (still tables)
/// when the output is redirected or a file. Whether the writer is a terminal, and its width, come from the writer: a
/// <see cref="TerminalWriter"/> is one (the tool's console seam hands standard output over so), any other writer is not.
/// </summary>
public sealed class ConsoleReportRenderer : IReportRenderer
{
    public string Format => OutputFormats.Console;

    public string FileExtension => ".txt";

    /// <summary>Forces ANSI colours on or off; by default on only for a terminal (a <see cref="TerminalWriter"/>).</summary>
    public bool? Ansi { get; init; }

    /// <summary>Width in columns when the writer is not a terminal; on a terminal, the terminal's.</summary>
    public int Width { get; init; } = 120;

    public void Render(Report report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        var terminal = writer as TerminalWriter;
        var ansi = Ansi ?? terminal is not null;
        var console = CreateConsole(writer, ansi, terminal?.Width ?? Width);

        console.Write(new Rule($"[bold]TailGuard[/] {Markup.Escape(TargetLine(report))}").LeftJustified());
        console.WriteLine($"Session {Ms(report.Session.DurationMs)} (ended by {report.Session.EndReason}), " +
                          $"{Number(report.Session.EventsProcessed)} events, {Number(report.Session.EventsLost)} lost, confidence {report.Session.Confidence}");
        foreach (var note in report.Session.Notes)
        {
            console.Write(new Text("! " + note + "\n", new Style(Color.Yellow)));
        }

        console.WriteLine();
        if (PoolHoldersSection.Leads(report))
        {
            PoolHoldersSection.Console(console, report);
        }

        var requests = NewTable($"Requests ({Number(report.Requests.Count)}, source {report.Requests.Source}; {ReportHeadline.Describe(report.Requests)})",
            "Endpoint", "Count", "P50", "P90", "P99", "P99.9", "Max");
        AddLatencyRow(requests, "all", report.Requests.Count, ReportHeadline.Latency(report.Requests));
        if (ReportHeadline.IsTotal(report.Requests))
        {
            AddLatencyRow(requests, "all, application only", report.Requests.Count, report.Requests.LatencyMs);
        }

        foreach (var e in report.Requests.Endpoints.Take(15))
        {
            AddLatencyRow(requests, e.Name, e.Count, ReportHeadline.Latency(e));
        }

        console.Write(requests);
        if (report.Requests.TotalLatencyNote is { } totalNote)
        {
            console.Write(new Text("! " + totalNote + "\n", new Style(Color.Yellow)));
        }
        var q = report.Requests.KestrelQueues;
        if (q.MaxConnectionQueueLength > 0 || q.MaxRequestQueueLength > 0)
        {
            console.Write(new Text($"Kestrel queued up to {Number(q.MaxConnectionQueueLength)} connections and {Number(q.MaxRequestQueueLength)} requests " +
                                   "waiting for a pool thread: clients waited longer than these timings show.\n", new Style(Color.Yellow)));
        }

        var tail = NewTable("Tail attribution: of the slowest 1% / 0.1%, the share that overlapped each cause (primary: each counted once, under the cause it overlapped longest)",
            "Tail", "Threshold", "Requests", "GC pause", "Starvation", "Contention", "Unexplained");
        foreach (var t in report.Tail)
        {
            tail.AddRow(Percentile(t.Percentile), Ms(t.ThresholdMs), Number(t.Requests), Percent(t.Share.GcPause),
                Percent(t.Share.ThreadPoolStarvation), Percent(t.Share.LockContention), Percent(t.Share.Unexplained));
            tail.AddRow("  primary", "", "", Percent(t.PrimaryShare.GcPause), Percent(t.PrimaryShare.ThreadPoolStarvation),
                Percent(t.PrimaryShare.LockContention), Percent(t.PrimaryShare.Unexplained));
        }

        console.Write(tail);
        if (report.Tail.Any(t => t.TimeShare is not null))
        {
            var time = NewTable("Tail by time: of the tail's time above the median, the share that was each cause",
                "Tail", "GC pause", "Queue wait", "Contention", "Blocking", "Unexplained", "Censored");
            foreach (var t in report.Tail.Where(t => t.TimeShare is not null))
            {
                var ts = t.TimeShare!;
                time.AddRow(Percentile(t.Percentile), Percent(ts.GcPause), Percent(ts.QueueWait), Percent(ts.LockContention),
                    Percent(ts.BlockingWait), Percent(ts.Unexplained), Number(t.Censored));
            }

            console.Write(time);
        }

        if (report.SlowestRequests.Count > 0)
        {
            var slow = NewTable("Slowest requests", "Start", "Duration", "Endpoint", "Causes");
            foreach (var r in report.SlowestRequests.Take(10))
            {
                slow.AddRow(new Text(Ms(r.StartMs)), new Text(Ms(r.DurationMs)), new Text(r.Endpoint), new Text(Causes(r)));
            }

            console.Write(slow);
        }

        var runtime = NewTable("Runtime", "What", "Figure");
        runtime.AddRow("GC pauses", $"{report.Gc.PauseCount}, total {Ms(report.Gc.TotalPauseMs)}, max {Ms(report.Gc.MaxPauseMs)}");
        foreach (var g in report.Gc.ByGeneration)
        {
            runtime.AddRow($"  {(g.Generation < 0 ? "unknown" : "gen" + g.Generation)}", $"{g.PauseCount}, total {Ms(g.TotalPauseMs)}, max {Ms(g.MaxPauseMs)}");
        }

        runtime.AddRow("Starvation episodes", report.ThreadPool.StarvationEpisodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var e in report.ThreadPool.StarvationEpisodes.Take(10))
        {
            runtime.AddRow("", $"{Ms(e.StartMs)} to {Ms(e.EndMs)}, {e.ThreadsInjected} thread(s) injected{(e.Ongoing ? ", ongoing" : "")}");
        }

        runtime.AddRow("Pool threads / queue", $"max {report.ThreadPool.MaxThreadCount} / max {Number(report.ThreadPool.MaxQueueLength)}");
        if (report.ThreadPool.SchedulingDelayMs is { } delay && report.ThreadPool.WorkItems is { } items)
        {
            runtime.AddRow("Scheduling delay", $"P50 {Ms(delay.P50)}, P99 {Ms(delay.P99)}, P99.9 {Ms(delay.P999)}, max {Ms(delay.Max)}");
            runtime.AddRow("", $"{Number(items.Paired)} work items paired, {Number(items.UnpairedEnqueues + items.UnpairedDequeues)} unpaired, " +
                               $"{Number(items.QueuedAtEnd)} queued at the end");
        }

        runtime.AddRow("Lock contention", $"{Number(report.Contention.Count)} waits, total {Ms(report.Contention.TotalWaitMs)}, max {Ms(report.Contention.MaxWaitMs)}");
        console.Write(runtime);

        if (report.BlockingSites.Count > 0)
        {
            var sites = NewTable("Blocking call sites", "Method", "Blocking call", "Waits", "Rule");
            foreach (var s in report.BlockingSites)
            {
                sites.AddRow(new Text(s.Frame), new Text(s.BlockingCall ?? "–"), new Text(Number(s.Count)), new Text(s.Rule ?? s.Note ?? ""));
            }

            console.Write(sites);
        }

        if (!PoolHoldersSection.Leads(report))
        {
            PoolHoldersSection.Console(console, report);
        }

        foreach (var r in report.Recommendations)
        {
            console.Write(new Text("* " + r.Text + "\n"));
        }

        if (report.Slo.Rules.Count > 0)
        {
            console.WriteLine();
            foreach (var r in report.Slo.Rules)
            {
                console.Write(new Text($"SLO {r.Rule}: actual {Ms(r.ActualMs)}, {(r.Passed ? "pass" : "FAIL")}\n",
                    new Style(r.Passed ? Color.Green : Color.Red)));
            }

            console.Write(new Text($"SLO {(report.Slo.Passed ? "passed" : "VIOLATED")}\n", new Style(report.Slo.Passed ? Color.Green : Color.Red, decoration: Decoration.Bold)));
        }
    }

    internal static IAnsiConsole CreateConsole(TextWriter writer, bool ansi, int width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Set even with colours: Spectre.Console would measure the global console, and the writer knows better.
        console.Profile.Width = width;
        if (!ansi)
        {
            console.Profile.Capabilities.Unicode = false;
        }

        return console;
    }

    private static Table NewTable(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        }

        return table;
    }

    private static void AddLatencyRow(Table table, string name, long count, LatencySummary l) =>
        table.AddRow(new IRenderable[]
        {
            new Text(name), new Text(Number(count)), new Text(Ms(l.P50)), new Text(Ms(l.P90)), new Text(Ms(l.P99)),
            new Text(Ms(l.P999)), new Text(Ms(l.Max)),
        });
}
