using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// A live EventPipe session on a running .NET process, streamed through TraceEvent as it arrives, optionally teed to a
/// <c>.nettrace</c> file. With blocking call sites on (opt-in: they cost the target throughput when it waits a lot), the
/// session records stacks and asks for the runtime's rundown when it stops, which resolving those stacks needs; without, it
/// records neither and stops at once.
/// </summary>
public sealed class EventPipeLiveSource : IProbeEventSource
{
    private readonly TargetConnection _connection;
    private readonly string? _nettracePath;
    private readonly int _bufferMb;
    private readonly bool _blockingSites;
    private int? _seenPid;

    private EventPipeLiveSource(TargetConnection connection, string? nettracePath, int bufferMb, bool blockingSites)
    {
        _connection = connection;
        _nettracePath = nettracePath;
        _bufferMb = bufferMb;
        _blockingSites = blockingSites;
    }

    /// <summary>How long the last session took from the stop request to the end of its stream (the rundown's cost).</summary>
    public TimeSpan? StopDuration { get; private set; }

    public TargetInfo Target => _connection.Target;

    /// <summary>
    /// Also sample the pool's threads in a second session (<see cref="SampleProfilerSession"/>) for the whole session: which
    /// code held them, blocked or running. Costly (the sampler suspends the runtime about every millisecond), so opt-in.
    /// </summary>
    public bool PoolHolders { get; set; }

    /// <summary>
    /// Told the target's pid from its first event that carries one, on the thread that delivers events (before the events
    /// that follow it): how a target that connected to a diagnostic port is named.
    /// </summary>
    public Action<int>? PidSeen { get; set; }

    /// <summary>Checks that <paramref name="pid"/> is a .NET process we can talk to; throws <see cref="ProbeException"/> if not.</summary>
    /// <param name="blockingSites">Collect the stacks of long pool-thread waits (WaitHandle keyword, stacks, rundown at the end).</param>
    public static EventPipeLiveSource Connect(int pid, string? nettracePath = null, int bufferMb = 256, bool blockingSites = false) =>
        new(TargetConnection.ToProcess(pid), nettracePath, bufferMb, blockingSites);

    /// <summary>
    /// A session over <paramref name="connection"/> (a pid's socket or a diagnostic port the target connected to), which the
    /// caller owns and disposes after the source.
    /// </summary>
    public static EventPipeLiveSource Over(TargetConnection connection, string? nettracePath = null, int bufferMb = 256, bool blockingSites = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new EventPipeLiveSource(connection, nettracePath, bufferMb, blockingSites);
    }

    public Task<SourceResult> RunAsync(Action<ProbeEvent> sink, CancellationToken stop) => RunAsync(new ProbeEventRecords(sink), stop);

