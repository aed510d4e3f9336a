namespace TailGuard.RuntimeProbe.Events;

/// <summary>
/// Where a source delivers its events. The request events, most of a trace, arrive as method calls with their fields, so the
/// hot path allocates no event object; the rare ones (GC, thread pool, contention, counters, blocking sites) arrive as
/// <see cref="ProbeEvent"/>s. <see cref="ProbeEventRecords"/> turns every call into a record, for consumers of whole events.
/// </summary>
public interface IProbeEventSink
{
    /// <summary>
    /// Whether Kestrel's request events are still wanted. A sink that attributes requests from hosting events drops Kestrel's
    /// once hosting events are seen; the source then skips decoding their payloads and reports them with <see cref="Skipped"/>.
    /// </summary>
    bool WantsKestrelRequests { get; }

    void HostingRequestStart(double timestampMs, Guid activityId, string method, string path);

    void HostingRequestStop(double timestampMs, Guid activityId);

    void KestrelRequestStart(double timestampMs, string connectionId, string requestId, string? method, string? path);

    void KestrelRequestStop(double timestampMs, string connectionId, string requestId);

    // The same request events with the thread they were raised on, which following a request's work items back to the
    // socket needs. Sources call these; the defaults drop the thread, for sinks that do not follow work items.

    void HostingRequestStart(double timestampMs, int threadId, Guid activityId, string method, string path) =>
        HostingRequestStart(timestampMs, activityId, method, path);

    void HostingRequestStop(double timestampMs, int threadId, Guid activityId) => HostingRequestStop(timestampMs, activityId);

    void KestrelRequestStart(double timestampMs, int threadId, string connectionId, string requestId, string? method, string? path) =>
        KestrelRequestStart(timestampMs, connectionId, requestId, method, path);

    void KestrelRequestStop(double timestampMs, int threadId, string connectionId, string requestId) =>
        KestrelRequestStop(timestampMs, connectionId, requestId);

    /// <summary>
    /// A work item entered the thread pool's queue (FrameworkEventSource, about two per request: a hot path, so a call with
    /// its fields). The default hands it on as a record.
    /// </summary>
    void ThreadPoolEnqueue(double timestampMs, long workId) => ThreadPoolEnqueue(timestampMs, ProbeEvent.UnknownThread, workId);

    /// <summary>A pool thread dequeued a work item to run it. The default hands it on as a record.</summary>
    void ThreadPoolDequeue(double timestampMs, long workId) => ThreadPoolDequeue(timestampMs, ProbeEvent.UnknownThread, workId);

    /// <summary>A work item entered the pool's queue from thread <paramref name="threadId"/>. The default hands it on as a record.</summary>
    void ThreadPoolEnqueue(double timestampMs, int threadId, long workId) =>
        Process(new ThreadPoolWorkEnqueued(timestampMs, workId, threadId));

    /// <summary>Pool thread <paramref name="threadId"/> dequeued a work item to run it. The default hands it on as a record.</summary>
    void ThreadPoolDequeue(double timestampMs, int threadId, long workId) =>
        Process(new ThreadPoolWorkDequeued(timestampMs, workId, threadId));

    /// <summary>An event the sink said it does not want (see <see cref="WantsKestrelRequests"/>): it still counts and moves time on.</summary>
    void Skipped(double timestampMs);

    void Process(ProbeEvent e);
}

/// <summary>Delivers every event as a <see cref="ProbeEvent"/> record to an action.</summary>
public sealed class ProbeEventRecords(Action<ProbeEvent> sink) : IProbeEventSink
{
    private readonly Action<ProbeEvent> _sink = sink ?? throw new ArgumentNullException(nameof(sink));

    public bool WantsKestrelRequests => true;

    public void HostingRequestStart(double timestampMs, Guid activityId, string method, string path) =>
        _sink(new HostingRequestStart(timestampMs, activityId, method, path));

    public void HostingRequestStop(double timestampMs, Guid activityId) => _sink(new HostingRequestStop(timestampMs, activityId));

    public void KestrelRequestStart(double timestampMs, string connectionId, string requestId, string? method, string? path) =>
        _sink(new KestrelRequestStart(timestampMs, connectionId, requestId, method, path));

    public void KestrelRequestStop(double timestampMs, string connectionId, string requestId) =>
        _sink(new KestrelRequestStop(timestampMs, connectionId, requestId));

    public void HostingRequestStart(double timestampMs, int threadId, Guid activityId, string method, string path) =>
        _sink(new HostingRequestStart(timestampMs, activityId, method, path, threadId));

    public void HostingRequestStop(double timestampMs, int threadId, Guid activityId) =>
        _sink(new HostingRequestStop(timestampMs, activityId, threadId));

    public void KestrelRequestStart(double timestampMs, int threadId, string connectionId, string requestId, string? method, string? path) =>
        _sink(new KestrelRequestStart(timestampMs, connectionId, requestId, method, path, threadId));

    public void KestrelRequestStop(double timestampMs, int threadId, string connectionId, string requestId) =>
        _sink(new KestrelRequestStop(timestampMs, connectionId, requestId, threadId));

    /// <summary>Never called: this sink wants every event.</summary>
    public void Skipped(double timestampMs)
    {
    }

    public void Process(ProbeEvent e) => _sink(e);
}
