using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// A second EventPipe session in the target that holds only the sample profiler and the method events that resolving its
/// stacks needs. A session of its own, because stack walking is a per-session switch: in the probe's main session it would
/// walk a stack for every GC, queue and request event too. Its samples are resolved when it stops (after the rundown) and
/// handed to the sink on the main session's clock.
/// </summary>
internal sealed class SampleProfilerSession : IAsyncDisposable
{
    public const string Provider = "Microsoft-DotNETCore-SampleProfiler";

    /// <summary>
    /// Runtime keywords for resolving samples: Loader (module files and their PDBs), Jit (method loads, Verbose) and
    /// JittedMethodILToNativeMap (0x20000: each jitted method's IL-to-native map, for source lines).
    /// </summary>
    public const long RuntimeKeywords = (long)(ProbeProviders.Keywords.Loader | ProbeProviders.Keywords.Jit) | JittedMethodILToNativeMap;

    public const long JittedMethodILToNativeMap = 0x20000;

    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly PoolSampleCollector _collector;
    private readonly SourceLines _lines = new();
    private readonly Task _processing;
    private bool _stopped;

    private SampleProfilerSession(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _collector = new PoolSampleCollector(_lines);
        _collector.Subscribe(_source);
        _processing = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    _source.Process();
                }
                catch (Exception ex) when (ex is IOException or EndOfStreamException or FormatException or ObjectDisposedException)
                {
                    // The target exited or the session was torn down: the samples read so far still count.
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    public static IReadOnlyList<EventPipeProvider> Providers =>
    [
        new(Provider, EventLevel.Informational),
        new(ProbeProviders.Runtime, EventLevel.Verbose, RuntimeKeywords),
    ];

    /// <summary>Starts sampling in <paramref name="client"/>'s process; null (with the reason in <paramref name="failure"/>) when the target refused.</summary>
    public static async Task<(SampleProfilerSession? Session, string? Failure)> StartAsync(DiagnosticsClient client, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var configuration = new EventPipeSessionConfiguration(Providers, 256, requestRundown: true, requestStackwalk: true);
            var session = await client.StartEventPipeSessionAsync(configuration, cancel).ConfigureAwait(false);
            return (new SampleProfilerSession(session), null);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or ServerErrorException or UnsupportedCommandException or IOException or TimeoutException)
        {
            return (null, $"The thread sampler's session could not start ({ex.Message}): no pool holders.");
        }
    }

    /// <summary>
    /// Stops sampling, waits for the rundown, and hands the busy pool workers' time to <paramref name="sink"/> on the clock of the
    /// session that started at <paramref name="mainSessionStart"/>. Returns what the report should say about it.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAsync(DateTime mainSessionStart, IProbeEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!_stopped)
        {
            _stopped = true;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _session.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or ServerErrorException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // The target exited or stopped answering: what was read still counts.
            }

            if (await Task.WhenAny(_processing, Task.Delay(TimeSpan.FromSeconds(15))).ConfigureAwait(false) != _processing)
            {
                _session.Dispose();
                await _processing.ConfigureAwait(false);
            }
        }

        // Both sessions' clocks are the target's: the offset is the difference of their starts.
        var offsetMs = (_source.SessionStartTime - mainSessionStart).TotalMilliseconds;
        _collector.Complete(offsetMs, sink);
        return _collector.Notes();
    }

    public async ValueTask DisposeAsync()
    {
        _session.Dispose();
        await _processing.ConfigureAwait(false);
        _source.Dispose();
        _lines.Dispose();
    }
}
