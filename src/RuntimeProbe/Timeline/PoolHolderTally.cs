using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// Busy pool-thread time per holder (site, blocking call, state, source line), kept per slice of time so that the report can
/// tell which share of it fell inside starvation episodes and inside the slowest requests, once both are known. At most
/// <c>maxSites</c> distinct holders; time past that still counts in the busy total.
/// </summary>
internal sealed class PoolHolderTally(int maxSites)
{
    private readonly Dictionary<HolderKey, HolderTime> _holders = [];
    private readonly List<(double StartMs, double SliceMs, double ThreadMs)> _busy = [];
    private readonly Dictionary<string, MonopolizingRuns> _monopolizing = [];

    public IReadOnlyDictionary<HolderKey, HolderTime> Holders => _holders;

    /// <summary>All busy pool-thread time per slice (also that of framework-only stacks and of holders past the limit).</summary>
    public IReadOnlyList<(double StartMs, double SliceMs, double ThreadMs)> Busy => _busy;

    public IReadOnlyDictionary<string, MonopolizingRuns> Monopolizing => _monopolizing;

    public bool Seen => _busy.Count > 0;

    public void On(PoolThreadTime s)
    {
        _busy.Add((s.TimestampMs, s.SliceMs, s.ThreadMs));
        if (s.Site is null)
        {
            return;
        }

        var key = new HolderKey(s.Site, s.Call, s.Running);
        if (!_holders.TryGetValue(key, out var time))
        {
            if (_holders.Count >= maxSites)
            {
                return;
            }

            time = new HolderTime();
            _holders[key] = time;
        }

        time.ThreadMs += s.ThreadMs;
        time.Samples += s.Samples;
        var line = new HolderLine(s.File, s.Line, s.NoLineReason);
        time.Lines[line] = time.Lines.GetValueOrDefault(line) + s.ThreadMs;
        time.Slices.Add((s.TimestampMs, s.SliceMs, s.ThreadMs));
    }

    public void On(MonopolizingWorkItem s)
    {
        var key = s.Site;
        if (!_monopolizing.TryGetValue(key, out var runs))
        {
            if (_monopolizing.Count >= maxSites)
            {
                return;
            }

            runs = new MonopolizingRuns();
            _monopolizing[key] = runs;
        }

        runs.Count++;
        runs.TotalMs += s.DurationMs;
        runs.MaxMs = Math.Max(runs.MaxMs, s.DurationMs);
        var line = new HolderLine(s.File, s.Line, null);
        runs.Lines[line] = runs.Lines.GetValueOrDefault(line) + s.DurationMs;
    }
}

/// <summary>A holder: the user's method, the blocking API it was in, and whether it ran. Its lines are kept apart (a loop's
/// samples land on several lines of one site).</summary>
internal readonly record struct HolderKey(string Site, string? Call, bool Running);

/// <summary>A source line of a holder, or why it has none.</summary>
internal readonly record struct HolderLine(string? File, int? Line, string? NoLineReason);

internal sealed class HolderTime
{
    public double ThreadMs;
    public long Samples;
    public readonly List<(double StartMs, double SliceMs, double ThreadMs)> Slices = [];

    /// <summary>Time per source line.</summary>
    public readonly Dictionary<HolderLine, double> Lines = [];

    /// <summary>The line that held the most time.</summary>
    public HolderLine Line => Lines.Count == 0 ? default : Lines.MaxBy(l => l.Value).Key;
}

internal sealed class MonopolizingRuns
{
    public long Count;
    public double TotalMs;
    public double MaxMs;
    public readonly Dictionary<HolderLine, double> Lines = [];

    public HolderLine Line => Lines.Count == 0 ? default : Lines.MaxBy(l => l.Value).Key;
}
