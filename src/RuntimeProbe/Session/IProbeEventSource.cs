using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Session;

/// <summary>
/// The seam between the probe and the runtime: a live EventPipe session, a saved trace, or a test's synthetic stream. It
/// delivers events in stream order until the stream ends or <c>stop</c> is cancelled.
/// </summary>
public interface IProbeEventSource : IDisposable
{
    ReportTarget Target { get; }

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
public sealed record SourceResult(
    double EndMs, long EventsLost, bool TargetExited, ReportTarget? Target = null, long TraceEvents = 0, IReadOnlyList<string>? Notes = null);

/// <summary>
/// An error the user can act on (no such process, not a .NET process, a corrupt trace): the tool prints its message as one
/// line and exits with code 1, without a stack trace.
/// </summary>
public sealed class ProbeException : Exception
{
    public ProbeException(string message)
        : base(message)
    {
    }

    public ProbeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProbeException()
    {
    }
}
