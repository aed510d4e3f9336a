using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

/// <summary>Builds synthetic event sequences for the correlator, in the order the test lists them.</summary>
internal sealed class EventSequence
{
    private readonly List<ProbeEvent> _events = [];

    public IReadOnlyList<ProbeEvent> Events => _events;

    public EventSequence Request(double start, double end, string path = "/", string method = "GET")
    {
        var id = Guid.NewGuid();
        _events.Add(new HostingRequestStart(start, id, method, path));
        _events.Add(new HostingRequestStop(end, id));
        return this;
    }

    public EventSequence Pause(double start, double end, int generation = 0, string type = "NonConcurrentGC")
    {
        _events.Add(new GcSuspendBegin(start, SuspendReason.ForGC));
        _events.Add(new GcStart(start + 0.01, _events.Count, generation, "AllocSmall", type));
        _events.Add(new GcEnd(end - 0.01, _events.Count - 1));
        _events.Add(new GcRestartEnd(end));
        return this;
    }

    public EventSequence Starvation(double at, int newThreadCount = 10)
    {
        _events.Add(new ThreadPoolAdjustment(at, newThreadCount, ThreadAdjustmentReason.Starvation));
        return this;
    }

    public EventSequence Contention(double start, double end, int thread = 7)
    {
        _events.Add(new ContentionStart(start, thread));
        _events.Add(new ContentionStop(end, thread, (end - start) * 1e6));
        return this;
    }

    public EventSequence Add(ProbeEvent e)
    {
        _events.Add(e);
        return this;
    }

    /// <summary>Feeds the events sorted by timestamp (as EventPipe delivers them), or as listed when <paramref name="asListed"/>.</summary>
    public Report Run(double endMs, bool asListed = false, long eventsLost = 0, CorrelatorOptions? options = null, string slo = "")
    {
        var correlator = new Correlator(options);
        var events = asListed ? _events : _events.OrderBy(e => e.TimestampMs).ToList();
        foreach (var e in events)
        {
            correlator.Process(e);
        }

        return correlator.Complete(new ReportContext
        {
            Target = new ReportTarget { Pid = 42, ProcessName = "target", RuntimeVersion = "10.0.0" },
            EndMs = endMs,
            EventsLost = eventsLost,
            Slo = slo.Length == 0 ? [] : SloRule.ParseList(slo),
        });
    }
}
