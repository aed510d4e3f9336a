using System.Diagnostics;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Monitor;

/// <summary>
/// The monitor with captures: one EventPipe session per window, each recorded to a trace file of its own, because a trace
/// cannot be cut at any byte (it needs its header, metadata and block structure): rotating the recording gives every window
/// a whole trace that <c>analyze</c>, PerfView and TraceEvent read. Each window's correlator ends with its session; the
/// triggers are evaluated as measurements come and once more at the window's end, and when one fired the window's report
/// and trace are captured. Between two sessions the target runs unobserved for as long as one session takes to stop and the
/// next to start (docs/probe.md).
/// </summary>
public sealed class SessionWindows(
    TargetConnection connection,
    MonitorMetrics metrics,
    TriggerEvaluator triggers,
    CaptureWriter captures,
    TimeSpan window,
    int bufferMb,
    Action<Report, double, double> onWindow,
    Action<string> log)
{
    /// <summary>Told the target's pid from its first event (through a diagnostic port it is not known before).</summary>
    public Action<int>? PidSeen { get; init; }

    /// <summary>Runs windows until <paramref name="cancel"/> fires or the target exits; returns how the last one ended.</summary>
    public async Task<SourceResult> RunAsync(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var listener = new MeasurementFanOut(metrics, triggers);
        var target = ReportBuilder.Target(connection.Target);
        for (var n = 0; ; n++)
        {
            var startMs = clock.Elapsed.TotalMilliseconds;
            var trace = captures.WindowTracePath(n);
            var correlator = new Correlator(CorrelatorOptions.Default with { Listener = listener });
            triggers.SessionStarted(startMs);
            SourceResult result;
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            using (var source = EventPipeLiveSource.Over(connection, trace, bufferMb, blockingSites: false))
            {
                source.PidSeen = PidSeen;
                stop.CancelAfter(window);
                result = await source.RunAsync(correlator, stop.Token).ConfigureAwait(false);
            }

            target = result.Target is { } learnt ? ReportBuilder.Target(learnt) : target;

            var report = correlator.Complete(new ReportContext
            {
                Target = target,
                EndMs = result.EndMs,
                EventsLost = result.EventsLost,
                TraceEvents = result.TraceEvents,
                EndReason = result.TargetExited ? EndReasons.TargetExited : EndReasons.Duration,
                TargetExited = result.TargetExited,
                Notes = result.Notes ?? [],
            });
            triggers.Evaluate(startMs + result.EndMs);
            metrics.SetWindow(report);
            onWindow(report, startMs, startMs + result.EndMs);

            var fired = triggers.TakeFired();
            if (fired.Count == 0)
            {
                CaptureWriter.Discard(trace);
            }
            else if (captures.Capture(report, trace, fired, out var notTaken) is { } folder)
            {
                log($"Trigger {string.Join(", ", fired.Select(f => $"'{f.Text}'"))} held: captured the window's report and trace in {folder}");
            }
            else
            {
                log($"Trigger {string.Join(", ", fired.Select(f => $"'{f.Text}'"))} held: not captured, {notTaken}.");
            }

            if (result.TargetExited || cancel.IsCancellationRequested)
            {
                return result;
            }
        }
    }
}