    public async Task<SourceResult> RunAsync(IProbeEventSink sink, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(sink);
        EventPipeSession session;
        try
        {
            // Stacks are a per-session switch: without blocking sites no event needs one, and walking none is cheaper.
            var providers = ProbeProviders.Create(blockingSites: _blockingSites);
            var configuration = new EventPipeSessionConfiguration(providers, _bufferMb, requestRundown: _blockingSites, requestStackwalk: _blockingSites);
            try
            {
                session = await _connection.Client.StartEventPipeSessionAsync(configuration, stop).ConfigureAwait(false);
            }
            catch (UnsupportedCommandException)
            {
                // Runtimes before .NET 8 cannot turn stack walking off; they walk stacks as sessions always did.
                session = await _connection.Client.StartEventPipeSessionAsync(providers, _blockingSites, _bufferMb, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return new SourceResult(0, 0, TargetExited: false);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or ServerErrorException or IOException or TimeoutException)
        {
            if (HasExited())
            {
                return new SourceResult(0, 0, TargetExited: true);
            }

            throw new ProbeException($"Cannot start an EventPipe session in {_connection.Describe}: {ex.Message}", ex);
        }

        if (_connection.ResumeAfterSessionStart)
        {
            // A target that connected to our port waits at start-up until resumed: the session already sees its start-up.
            _connection.ResumeRuntime();
        }

        var clock = Stopwatch.StartNew();
        var (sampler, samplerFailure) = PoolHolders ? await SampleProfilerSession.StartAsync(_connection.Client, stop).ConfigureAwait(false) : default;
        await using var samplerScope = sampler;
        using (session)
        {
            FileStream? file = null;
            try
            {
                if (_nettracePath is not null)
                {
                    file = OpenTraceFile(_nettracePath);
                }

                Stream stream = file is null ? session.EventStream : new TeeStream(session.EventStream, file);
                using var source = new EventPipeEventSource(stream);
                TraceEventDecoder.Subscribe(source, sink);
                var blocking = _blockingSites ? new BlockingWaitCollector() : null;
                blocking?.Subscribe(source);
                var lastTimestamp = 0.0;
                long traceEvents = 0;
                source.AllEvents += e =>
                {
                    // The rundown is sent after the stop request: it is not part of the session's time.
                    if (e.ProviderGuid != ClrRundownTraceEventParser.ProviderGuid)
                    {
                        lastTimestamp = e.TimeStampRelativeMSec;
                    }

                    if (_seenPid is null && e.ProcessID > 0)
                    {
                        _seenPid = e.ProcessID;
                        PidSeen?.Invoke(e.ProcessID);
                    }

                    traceEvents++;
                };

                var processing = Task.Factory.StartNew(
                    () =>
                    {
                        try
                        {
                            source.Process();
                            return (Exception?)null;
                        }
                        catch (Exception ex)
                        {
                            return ex;
                        }
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);

                var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (stop.Register(() => stopRequested.TrySetResult()))
                {
                    await Task.WhenAny(processing, stopRequested.Task).ConfigureAwait(false);
                }

                var stoppedByUs = !processing.IsCompleted;
                var sessionMs = clock.Elapsed.TotalMilliseconds;
                var samplerNotes = sampler is null ? [] : await sampler.StopAsync(source.SessionStartTime, sink).ConfigureAwait(false);
                if (stoppedByUs)
                {
                    var stopping = Stopwatch.StartNew();
                    await StopSessionAsync(session).ConfigureAwait(false);
                    if (await Task.WhenAny(processing, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != processing)
                    {
                        // The target stopped answering (or its rundown is too long): closing the session's stream ends the reader.
                        session.Dispose();
                    }

                    await processing.ConfigureAwait(false);
                    StopDuration = stopping.Elapsed;
                }

                var failure = await processing.ConfigureAwait(false);
                var exited = !stoppedByUs || HasExited();
                if (failure is not null && !exited)
                {
                    throw new ProbeException($"The event stream from {_connection.Describe} broke: {failure.Message}", failure);
                }

                var endMs = Math.Max(lastTimestamp, stoppedByUs ? sessionMs : clock.Elapsed.TotalMilliseconds);
                blocking?.Complete(endMs, sink);
                // Through a port the pid is learnt from the events: the report names the process then.
                var learnt = Target.Pid is null && _seenPid is { } pid ? TargetConnection.DescribeProcess(pid, null) : null;
                IReadOnlyList<string> notes = [.. blocking?.Notes() ?? [], .. samplerNotes, .. samplerFailure is null ? [] : new[] { samplerFailure }];
                return new SourceResult(endMs, source.EventsLost, TargetExited: exited && !stoppedByUs || (failure is not null && exited),
                    learnt, TraceEvents: traceEvents, Notes: notes);
            }
            finally
            {
                if (file is not null)
                {
                    await file.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static FileStream OpenTraceFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ProbeException($"Cannot write the trace file '{path}': {ex.Message}", ex);
        }
    }

    private static async Task StopSessionAsync(EventPipeSession session)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await session.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or ServerErrorException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // The target exited or stopped answering while we stopped: a normal end of the session.
        }
    }

    private bool HasExited() => _connection.HasExited(_seenPid);

    public void Dispose()
    {
    }

    /// <summary>Copies what the reader reads to a file: the saved trace is exactly the stream that was analyzed.</summary>
    private sealed class TeeStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            if (n > 0)
            {
                copy.Write(buffer, offset, n);
            }

            return n;
        }

        public override void Flush() => copy.Flush();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
