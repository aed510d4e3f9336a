using TailGuard.RuntimeProbe.Events;

namespace TailGuard.Monitor;

/// <summary>
/// Evaluates the triggers over their rolling windows, every second of the monitor's time and at each window's end, from the
/// same measurements the metrics get. A trigger fires when it starts to hold (edge-triggered): one starvation episode, or
/// one bad stretch of P99, fires once however many seconds and windows it lasts. Times are the monitor's milliseconds: the
/// stream's time plus the offset of the session that carries it (a new session per window restarts stream time at 0).
/// Memory is bounded: at most <see cref="MaxRequests"/> latencies are held for the percentile.
/// </summary>
public sealed class TriggerEvaluator(IReadOnlyList<TriggerRule> rules) : IMeasurementListener
{
    public const int MaxRequests = 200_000;
    private const double MinRequestsForPercentile = 20;

    private readonly Queue<(double EndMs, double LatencyMs)> _requests = new();
    private readonly Queue<(double EndMs, double DurationMs)> _pauses = new();
    private readonly Queue<double> _episodes = new();
    private readonly bool[] _holding = new bool[rules.Count];
    private readonly List<TriggerRule> _fired = [];
    private readonly double _longestRollingMs = rules.Count == 0 ? 0 : rules.Max(r => r.RollingMs);
    private double _offsetMs;
    private double _nextEvaluationMs;

    public IReadOnlyList<TriggerRule> Rules => rules;

    /// <summary>A session starts at <paramref name="offsetMs"/> of the monitor's time: its stream time 0.</summary>
    public void SessionStarted(double offsetMs) => _offsetMs = offsetMs;

    /// <summary>The triggers that fired since the last call, once each.</summary>
    public IReadOnlyList<TriggerRule> TakeFired()
    {
        var fired = _fired.ToArray();
        _fired.Clear();
        return fired;
    }

    /// <summary>Evaluates every trigger at <paramref name="nowMs"/> (the monitor's time).</summary>
    public void Evaluate(double nowMs)
    {
        _nextEvaluationMs = nowMs + 1_000;
        Trim(nowMs);
        for (var i = 0; i < rules.Count; i++)
        {
            var holds = Holds(rules[i], nowMs);
            if (holds && !_holding[i])
            {
                _fired.Add(rules[i]);
            }

            _holding[i] = holds;
        }
    }

    private bool Holds(TriggerRule rule, double nowMs)
    {
        var since = nowMs - rule.RollingMs;
        switch (rule.Kind)
        {
            case TriggerKind.Starvation:
                return _episodes.Any(end => end >= since);
            case TriggerKind.GcPause:
                return _pauses.Any(p => p.EndMs >= since && p.DurationMs > rule.ThresholdMs);
            default:
                var latencies = _requests.Where(r => r.EndMs >= since).Select(r => r.LatencyMs).ToArray();
                if (latencies.Length < MinRequestsForPercentile)
                {
                    return false;
                }

                Array.Sort(latencies);
                var at = latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(rule.Percentile / 100 * latencies.Length) - 1)];
                return at > rule.ThresholdMs;
        }
    }

    private void Trim(double nowMs)
    {
        var horizon = nowMs - _longestRollingMs;
        while (_requests.TryPeek(out var r) && r.EndMs < horizon)
        {
            _requests.Dequeue();
        }

        while (_pauses.TryPeek(out var p) && p.EndMs < horizon)
        {
            _pauses.Dequeue();
        }

        while (_episodes.TryPeek(out var e) && e < horizon)
        {
            _episodes.Dequeue();
        }
    }

    private void Tick(double streamMs)
    {
        var now = _offsetMs + streamMs;
        if (now >= _nextEvaluationMs)
        {
            Evaluate(now);
        }
    }

    public void GcPause(double startMs, double durationMs, int generation, string type, string reason)
    {
        if (rules.Any(r => r.Kind == TriggerKind.GcPause))
        {
            _pauses.Enqueue((_offsetMs + startMs + durationMs, durationMs));
        }

        Tick(startMs + durationMs);
    }

    public void SchedulingDelay(double dequeuedMs, double delayMs) => Tick(dequeuedMs);

    public void RequestCompleted(double endMs, string endpoint, double applicationMs, double? totalMs)
    {
        if (rules.Any(r => r.Kind == TriggerKind.Percentile))
        {
            if (_requests.Count >= MaxRequests)
            {
                _requests.Dequeue();
            }

            _requests.Enqueue((_offsetMs + endMs, totalMs ?? applicationMs));
        }

        Tick(endMs);
    }

    public void StarvationEpisode(double startMs, double endMs, bool ongoing)
    {
        _episodes.Enqueue(_offsetMs + endMs);
        Tick(endMs);
    }

    public void BlockingWait(string site, string? blockingCall, long count)
    {
    }
}
