using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.Monitor;

/// <summary>
/// The monitor's instruments, fed by the trackers' measurements (<see cref="IMeasurementListener"/>) as they are made.
/// Histograms and counters are cumulative over the monitor's life (the SDK aggregates; nothing here resets them); only the
/// tail-share gauge is per window. Every measurement carries the target's pid, so the series of two lifetimes of a
/// restarted target stay apart. The SDK's <see cref="MeterProvider"/> (see <see cref="MonitorExport"/>) reads the meter.
/// </summary>
public sealed class MonitorMetrics : IMeasurementListener, IDisposable
{
    private readonly Meter _meter = new(MetricNames.Meter);
    private readonly Histogram<double> _gcPause;
    private readonly Histogram<double> _schedulingDelay;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<double> _starvationTime;
    private readonly Counter<long> _starvationEpisodes;
    private readonly Counter<long> _blockingWaits;
    private readonly EndpointLabels _endpoints = new();
    private KeyValuePair<string, object?> _pid = new(MetricNames.Pid, "unknown");
    private volatile IReadOnlyList<Measurement<double>> _tailShares = [];

    public MonitorMetrics()
    {
        _gcPause = _meter.CreateHistogram<double>(MetricNames.GcPauseDuration, "s",
            "GC pauses, each from the runtime's suspension to its restart, by the generation, type and reason of the GC.");
        _schedulingDelay = _meter.CreateHistogram<double>(MetricNames.SchedulingDelay, "s",
            "How long each thread-pool work item waited in the queue before a pool thread took it.");
        _requestDuration = _meter.CreateHistogram<double>(MetricNames.RequestDuration, "s",
            "Server request latency: the total latency where it is measured, otherwise from the server's request start to its stop.");
        _starvationTime = _meter.CreateCounter<double>(MetricNames.StarvationTime, "s",
            "Time the thread pool spent starved, counted when each episode ends.");
        _starvationEpisodes = _meter.CreateCounter<long>(MetricNames.StarvationEpisodes, "{episode}",
            "Thread-pool starvation episodes, counted when each ends.");
        _blockingWaits = _meter.CreateCounter<long>(MetricNames.BlockingWaits, "{wait}",
            "Blocking waits on pool threads by call site (only when the session collects stacks).");
        _meter.CreateObservableGauge(MetricNames.TailShare, () => _tailShares, "1",
            "Share of the last window's tail (requests above its P99 or P99.9) whose longest overlap was this cause.");
    }

    /// <summary>The target whose measurements follow (a new pid after a restart starts series of its own).</summary>
    public void SetTarget(int? pid) =>
        _pid = new(MetricNames.Pid, pid?.ToString(CultureInfo.InvariantCulture) ?? "unknown");

    /// <summary>A window closed: its tail shares replace the previous window's in the gauge.</summary>
    public void SetWindow(Report window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var shares = new List<Measurement<double>>();
        foreach (var tail in window.Tail)
        {
            if (tail.Requests == 0)
            {
                continue;
            }

            var percentile = tail.Percentile.ToString(CultureInfo.InvariantCulture);
            void Add(string cause, double share) => shares.Add(new Measurement<double>(share,
                new KeyValuePair<string, object?>(MetricNames.Percentile, percentile),
                new KeyValuePair<string, object?>(MetricNames.Cause, cause), _pid));
            Add(Causes.GcPause, tail.PrimaryShare.GcPause);
            Add(Causes.ThreadPoolStarvation, tail.PrimaryShare.ThreadPoolStarvation);
            Add(Causes.LockContention, tail.PrimaryShare.LockContention);
            Add(Causes.Unexplained, tail.PrimaryShare.Unexplained);
        }

        _tailShares = shares;
    }

    public void GcPause(double startMs, double durationMs, int generation, string type, string reason)
    {
        var tags = new TagList
        {
            { MetricNames.Generation, generation < 0 ? "unknown" : Generations[Math.Min(generation, Generations.Length - 1)] },
            { MetricNames.Type, type },
            { MetricNames.Reason, reason },
            _pid,
        };
        _gcPause.Record(durationMs / 1000, tags);
    }

    public void SchedulingDelay(double dequeuedMs, double delayMs) => _schedulingDelay.Record(delayMs / 1000, _pid);

    public void RequestCompleted(double endMs, string endpoint, double applicationMs, double? totalMs)
    {
        var (name, method) = _endpoints.Of(endpoint);
        _requestDuration.Record((totalMs ?? applicationMs) / 1000,
            new KeyValuePair<string, object?>(MetricNames.Endpoint, name),
            new KeyValuePair<string, object?>(MetricNames.Method, method), _pid);
    }

    public void StarvationEpisode(double startMs, double endMs, bool ongoing)
    {
        _starvationTime.Add(Math.Max(0, endMs - startMs) / 1000, _pid);
        _starvationEpisodes.Add(1, _pid);
    }

    public void BlockingWait(string site, string? blockingCall, long count) =>
        _blockingWaits.Add(count,
            new KeyValuePair<string, object?>(MetricNames.Site, site),
            new KeyValuePair<string, object?>(MetricNames.Call, blockingCall ?? ""), _pid);

    public void Dispose() => _meter.Dispose();

    // Generations as label values, allocated once (GCStart's Depth is 0-2; 3 and 4 are the LOH and POH in some reports).
    private static readonly string[] Generations = ["0", "1", "2", "3", "4"];
}
