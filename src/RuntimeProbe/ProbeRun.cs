using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe;

/// <summary>
/// One run of the pipeline, composed at the top: a source's events into a correlator, then the report. The stages below know
/// nothing of each other's consumers: the source of the correlator, the correlator of the report.
/// </summary>
public sealed class ProbeRun(IProbeEventSource source, CorrelatorOptions? options = null)
{
    public Correlator Correlator { get; } = new(options);

    /// <summary>
    /// Streams until the source ends, <paramref name="duration"/> passes, or <paramref name="cancel"/> fires (Ctrl+C); then
    /// stops the session cleanly and builds the report, whichever way it ended.
    /// </summary>
    public async Task<Report> RunAsync(TimeSpan? duration, IReadOnlyList<SloRule> slo, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(slo);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (duration is { } d)
        {
            stop.CancelAfter(d);
        }

        var result = await source.RunAsync(Correlator, stop.Token).ConfigureAwait(false);
        var endReason = result.TargetExited ? EndReasons.TargetExited
            : result.Truncated ? EndReasons.TruncatedTrace
            : cancel.IsCancellationRequested ? EndReasons.Cancelled
            : stop.IsCancellationRequested ? EndReasons.Duration
            : EndReasons.EndOfTrace;
        return Correlator.Complete(new ReportContext
        {
            Target = ReportBuilder.Target(result.Target ?? source.Target),
            EndMs = result.EndMs,
            EventsLost = result.EventsLost,
            TraceEvents = result.TraceEvents,
            EndReason = endReason,
            TargetExited = result.TargetExited,
            Slo = slo,
            Notes = result.Notes ?? [],
            ForcedMaxWorkerThreads = (result.Target ?? source.Target).ForcedMaxWorkerThreads ?? source.Target.ForcedMaxWorkerThreads,
        });
    }
}
