namespace TailGuard.RuntimeProbe.Events;

/// <summary>
/// Measurements as the trackers make them, for consumers that export a running series (the monitor's metrics) rather than
/// read a report at the end. Called on the thread that feeds the correlator, under its lock: implementations must be quick
/// and must not call back into the correlator. Times are milliseconds of stream time, durations milliseconds.
/// </summary>
public interface IMeasurementListener
{
    /// <summary>
    /// A GC pause (suspension to restart) ended. <paramref name="generation"/> is -1 when no GCStart was seen for it;
    /// <paramref name="type"/> and <paramref name="reason"/> are GCStart's, "Unknown" then.
    /// </summary>
    void GcPause(double startMs, double durationMs, int generation, string type, string reason);

    /// <summary>A thread-pool work item waited <paramref name="delayMs"/> in the queue before a pool thread took it.</summary>
    void SchedulingDelay(double dequeuedMs, double delayMs);

    /// <summary>
    /// A request completed and was attributed. <paramref name="endpoint"/> is the report's endpoint name ("GET /orders");
    /// <paramref name="applicationMs"/> is from the server's request start to its stop; <paramref name="totalMs"/> is the
    /// latency including the wait before the application saw the request, when measured (null otherwise).
    /// </summary>
    void RequestCompleted(double endMs, string endpoint, double applicationMs, double? totalMs);

    /// <summary>A starvation episode closed (<paramref name="ongoing"/>: the session ended while it was still going on).</summary>
    void StarvationEpisode(double startMs, double endMs, bool ongoing);

    /// <summary><paramref name="count"/> blocking waits at one call site (the user frame) and the blocking API it called, when known.</summary>
    void BlockingWait(string site, string? blockingCall, long count);
}
