using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using OpenTelemetry.Metrics;
using TailGuard.Monitor;
using TailGuard.Output;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary>
/// <c>dotnet-tailguard monitor (-p PID | -n NAME)</c>: always on. One EventPipe session, read in windows of stream time
/// (a fresh correlator each, so memory stays bounded whatever the uptime); the trackers' measurements go to the OpenTelemetry
/// SDK as they are made and are exported, cumulative over the monitor's life, to Prometheus (<c>--prometheus</c>) and/or an
/// OTLP/HTTP receiver (<c>--otlp</c>). One line per window on standard error. Runs until Ctrl+C, SIGTERM or the target exits.
/// </summary>
internal static class MonitorCommand
{
    private const int MaxBufferMb = 4096;

    private static readonly Option<int?> ProcessIdOption = NumberOptions.ProcessId(
        "--process-id", "The process id to monitor (see 'dotnet-tailguard ps').", "-p");

    private static readonly Option<string?> NameOption = new("--name", "-n")
    {
        Description = "Monitor the one .NET process with this name: its process name or its app's name ('App' for 'dotnet " +
                      "App.dll'). Several matches are an error that lists them.",
    };

    private static readonly Option<TimeSpan> WindowOption = new("--window")
    {
        Description = "The window length (default 60s): one line and one report per window, and the tail-share gauge's span. " +
                      "Histograms and counters are cumulative over the monitor's life and never reset per window.",
        HelpName = "DURATION",
        DefaultValueFactory = _ => MonitorSettings.DefaultWindow,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!DurationParser.TryParse(text, out var window, out var error))
            {
                result.AddError("--window: " + error);
            }
            else if (window < TimeSpan.FromSeconds(1))
            {
                result.AddError($"--window must be at least 1s: '{text}' is shorter.");
            }

