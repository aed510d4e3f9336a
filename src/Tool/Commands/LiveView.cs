using System.Globalization;
using Spectre.Console;
using TailGuard.RuntimeProbe;

namespace TailGuard.Tool.Commands;

/// <summary>
/// The live view while a session runs: a Spectre.Console table refreshed every second on a terminal, or one plain line every
/// few seconds when the output is redirected (or the report itself goes to standard output).
/// </summary>
internal static class LiveView
{
    public static async Task RunAsync(IProbeConsole console, Correlator correlator, Task until, bool onTerminal, string banner)
    {
        if (onTerminal)
        {
            var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out) });
            ansi.MarkupLine($"[grey]{Markup.Escape(banner)}[/]");
            await ansi.Live(Render(correlator.Snapshot())).AutoClear(false).StartAsync(async context =>
            {
                while (!until.IsCompleted)
                {
                    await Task.WhenAny(until, Task.Delay(1000)).ConfigureAwait(false);
                    context.UpdateTarget(Render(correlator.Snapshot()));
                }
            }).ConfigureAwait(false);
            return;
        }

        var writer = console.Error;
        await writer.WriteLineAsync(banner).ConfigureAwait(false);
        while (!until.IsCompleted)
        {
            await Task.WhenAny(until, Task.Delay(5000)).ConfigureAwait(false);
            await writer.WriteLineAsync(Line(correlator.Snapshot())).ConfigureAwait(false);
        }
    }

    internal static string Line(LiveSnapshot s) => string.Create(CultureInfo.InvariantCulture,
        $"[{s.TimeMs / 1000,6:0.0}s] {s.RequestsPerSecond,7:0.#} req/s  {(s.TotalLatency ? "total " : "")}P50 {s.P50Ms:0.##} ms  P99 {s.P99Ms:0.##} ms  P99.9 {s.P999Ms:0.##} ms  " +
        $"GC {s.GcPauseCount} pauses {s.GcTotalPauseMs:0.#} ms (max {s.GcMaxPauseMs:0.#} ms)  pool {s.ThreadCount} threads, queue {s.QueueLength:0}  " +
        $"{(s.Starving ? "STARVING" : "no starvation")} ({s.StarvationEpisodes} episodes)  contention {s.ContentionCount}  " +
        $"sched P99 {s.SchedulingDelayP99Ms:0.##} ms (max {s.SchedulingDelayMaxMs:0.#} ms, {s.QueuedWorkItems} queued)");

    private static Table Render(LiveSnapshot s)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle($"TailGuard live ({s.TimeMs / 1000:0}s, {s.EventsProcessed:N0} events)") };
        table.AddColumn("Requests/s");
        // The total latency (the wait for a pool thread included) when the work-item events are seen.
        var kind = s.TotalLatency ? "Total " : "";
        table.AddColumn(kind + "P50");
        table.AddColumn(kind + "P99");
        table.AddColumn(kind + "P99.9");
        table.AddColumn("GC pauses");
        table.AddColumn("Pool threads / queue");
        table.AddColumn("Starvation");
        table.AddColumn("Contention");
        table.AddColumn("Sched. delay P99 / max");
        table.AddRow(
            s.RequestsPerSecond.ToString("0.#", CultureInfo.InvariantCulture),
            Ms(s.P50Ms),
            Ms(s.P99Ms),
            Ms(s.P999Ms),
            $"{s.GcPauseCount}, {Ms(s.GcTotalPauseMs)} (max {Ms(s.GcMaxPauseMs)})",
            $"{s.ThreadCount} / {s.QueueLength:0}",
            s.Starving ? "[red bold]STARVING[/]" : $"[green]no[/] ({s.StarvationEpisodes} episodes)",
            s.ContentionCount.ToString(CultureInfo.InvariantCulture),
            $"{Ms(s.SchedulingDelayP99Ms)} / {Ms(s.SchedulingDelayMaxMs)}");
        return table;
    }

    private static string Ms(double ms) => ms.ToString("0.##", CultureInfo.InvariantCulture) + " ms";
}
