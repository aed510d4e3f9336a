using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// A <c>.nettrace</c> file saved by <c>attach --nettrace</c> or by <c>dotnet-trace collect</c> with the probe's providers. A
/// trace that ends early (from a killed target, cut, or still being written) is read up to where it ends and marked
/// <see cref="SourceResult.Truncated"/>; only a file that is not a trace is an error.
/// </summary>
public sealed class NettraceFileSource : IProbeEventSource
{
    // The trace's own header events: ProcessInfo carries the target's command line.
    private const string EventPipeProvider = "Microsoft-DotNETCore-EventPipe";
    private const string ProcessInfoEvent = "ProcessInfo";
    private const string CommandLineField = "CommandLine";

    /// <summary>The first bytes of every .nettrace file.</summary>
    private static ReadOnlySpan<byte> NettraceMagic => "Nettrace"u8;

    private readonly string _path;

    public NettraceFileSource(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ProbeException($"The trace file '{path}' does not exist.");
        }

        _path = path;
    }

    public TargetInfo Target { get; private set; } = new();

    public Task<SourceResult> RunAsync(Action<ProbeEvent> sink, CancellationToken stop) => RunAsync(new ProbeEventRecords(sink), stop);

    public Task<SourceResult> RunAsync(IProbeEventSink sink, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return Task.Factory.StartNew(() => Run(sink, stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private SourceResult Run(IProbeEventSink sink, CancellationToken stop)
    {
        EventPipeEventSource source;
        try
        {
            source = new EventPipeEventSource(_path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A file that starts as a trace but whose header is cut is a trace that ends before its first event; only a file
            // that is not a trace at all is an error.
            if (!StartsAsNettrace(_path))
            {
                throw new ProbeException($"'{_path}' is not a readable .nettrace file: {ex.Message}", ex);
            }

            return new SourceResult(0, 0, TargetExited: false, Target, 0, [TruncatedNote(0, 0, ex)], Truncated: true);
        }

        using (source)
        {
            int? pid = null;
            string? commandLine = null;
            TraceEventDecoder.Subscribe(source, sink);
            var blocking = new BlockingWaitCollector();
            blocking.Subscribe(source);
            // A trace with the sample profiler's events (dotnet-trace's sampled thread time, or the sampler's own saved trace).
            using var lines = new SourceLines();
            var holders = new PoolSampleCollector(lines);
            holders.Subscribe(source);
            source.Dynamic.AddCallbackForProviderEvent(EventPipeProvider, ProcessInfoEvent, e =>
            {
                commandLine = e.PayloadByName(CommandLineField) as string;
            });
            long traceEvents = 0;
            source.AllEvents += e =>
            {
                pid ??= e.ProcessID;
                traceEvents++;
            };
            using var registration = stop.Register(source.StopProcessing);
            Exception? cut = null;
            try
            {
                source.Process();
            }
            catch (Exception ex) when (ex is FormatException or EndOfStreamException)
            {
                // The reader met the end of the data (or data it cannot read) before the trace's end-of-stream marker: a
                // trace saved from a killed target, cut, or still being written. Every event before that point was delivered.
                cut = ex;
            }

            if (cut is null && source.EventsLost == 0 && source.SessionEndTimeRelativeMSec <= 0 && pid is null)
            {
                throw new ProbeException($"The trace file '{_path}' holds no events.");
            }

            // A trace collected without the WaitHandle keyword simply has no blocking sites; say so only when it has waits.
            var endMs = Math.Max(0, source.SessionEndTimeRelativeMSec);
            blocking.Complete(endMs, sink);
            holders.Complete(0, sink);
            var notes = new List<string>();
            if (cut is not null)
            {
                notes.Add(TruncatedNote(endMs, traceEvents, cut));
            }

            if (blocking.WaitsSeen > 0)
            {
                notes.AddRange(blocking.Notes());
            }

            notes.AddRange(holders.Notes());
            Target = new TargetInfo
            {
                Pid = pid is > 0 ? pid : null,
                ProcessName = ProcessNameFrom(commandLine),
                CommandLine = commandLine,
            };
            return new SourceResult(endMs, source.EventsLost, TargetExited: false, Target, traceEvents, notes, Truncated: cut is not null);
        }
    }

    private static string TruncatedNote(double endMs, long events, Exception reason) => string.Create(CultureInfo.InvariantCulture,
        $"The trace ends early (a trace saved from a target that was killed, a cut file, or one still being written): the report " +
        $"covers its first {endMs / 1000:0.###} s ({events} events), up to where it ends (the reader stopped at: {OneLine(reason.Message)}).");

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Whether the file begins with the nettrace format's magic: it is a trace, however little of it there is.</summary>
    private static bool StartsAsNettrace(string path)
    {
        Span<byte> head = stackalloc byte[NettraceMagic.Length];
        try
        {
            using var file = File.OpenRead(path);
            return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(NettraceMagic);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? ProcessNameFrom(string? commandLine)
    {
        if (string.IsNullOrWhiteSpace(commandLine))
        {
            return null;
        }

        // "dotnet App.dll ..." names the app by its assembly; a native host names it by its executable.
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var app = parts.FirstOrDefault(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) ?? parts[0];
        return Path.GetFileNameWithoutExtension(app);
    }

    public void Dispose()
    {
    }
}
