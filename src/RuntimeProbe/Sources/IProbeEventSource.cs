using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// The seam between the probe and the runtime: a live EventPipe session, a saved trace, or a test's synthetic stream. It
/// delivers events in stream order until the stream ends or <c>stop</c> is cancelled.
/// </summary>
public interface IProbeEventSource : IDisposable
{
    /// <summary>What is known of the target before the stream is read (a saved trace tells more once read).</summary>
    TargetInfo Target { get; }

    Task<SourceResult> RunAsync(IProbeEventSink sink, CancellationToken stop);

    /// <summary>Every event as a <see cref="ProbeEvent"/> record.</summary>
    Task<SourceResult> RunAsync(Action<ProbeEvent> sink, CancellationToken stop);
}

/// <summary>How a source's stream ended.</summary>
/// <param name="EndMs">The session's length in milliseconds.</param>
/// <param name="EventsLost">Events EventPipe dropped, as TraceEvent counts them.</param>
/// <param name="TargetExited">The stream ended because the target process exited.</param>
/// <param name="Target">What the stream told about the target (command line, pid), when it told more than was known up front.</param>
/// <param name="TraceEvents">Every event read from the stream.</param>
/// <param name="Notes">What the source wants the report to say (for example why blocking call sites are missing).</param>
/// <param name="Truncated">A saved trace ended early (cut, still being written, or from a killed target): the events up to
/// where it ends were delivered.</param>
public sealed record SourceResult(
    double EndMs, long EventsLost, bool TargetExited, TargetInfo? Target = null, long TraceEvents = 0, IReadOnlyList<string>? Notes = null,
    bool Truncated = false);

/// <summary>What a source knows of the process it reads: any of it may be unknown.</summary>
public sealed record TargetInfo
{
    public int? Pid { get; init; }
    public string? ProcessName { get; init; }
    public string? RuntimeVersion { get; init; }
    public string? CommandLine { get; init; }

    /// <summary>
    /// The pool's maximum worker threads as the target's environment forces it (<c>DOTNET_ThreadPool_ForceMaxWorkerThreads</c>),
    /// read over the diagnostics channel; null when unset or unknown. A pool at its maximum raises no starvation adjustment.
    /// </summary>
    public int? ForcedMaxWorkerThreads { get; init; }
}
