using Microsoft.Diagnostics.Tracing;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>A <c>.nettrace</c> file saved by <c>attach --nettrace</c> or by <c>dotnet-trace collect</c> with the probe's providers.</summary>
public sealed class NettraceFileSource : IProbeEventSource
{
    // The trace's own header events: ProcessInfo carries the target's command line.
    private const string EventPipeProvider = "Microsoft-DotNETCore-EventPipe";
    private const string ProcessInfoEvent = "ProcessInfo";
    private const string CommandLineField = "CommandLine";

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
            throw new ProbeException($"'{_path}' is not a readable .nettrace file: {ex.Message}", ex);
        }

        using (source)
        {
            int? pid = null;
            string? commandLine = null;
            TraceEventDecoder.Subscribe(source, sink);
            var blocking = new BlockingWaitCollector();
            blocking.Subscribe(source);
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
            try
            {
                source.Process();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ProbeException($"The trace file '{_path}' is truncated or corrupt: {ex.Message}", ex);
            }

            if (source.EventsLost == 0 && source.SessionEndTimeRelativeMSec <= 0 && pid is null)
            {
                throw new ProbeException($"The trace file '{_path}' holds no events.");
            }

            // A trace collected without the WaitHandle keyword simply has no blocking sites; say so only when it has waits.
            blocking.Complete(source.SessionEndTimeRelativeMSec, sink);
            var notes = blocking.WaitsSeen > 0 ? blocking.Notes() : [];
            Target = new TargetInfo
            {
                Pid = pid is > 0 ? pid : null,
                ProcessName = ProcessNameFrom(commandLine),
                CommandLine = commandLine,
            };
            return new SourceResult(source.SessionEndTimeRelativeMSec, source.EventsLost, TargetExited: false, Target, traceEvents, notes);
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
