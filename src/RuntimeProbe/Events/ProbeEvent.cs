namespace TailGuard.RuntimeProbe.Events;

/// <summary>
/// A runtime or ASP.NET Core event the probe understands, decoded from EventPipe. Timestamps are milliseconds relative to the
/// session start. The correlator consumes these and nothing else, so tests can feed it synthetic sequences.
/// </summary>
public abstract record ProbeEvent(double TimestampMs)
{
    /// <summary>The thread id of an event whose source did not say on which thread it was raised.</summary>
    public const int UnknownThread = -1;
}

/// <summary>
/// Microsoft.AspNetCore.Hosting RequestStart: the application begins handling a request, on thread <paramref name="ThreadId"/>
/// (the OS thread id; <see cref="ProbeEvent.UnknownThread"/> when the source does not know it).
/// </summary>
public sealed record HostingRequestStart(double TimestampMs, Guid ActivityId, string Method, string Path, int ThreadId = ProbeEvent.UnknownThread)
    : ProbeEvent(TimestampMs);

/// <summary>Microsoft.AspNetCore.Hosting RequestStop; it carries no payload and pairs with its start by activity id only.</summary>
public sealed record HostingRequestStop(double TimestampMs, Guid ActivityId, int ThreadId = ProbeEvent.UnknownThread) : ProbeEvent(TimestampMs);

/// <summary>Kestrel RequestStart/RequestStop, paired by connection id and request id.</summary>
public sealed record KestrelRequestStart(
    double TimestampMs, string ConnectionId, string RequestId, string? Method, string? Path, int ThreadId = ProbeEvent.UnknownThread)
    : ProbeEvent(TimestampMs);

/// <summary>Kestrel RequestStop.</summary>
public sealed record KestrelRequestStop(double TimestampMs, string ConnectionId, string RequestId, int ThreadId = ProbeEvent.UnknownThread)
    : ProbeEvent(TimestampMs);

/// <summary>GCSuspendEEBegin: the runtime starts suspending managed threads.</summary>
public sealed record GcSuspendBegin(double TimestampMs, SuspendReason Reason) : ProbeEvent(TimestampMs);

/// <summary>GCRestartEEEnd: managed threads run again; the pause is over.</summary>
public sealed record GcRestartEnd(double TimestampMs) : ProbeEvent(TimestampMs);

/// <summary>GCStart with the collection's number, generation (Depth), reason and type.</summary>
public sealed record GcStart(double TimestampMs, int Count, int Generation, string Reason, string Type) : ProbeEvent(TimestampMs);

/// <summary>GCEnd.</summary>
public sealed record GcEnd(double TimestampMs, int Count) : ProbeEvent(TimestampMs);

/// <summary>ThreadPoolWorkerThreadAdjustmentAdjustment: the pool changed its worker-thread goal.</summary>
public sealed record ThreadPoolAdjustment(double TimestampMs, int NewWorkerThreadCount, ThreadAdjustmentReason Reason) : ProbeEvent(TimestampMs);

/// <summary>An EventCounters sample: System.Runtime's thread-pool queue length and thread count, Kestrel's queue lengths.</summary>
public sealed record RuntimeCounter(double TimestampMs, string Name, double Value) : ProbeEvent(TimestampMs);

/// <summary>ContentionStart on a thread.</summary>
public sealed record ContentionStart(double TimestampMs, int ThreadId) : ProbeEvent(TimestampMs);

/// <summary>ContentionStop on a thread, with the runtime's own duration when it reports one (.NET 8 and later).</summary>
public sealed record ContentionStop(double TimestampMs, int ThreadId, double? DurationNs) : ProbeEvent(TimestampMs);

/// <summary>
/// A pool thread blocked in a wait (WaitHandleWaitStart/Stop, .NET 9 and later) at a resolved call site: <paramref name="Frame"/>
/// is the user's method that blocked, <paramref name="BlockingCall"/> the blocking API it called (<c>Task`1.get_Result</c>),
/// when known. Sources resolve stacks only when the stream ends (after the rundown), so one event can stand for
/// <paramref name="Count"/> waits at the same site.
/// </summary>
public sealed record BlockingWait(double TimestampMs, int ThreadId, string? Frame, string? BlockingCall = null, long Count = 1)
    : ProbeEvent(TimestampMs);

/// <summary>
/// FrameworkEventSource ThreadPoolEnqueueWork: a work item entered the thread pool's queue. <paramref name="WorkId"/> is the
/// item's object address, which a compacting GC can move before the item is dequeued. <paramref name="ThreadId"/> is the
/// thread that queued it: a pool thread running another work item, or a thread of its own (the socket engine, a timer).
/// </summary>
public sealed record ThreadPoolWorkEnqueued(double TimestampMs, long WorkId, int ThreadId = ProbeEvent.UnknownThread) : ProbeEvent(TimestampMs);

/// <summary>
/// FrameworkEventSource ThreadPoolDequeueWork: pool thread <paramref name="ThreadId"/> took the work item out of the queue to
/// run it.
/// </summary>
public sealed record ThreadPoolWorkDequeued(double TimestampMs, long WorkId, int ThreadId = ProbeEvent.UnknownThread) : ProbeEvent(TimestampMs);

/// <summary>
/// GCGlobalHeapHistory: the number of GC heaps the collection ran with (1 under Workstation GC, one per core under Server GC
/// unless <c>GCHeapCount</c> says otherwise).
/// </summary>
public sealed record GcHeapCount(double TimestampMs, int Heaps) : ProbeEvent(TimestampMs);

/// <summary>Suspension reasons of GCSuspendEEBegin (the runtime's SUSPEND_REASON).</summary>
public enum SuspendReason
{
    Other = 0,
    ForGC = 1,
    ForAppDomainShutdown = 2,
    ForCodePitching = 3,
    ForShutdown = 4,
    ForDebugger = 5,
    ForGCPrep = 6,
    ForDebuggerSweep = 7,
}

/// <summary>Reasons of ThreadPoolWorkerThreadAdjustmentAdjustment.</summary>
public enum ThreadAdjustmentReason
{
    Warmup = 0,
    Initializing = 1,
    RandomMove = 2,
    ClimbingMove = 3,
    ChangePoint = 4,
    Stabilizing = 5,
    Starvation = 6,
    ThreadTimedOut = 7,
    CooperativeBlocking = 8,
}
