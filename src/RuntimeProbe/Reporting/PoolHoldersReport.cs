using TailGuard.RuntimeProbe.Rules;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// The report's pool holders from the sampled pool-thread time: per holder, its time over the session, inside the starvation
/// episodes and inside the slowest requests, and its share of the busy pool time in the episodes; the blocking sites gain the
/// source line the samples resolved for the same method.
/// </summary>
internal static class PoolHoldersReport
{
    public const string Blocked = "blocked";
    public const string Running = "running";

    /// <summary>The most holders the report lists.</summary>
    private const int MaxListed = 20;

    /// <summary>The threshold of <see cref="ReportMonopolizingSite"/>, as the samples' collector applies it.</summary>
    public const double MonopolizingThresholdMs = 50;

    public static Report With(Report report, PoolHolderTally tally)
    {
        if (!tally.Seen)
        {
            return report;
        }

        var episodes = report.ThreadPool.StarvationEpisodes.Select(e => (e.StartMs, e.EndMs)).OrderBy(e => e.StartMs).ToList();
        var slowest = report.SlowestRequests.Select(r => (r.StartMs, EndMs: r.StartMs + r.DurationMs)).OrderBy(r => r.StartMs).ToList();
        var busy = tally.Busy.Sum(s => s.ThreadMs);
        var starved = tally.Busy.Sum(s => Within(s, episodes));
        var holders = tally.Holders
            .Select(h =>
            {
                var inStarvation = h.Value.Slices.Sum(s => Within(s, episodes));
                return new ReportPoolHolder
                {
                    Method = h.Key.Site,
                    File = h.Value.Line.File,
                    Line = h.Value.Line.Line,
                    State = h.Key.Running ? Running : Blocked,
                    Call = h.Key.Call,
                    Rule = PoolHolderRules.RuleFor(h.Key.Call),
                    ThreadMs = Milliseconds.Round(h.Value.ThreadMs),
                    ThreadMsInStarvation = Milliseconds.Round(inStarvation),
                    ShareOfStarvedPoolTime = starved > 0 ? Math.Round(inStarvation / starved, 4) : 0,
                    ThreadMsInSlowestRequests = Milliseconds.Round(h.Value.Slices.Sum(s => Within(s, slowest))),
                    ShareOfPoolTime = busy > 0 ? Math.Round(h.Value.ThreadMs / busy, 4) : 0,
                    Samples = h.Value.Samples,
                    NoLineReason = h.Value.Line.NoLineReason,
                };
            })
            // Inside episodes first when there were any: the answer to "the pool starved: who held its threads?".
            .OrderByDescending(h => h.ThreadMsInStarvation)
            .ThenByDescending(h => h.ThreadMs)
            .Take(MaxListed)
            .ToList();

        var monopolizing = tally.Monopolizing
            .Select(m => new ReportMonopolizingSite
            {
                Method = m.Key,
                File = m.Value.Line.File,
                Line = m.Value.Line.Line,
                Count = m.Value.Count,
                TotalMs = Milliseconds.Round(m.Value.TotalMs),
                MaxMs = Milliseconds.Round(m.Value.MaxMs),
                ThresholdMs = MonopolizingThresholdMs,
            })
            .OrderByDescending(m => m.TotalMs)
            .Take(MaxListed)
            .ToList();

        return report with
        {
            PoolHolders = holders,
            MonopolizingWorkItems = monopolizing,
            BlockingSites = report.BlockingSites.Select(b => WithLine(b, holders)).ToList(),
        };
    }

    /// <summary>A blocking site takes the line of the blocked holder of the same method that held the most time.</summary>
    private static ReportBlockingSite WithLine(ReportBlockingSite site, List<ReportPoolHolder> holders) =>
        holders.Where(h => h.Method == site.Frame && h.File is not null && h.State == Blocked).MaxBy(h => h.ThreadMs) is { } holder
            ? site with { File = holder.File, Line = holder.Line }
            : site;

    /// <summary>The part of a slice's time that falls inside the sorted windows (a slice's time taken as spread evenly over it).</summary>
    private static double Within((double StartMs, double SliceMs, double ThreadMs) slice, List<(double StartMs, double EndMs)> windows)
    {
        var end = slice.StartMs + slice.SliceMs;
        var covered = 0.0;
        foreach (var (start, stop) in windows)
        {
            if (start >= end)
            {
                break;
            }

            covered += Math.Max(0, Math.Min(stop, end) - Math.Max(start, slice.StartMs));
        }

        return slice.SliceMs <= 0 ? 0 : slice.ThreadMs * Math.Min(1, covered / slice.SliceMs);
    }
}