            return window;
        },
    };

    private static readonly Option<string?> PrometheusOption = new("--prometheus")
    {
        HelpName = "HOST:PORT",
        Description = "Serve the metrics for Prometheus to scrape at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464; in a pod, " +
                      "the pod's address or 0.0.0.0).",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!TryParseHostPort(text))
            {
                result.AddError($"--prometheus takes HOST:PORT (127.0.0.1:9464): '{text}' is not one.");
            }

            return text;
        },
    };

    private static readonly Option<Uri?> OtlpOption = new("--otlp")
    {
        HelpName = "URL",
        Description = "Push the metrics to this OTLP/HTTP receiver (http://HOST:4318; protobuf to /v1/metrics) every 10 s.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--otlp takes the receiver's http:// or https:// address (http://collector:4318): '{text}' is not one.");
            return null;
        },
    };

    private const string UnknownService = "unknown_service:dotnet";

    private static readonly Option<string?> DiagnosticPortOption = new("--diagnostic-port")
    {
        HelpName = "PATH",
        Description = "Listen at this diagnostic port (a Unix domain socket the tool creates) for the .NET processes that connect " +
                      "to it (DOTNET_DiagnosticPorts=PATH,nosuspend), one after another, from their start-up: the sidecar " +
                      "pattern, across containers sharing a volume. After a process goes, the monitor listens again. Say " +
                      ",nosuspend: a bare PATH makes the app wait at start-up for a tool, and a sidecar that is down must not " +
                      "hang it.",
    };

    private static readonly Option<string?> ServiceNameOption = new("--service-name")
    {
        HelpName = "NAME",
        Description = "The metrics' service.name (default: the target's app name; with --diagnostic-port, " + UnknownService + ").",
    };

    private static readonly Option<int?> BufferOption = NumberOptions.Create(
        "--buffer-mb", "EventPipe's circular buffer in the target, in MB (default 256).", 1, MaxBufferMb, "(MB)", "--buffersize");

    private static readonly Option<TriggerRule[]> TriggerOption = new("--trigger")
    {
        HelpName = "RULE",
        Description = "Capture the window when this holds (with --out-dir; repeat for several): \"p99>50ms for 30s\" (p50, p90, " +
                      "p99, p999 of request latency over the rolling 'for' window, default 30s, at least 20 requests), " +
                      "\"starvation\" (a starvation episode), \"gcpause>100ms\" (a GC pause longer than that). Evaluated every " +
                      "second, independently of --window; a trigger fires once when it starts to hold, not again while it holds.",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = result =>
        {
            var rules = new List<TriggerRule>();
            foreach (var token in result.Tokens)
            {
                try
                {
                    rules.Add(TriggerRule.Parse(token.Value));
                }
                catch (FormatException ex)
                {
                    result.AddError("--trigger: " + ex.Message);
                }
            }

            return [.. rules];
        },
    };

    private static readonly Option<DirectoryInfo?> OutDirOption = new("--out-dir")
    {
        HelpName = "DIR",
        Description = "Where captures go: when a --trigger fires, the window's report (report.json, report.html) and trace " +
                      "(trace.nettrace, readable by 'analyze') in a folder capture-<UTC time>. With it, each window is an " +
                      "EventPipe session of its own, so that each window's trace is whole.",
    };

    private static readonly Option<int?> MaxCapturesOption = NumberOptions.Create(
        "--max-captures", "At most this many captures in any rolling hour (default 5); a trigger past it is logged, not captured.",
        1, 1000, "N");

    public static Command Create(IProbeConsole console)
    {
        var command = new Command("monitor",
            "Monitor a .NET process until stopped: GC pauses (per pause, by generation and type), the thread pool's scheduling " +
            "delay and starvation, request latency per endpoint, and each window's tail shares, exported through the " +
            "OpenTelemetry SDK to Prometheus (--prometheus) and/or OTLP/HTTP (--otlp); one line per window on standard error. " +
            "Metric names and meanings: docs/probe.md. " + ExitCodesHelp.Monitor)
        {
            ProcessIdOption, NameOption, DiagnosticPortOption, ServiceNameOption, WindowOption, PrometheusOption, OtlpOption, TriggerOption, OutDirOption,
            MaxCapturesOption, BufferOption,
        };
        command.Validators.Add(result =>
        {
            var targets = new[]
                {
                    result.GetResult(ProcessIdOption) is { Implicit: false }, result.GetResult(NameOption) is { Implicit: false },
                    result.GetResult(DiagnosticPortOption) is { Implicit: false },
                }
                .Count(g => g);
            if (targets != 1)
            {
                result.AddError(targets == 0
                    ? "Give the process to monitor: -p <pid> or -n <name> (see 'dotnet-tailguard ps'), or --diagnostic-port <path>."
                    : "Give the process once: -p <pid>, -n <name> or --diagnostic-port <path>, not several.");
            }

            var triggers = result.GetResult(TriggerOption) is { Implicit: false };
            var outDir = result.GetResult(OutDirOption) is { Implicit: false };
            if (triggers != outDir)
            {
                result.AddError(triggers ? "--trigger needs --out-dir DIR, where its captures go." : "--out-dir needs a --trigger saying when to capture.");
            }
            else if (!outDir && result.GetResult(PrometheusOption) is not { Implicit: false } && result.GetResult(OtlpOption) is not { Implicit: false })
            {
                result.AddError("Give where the metrics go: --prometheus HOST:PORT and/or --otlp URL (or captures: --trigger and --out-dir).");
            }
        });
        command.SetAction(async (parse, cancel) => (int)await Run(
            console,
            new MonitorSettings
            {
                Pid = parse.GetValue(ProcessIdOption),
                Name = parse.GetValue(NameOption),
                DiagnosticPort = parse.GetValue(DiagnosticPortOption),
                ServiceName = parse.GetValue(ServiceNameOption),
                Window = parse.GetValue(WindowOption),
                Prometheus = parse.GetValue(PrometheusOption),
                Otlp = parse.GetValue(OtlpOption),
                BufferMb = parse.GetValue(BufferOption) ?? MonitorSettings.DefaultBufferMb,
                Triggers = parse.GetValue(TriggerOption) ?? [],
                OutDir = parse.GetValue(OutDirOption),
                MaxCapturesPerHour = parse.GetValue(MaxCapturesOption) ?? MonitorSettings.DefaultMaxCaptures,
            },
            cancel).ConfigureAwait(false));
        return command;
    }

    public static async Task<ReturnCode> Run(IProbeConsole console, MonitorSettings settings, CancellationToken cancel)
    {
        // The target is checked before anything listens: a wrong pid is exit 1 at once.
        int? pid = settings.DiagnosticPort is null ? settings.Pid ?? ProcessByName.Find(settings.Name!) : null;
        await using var connection = pid is { } known ? TargetConnection.ToProcess(known) : null;

        using var metrics = new MonitorMetrics();
        using var provider = BuildExport(settings, settings.ServiceName ?? (connection is null ? UnknownService : AppName(connection.Target)));
        var captures = settings.OutDir is { } outDir ? new CaptureWriter(outDir.FullName, settings.MaxCapturesPerHour) : null;
        var where = string.Join(" and ", new[]
        {
            settings.Prometheus is { } p ? $"metrics at http://{p}{MonitorExport.ScrapePath}" : null,
            settings.Otlp is { } o ? $"metrics to OTLP {o}" : null,
            captures is not null ? $"captures in {captures.Folder} when {string.Join(" or ", settings.Triggers.Select(t => $"'{t.Text}'"))}" : null,
        }.Where(w => w is not null));
        var who = connection is null ? $"the processes that connect to {settings.DiagnosticPort}" : $"{connection.Target.ProcessName} (pid {pid})";
        await console.Error.WriteLineAsync($"Monitoring {who} in {Formatting(settings.Window)} windows; {where}. Ctrl+C stops.").ConfigureAwait(false);

        if (connection is not null)
        {
            metrics.SetTarget(pid);
            var result = await MonitorAsync(console, settings, connection, metrics, captures, cancel).ConfigureAwait(false);
            provider.ForceFlush(5_000);
            if (result.TargetExited)
            {
                await console.Error.WriteLineAsync($"The target process {pid} exited; monitoring stopped.").ConfigureAwait(false);
            }

            return ReturnCode.Success;
        }

        // Listen mode (the sidecar): one connection per process lifetime; after it goes, listen again for the next.
        var port = settings.DiagnosticPort!;
        while (!cancel.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync($"Waiting for a .NET process to connect to {port} (start it with DOTNET_DiagnosticPorts={port},nosuspend).").ConfigureAwait(false);
            TargetConnection connected;
            try
            {
                connected = await TargetConnection.ListenAsync(port, pid: null, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }

            await using (connected.ConfigureAwait(false))
            {
                metrics.SetTarget(null);
                int? seen = null;
                var result = await MonitorAsync(console, settings, connected, metrics, captures, cancel, p => seen = p).ConfigureAwait(false);
                provider.ForceFlush(5_000);
                if (!cancel.IsCancellationRequested)
                {
                    var which = (result.Target?.Pid ?? seen) is { } gone ? $"The process {gone}" : "The process";
                    await console.Error.WriteLineAsync($"{which} at {port} went away.").ConfigureAwait(false);
                }
            }
        }

        return ReturnCode.Success;
    }

    /// <summary>One target's lifetime (or until Ctrl+C): windows of one session, or a session per window with captures.</summary>
    private static async Task<SourceResult> MonitorAsync(
        IProbeConsole console, MonitorSettings settings, TargetConnection connection, MonitorMetrics metrics, CaptureWriter? captures,
        CancellationToken cancel, Action<int>? pidSeen = null)
    {
        void OnPid(int pid)
        {
            metrics.SetTarget(pid);
            pidSeen?.Invoke(pid);
        }

        var result = captures is null
            ? await StreamWindowsAsync(console, settings, connection, metrics, OnPid, cancel).ConfigureAwait(false)
            : await new SessionWindows(connection, metrics, new TriggerEvaluator(settings.Triggers), captures, settings.Window, settings.BufferMb,
                (report, startMs, endMs) => console.Error.WriteLine(WindowLine(report, startMs, endMs)),
                line => console.Error.WriteLine(line)) { PidSeen = OnPid }.RunAsync(cancel).ConfigureAwait(false);
        if (result.EventsLost > 0)
        {
            await console.Error.WriteLineAsync($"EventPipe dropped {result.EventsLost} events (raise --buffer-mb).").ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Without captures: one session for the monitor's life, read in windows of stream time (no gap between windows).</summary>
    private static async Task<SourceResult> StreamWindowsAsync(
        IProbeConsole console, MonitorSettings settings, TargetConnection connection, MonitorMetrics metrics, Action<int> pidSeen, CancellationToken cancel)
    {
        var target = ReportBuilder.Target(connection.Target);
        using var source = EventPipeLiveSource.Over(connection, nettracePath: null, settings.BufferMb, blockingSites: false);
        source.PidSeen = pid =>
        {
            pidSeen(pid);
            target = target with { Pid = pid };
        };
        var sink = new WindowedCorrelator(
            CorrelatorOptions.Default with { Listener = metrics },
            settings.Window,
            () => target,
            (report, startMs, endMs) =>
            {
                metrics.SetWindow(report);
                console.Error.WriteLine(WindowLine(report, startMs, endMs));
            });
        var result = await source.RunAsync(sink, cancel).ConfigureAwait(false);
        sink.Finish(result.EndMs, result.TargetExited ? EndReasons.TargetExited : EndReasons.Cancelled, result.TargetExited);
        return result;
    }

    private static MeterProvider BuildExport(MonitorSettings settings, string serviceName)
    {
        try
        {
            return MonitorExport.Build(new MonitorExportOptions { Prometheus = settings.Prometheus, Otlp = settings.Otlp, ServiceName = serviceName });
        }
        catch (Exception ex) when (ex is System.Net.HttpListenerException or SocketException or InvalidOperationException)
        {
            throw new UserError($"Cannot serve metrics at {settings.Prometheus}: {ex.Message}", ex);
        }
    }

    /// <summary>The target's app name for service.name: the .dll a 'dotnet App.dll' runs, otherwise the process name.</summary>
    internal static string AppName(TargetInfo target)
    {
        var dll = target.CommandLine?.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(w => w.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        return dll is not null ? Path.GetFileNameWithoutExtension(dll) : target.ProcessName ?? "unknown";
    }

    private static string WindowLine(Report r, double startMs, double endMs) => string.Create(CultureInfo.InvariantCulture,
        $"[{DateTime.UtcNow:HH:mm:ss}] window {startMs / 1000:0}-{endMs / 1000:0} s: {r.Requests.Count} requests, " +
        $"P99 {r.Requests.LatencyMs.P99:0.#} ms; GC {r.Gc.PauseCount} pauses, {r.Gc.TotalPauseMs:0} ms; " +
        $"starvation {r.ThreadPool.StarvationEpisodes.Count} episodes");

    private static string Formatting(TimeSpan window) =>
        window.TotalSeconds % 60 == 0 ? $"{window.TotalMinutes:0}m" : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds:0.###}s");

    private static bool TryParseHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }
}

/// <summary>The monitor command's arguments, typed.</summary>
internal sealed record MonitorSettings
{
    public const int DefaultBufferMb = 256;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(60);

    public int? Pid { get; init; }
    public string? Name { get; init; }
    /// <summary>A diagnostic port to listen at for processes that connect (<c>--diagnostic-port</c>).</summary>
    public string? DiagnosticPort { get; init; }
    public string? ServiceName { get; init; }
    public TimeSpan Window { get; init; } = DefaultWindow;
    public string? Prometheus { get; init; }
    public Uri? Otlp { get; init; }
    public int BufferMb { get; init; } = DefaultBufferMb;
    public const int DefaultMaxCaptures = 5;
    public IReadOnlyList<TriggerRule> Triggers { get; init; } = [];
    public DirectoryInfo? OutDir { get; init; }
    public int MaxCapturesPerHour { get; init; } = DefaultMaxCaptures;
}
