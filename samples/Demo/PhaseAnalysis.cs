using Microsoft.Diagnostics.Tracing;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Samples.Demo;

/// <summary>A phase's stretch of the whole-run trace, in milliseconds from the session start.</summary>
internal sealed record PhaseWindow(string Name, double StartMs, double EndMs);

/// <summary>
/// Splits one whole-run probe session into per-phase reports. The demo attaches once (attaching itself perturbs the target,
/// so it happens before the warm-up, never inside a measured phase) and saves the trace; each phase's report then comes from a
/// correlator fed only the events inside that phase's window, with times rebased to the window's start. Phases are separated by
/// idle gaps longer than the drain of their last requests, so no request, pause or starvation episode belongs to two windows.
/// </summary>
internal sealed class PhaseSplitter
{
    private readonly PhaseWindow[] _windows;
    private readonly Correlator[] _correlators;
    private readonly Correlator _whole = new();
    private double _lastMs;

    public PhaseSplitter(IReadOnlyList<PhaseWindow> windows)
    {
        _windows = [.. windows];
        _correlators = [.. windows.Select(_ => new Correlator())];
    }

    public void Process(ProbeEvent probeEvent)
    {
        _whole.Process(probeEvent);
        _lastMs = Math.Max(_lastMs, probeEvent.TimestampMs);
        for (var index = 0; index < _windows.Length; index++)
        {
            var window = _windows[index];
            if (probeEvent.TimestampMs >= window.StartMs && probeEvent.TimestampMs < window.EndMs)
            {
                _correlators[index].Process(probeEvent with { TimestampMs = probeEvent.TimestampMs - window.StartMs });
            }
        }
    }

    public IReadOnlyDictionary<string, Report> Complete(ReportTarget target, long eventsLost) =>
        _windows.Select((window, index) => (window.Name, Report: _correlators[index].Complete(new ReportContext
        {
            Target = target,
            EndMs = window.EndMs - window.StartMs,
            EventsLost = eventsLost,
            EndReason = EndReasons.EndOfTrace,
            Notes = [$"Phase '{window.Name}' of the demo: {window.StartMs / 1000:0.0} s to {window.EndMs / 1000:0.0} s of the whole-run session; events lost are the whole session's."],
        }))).ToDictionary(pair => pair.Name, pair => pair.Report, StringComparer.Ordinal);

    /// <summary>The whole session in one report, on the session's own time axis (the one the phase windows are cut from).</summary>
    public Report CompleteWhole(ReportTarget target, long eventsLost) => _whole.Complete(new ReportContext
    {
        Target = target,
        EndMs = _lastMs,
        EventsLost = eventsLost,
        EndReason = EndReasons.EndOfTrace,
        Notes = [$"The whole demo run: {string.Join(", ", _windows.Select(window => $"{window.Name} {window.StartMs / 1000:0.0}-{window.EndMs / 1000:0.0} s"))}; warm-up and settling in between."],
    });

    public IReadOnlyList<PhaseWindow> PhaseWindows => _windows;

    /// <summary>
    /// Turns the demo's wall-clock phase times into windows of the trace: from a little before the phase's first request
    /// (the clocks of the demo and of the trace agree to well under that) to a little after its last response.
    /// </summary>
    public static IReadOnlyList<PhaseWindow> Windows(DateTime sessionStartUtc, IEnumerable<(string Name, DateTime StartUtc, DateTime EndUtc)> phases, TimeSpan margin) =>
        [.. phases.Select(phase => new PhaseWindow(
            phase.Name,
            (phase.StartUtc - sessionStartUtc - margin).TotalMilliseconds,
            (phase.EndUtc - sessionStartUtc + margin).TotalMilliseconds))];
}

/// <summary>What the demo's trace gave: a report per phase, the whole run's report, and where the phases lie in it.</summary>
internal sealed record TraceAnalysis(IReadOnlyDictionary<string, Report> Phases, Report Whole, IReadOnlyList<PhaseWindow> Windows)
{
    /// <summary>The phases as timeline marks for the whole run's HTML report (without the windows' margins).</summary>
    public IReadOnlyList<TailGuard.RuntimeProbe.Rendering.TimelineMark> Marks =>
        [.. Windows.Select(window => new TailGuard.RuntimeProbe.Rendering.TimelineMark(
            window.Name, window.StartMs + PhaseAnalysis.WindowMargin.TotalMilliseconds, window.EndMs - PhaseAnalysis.WindowMargin.TotalMilliseconds))];
}

/// <summary>Reads a saved whole-run trace back through the probe's own pipeline: one report per phase and one for the whole run.</summary>
internal static class PhaseAnalysis
{
    /// <summary>Margin around each phase's window; the gaps between phases are longer than twice this.</summary>
    public static readonly TimeSpan WindowMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>The wall-clock time the trace's timestamps count from (the target's clock, recorded in the trace header).</summary>
    public static DateTime SessionStartUtc(string nettracePath)
    {
        using var source = new EventPipeEventSource(nettracePath);
        return source.SessionStartTime.ToUniversalTime();
    }

    /// <summary>One report per phase, the whole run's report, and the phases' windows on the whole run's time axis.</summary>
    /// <exception cref="DemoException">The trace cannot be read.</exception>
    public static async Task<TraceAnalysis> AnalyzeAsync(
        string nettracePath, IEnumerable<(string Name, DateTime StartUtc, DateTime EndUtc)> phases, CancellationToken cancellationToken)
    {
        try
        {
            var splitter = new PhaseSplitter(PhaseSplitter.Windows(SessionStartUtc(nettracePath), phases, WindowMargin));
            using var source = new NettraceFileSource(nettracePath);
            var result = await source.RunAsync(splitter.Process, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var target = ReportBuilder.Target(result.Target ?? source.Target);
            return new TraceAnalysis(splitter.Complete(target, result.EventsLost), splitter.CompleteWhole(target, result.EventsLost), splitter.PhaseWindows);
        }
        catch (Exception exception) when (exception is ProbeException or IOException or InvalidOperationException or FormatException)
        {
            throw new DemoException($"Could not read the probe's trace {nettracePath}: {exception.Message}");
        }
    }
}
