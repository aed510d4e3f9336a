using System.Diagnostics;
using System.Globalization;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.LoadDriver;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Demo;

/// <summary>Find (the analyzers on the service), fix (the fixed endpoints), verify (fixed-rate load with the probe attached).</summary>
internal sealed class DemoRunner(DemoOptions options, DemoLayout layout, TextWriter output)
{
    private const int Steps = 5;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _redirectedProgressLines;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var outputDirectory = Path.GetFullPath(options.OutputDirectory ?? layout.DefaultOutputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var htmlPath = Path.Combine(outputDirectory, "tailguard-report.html");
        var nettracePath = Path.Combine(outputDirectory, "run.nettrace");
        var toolReportPath = Path.Combine(outputDirectory, "run.tailguard.json");
        File.Delete(htmlPath);
        File.Delete(toolReportPath);
        File.Delete(nettracePath);

        output.WriteLine(Invariant(
            $"TailGuard demo: find, fix and verify tail latency. {options.Rate:N0} req/s open loop, {options.PhaseDuration.TotalSeconds:0.#} s per phase, {Environment.ProcessorCount} cores, load average {Demo.LoadAverage.Read() ?? "unknown"}."));
        Step(1, "Find: the TailGuard analyzers on samples/AdversarialService");
        if (options.SkipFind)
        {
            Detail("skipped (--skip-find)");
        }
        else
        {
            IReadOnlyList<AnalyzerFinding> findings;
            using (Heartbeat.Start(output, "still compiling the service with the analyzers"))
            {
                findings = await Builds.CompileForFindingsAsync(layout, Path.Combine(outputDirectory, "find"), cancellationToken).ConfigureAwait(false);
            }

            ConsoleReport.PrintFindings(output, findings);
        }

        var probe = ProbeTool.Locate(layout, options.ProbePath);
        Step(2, options.Port == 0 ? "Start the service on a free loopback port" : Invariant($"Start the service on 127.0.0.1:{options.Port}"));
        using var service = await StartServiceAsync(cancellationToken).ConfigureAwait(false);
        ChildProcesses.Track(service);
        Detail(Invariant($"pid {service.Id}, {service.BaseAddress}"));

        using var driver = new OpenLoopLoadDriver();
        await WarmUpAsync(service, driver, cancellationToken).ConfigureAwait(false);

        Step(3, "Attach dotnet-tailguard for the whole run");
        var safetyCap = options.PlannedLoadTime + TimeSpan.FromSeconds(60);
        using var session = probe.Attach(service.Id, toolReportPath, nettracePath, safetyCap);
        Detail($"dotnet {layout.Display(probe.ToolAssembly)} attach {service.Id} --no-live --format json -o {layout.Display(toolReportPath)} --nettrace {layout.Display(nettracePath)}");
        using (Heartbeat.Start(output, "waiting for dotnet-tailguard to attach"))
        {
            await session.WaitUntilRecordingAsync(nettracePath, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }

        // Again with the probe's events on: enabling them brings code paths of their own (the event writers) to be jitted.
        await CallEveryEndpointAsync(service, "attached; every endpoint again, one at a time (the event-writing code the session turned on)", cancellationToken).ConfigureAwait(false);
        await SettleAsync(driver, service, "letting the attach's own hiccup pass", cancellationToken).ConfigureAwait(false);

        Step(4, "Verify: the same fixed rate, phase by phase");
        Detail("before each phase, the service and the load driver collect their garbage (a full GC in the idle gap, as BenchmarkDotNet does between iterations): each phase pays for its own");
        var results = new List<PhaseResult>();
        for (var index = 0; index < Phases.All.Count; index++)
        {
            await CollectBetweenPhasesAsync(service, cancellationToken).ConfigureAwait(false);
            await Task.Delay(options.Settle, cancellationToken).ConfigureAwait(false);
            var phase = Phases.All[index];
            output.WriteLine(Invariant($"      phase {index + 1}/{Phases.All.Count}: {phase.Name} ({phase.Description})"));
            var result = await RunPhaseAsync(phase, driver, service, session.Pid, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            output.WriteLine(ConsoleReport.PhaseSummary(result.Client));
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, $"{phase.Name}.load.json"), result.Client.ToJson(), cancellationToken).ConfigureAwait(false);
            if (result.Cost is { } cost)
            {
                await File.WriteAllTextAsync(Path.Combine(outputDirectory, $"{phase.Name}.cost.json"), cost.ToJson(), cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.Delay(options.Settle, cancellationToken).ConfigureAwait(false);
        Step(5, "Stop the probe; its report of each phase");
        string? stopError;
        using (Heartbeat.Start(output, "waiting for dotnet-tailguard to stop and write its trace"))
        {
            stopError = await session.StopAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }

        if (stopError is not null)
        {
            throw new DemoException(stopError);
        }

        TraceAnalysis analysis;
        using (Heartbeat.Start(output, "still reading the trace back through the probe's pipeline"))
        {
            analysis = await PhaseAnalysis.AnalyzeAsync(nettracePath, results.Select(r => (r.Phase.Name, r.StartUtc, r.EndUtc)), cancellationToken).ConfigureAwait(false);
        }

        results = [.. results.Select(result => result with { Probe = analysis.Phases[result.Phase.Name] })];
        await WriteHtmlAsync(htmlPath, analysis, cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, $"{result.Phase.Name}.tailguard.json"), ReportJson.Serialize(result.Probe!), cancellationToken).ConfigureAwait(false);
            output.WriteLine();
            ConsoleReport.PrintPhase(output, result);
        }

        output.WriteLine();
        ConsoleReport.PrintVerdict(output, options, results);
        output.WriteLine();
        output.WriteLine($"HTML report (the whole run, its three phases marked on the timeline with GC pauses and starvation; percentiles per endpoint, tail attribution): {htmlPath}");
        output.WriteLine(Invariant($"Per-phase JSON (client *.load.json, probe *.tailguard.json, CPU and runtime counters *.cost.json) and the trace: {outputDirectory}."));
        output.WriteLine(TimeLine(_clock.Elapsed, Environment.GetEnvironmentVariable(BuildSecondsVariable)));
    }

    /// <summary>
    /// The whole run's HTML report, rendered here through the probe's library rather than by the tool, because only the demo
    /// knows where its phases lie: they are marked on the timeline. Written beside, then moved into place.
    /// </summary>
    private static async Task WriteHtmlAsync(string htmlPath, TraceAnalysis analysis, CancellationToken cancellationToken)
    {
        var renderer = new HtmlReportRenderer { TimelineMarks = analysis.Marks };
        var partial = htmlPath + ".partial";
        await using (var writer = new StreamWriter(partial))
        {
            renderer.Render(analysis.Whole, writer);
        }

        cancellationToken.ThrowIfCancellationRequested();
        File.Move(partial, htmlPath, overwrite: true);
    }

    /// <summary>
    /// A full collection in the service (<c>POST /runtime-stats/collect</c>) and in the demo's own process, in the idle gap
    /// before a phase: the adversarial phase's garbage was otherwise collected inside the fixed phase (a background gen2 GC in
    /// 8 of 10 fixed phases, up to 90 ms paused), and the load driver's (thousands of finished requests) would pause the client
    /// that times the next phase's responses.
    /// </summary>
    private static async Task CollectBetweenPhasesAsync(ServiceProcess service, CancellationToken cancellationToken)
    {
        using (var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
        using (var response = await http.PostAsync(new Uri("/runtime-stats/collect", UriKind.Relative), content: null, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new DemoException(Invariant($"The service answered /runtime-stats/collect with {(int)response.StatusCode}."));
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    /// <summary>Set by samples/Demo/BuildProgress.targets after a first (cold) restore and build, and passed on by <c>dotnet run</c>.</summary>
    internal const string BuildSecondsVariable = "TAILGUARD_DEMO_BUILD_SECONDS";

    /// <summary>"Demo time 74 s." or, after a cold build, "Demo time 74 s; with the first restore and build (139 s), 3 min 33 s."</summary>
    internal static string TimeLine(TimeSpan demo, string? buildSeconds)
    {
        var line = Invariant($"Demo time {demo.TotalSeconds:0} s");
        if (double.TryParse(buildSeconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var build) && build > 0)
        {
            var total = demo + TimeSpan.FromSeconds(build);
            line += Invariant($"; with the first restore and build ({build:0} s), {(int)total.TotalMinutes} min {total.Seconds} s in all");
        }

        return line + ".";
    }

    private async Task<ServiceProcess> StartServiceAsync(CancellationToken cancellationToken)
    {
        var assembly = layout.Require(layout.ServiceAssembly);
        if (options.Port != 0 && !PortIsFree(options.Port))
        {
            throw new DemoException(Invariant($"Port {options.Port} on 127.0.0.1 is taken: pick another with --port, or leave it out for a free one."));
        }

        string[] arguments =
        [
            "--urls", Invariant($"http://127.0.0.1:{options.Port}"), Invariant($"--Workload:BlockingDelayMs={options.BlockingDelayMs}"),
            Invariant($"--Workload:InputDelayMs={options.InputDelayMs}"), Invariant($"--Workload:CpuRows={options.CpuRows}"),
        ];
        try
        {
            return await ServiceProcess.StartAsync(assembly, arguments, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException exception)
        {
            // The service's last stderr lines, without the stack frames, are the explanation.
            var lines = exception.Message.Split('\n').Select(line => line.TrimEnd()).Where(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal) && !line.TrimStart().StartsWith("---", StringComparison.Ordinal));
            throw new DemoException($"The service did not start: {string.Join(Environment.NewLine, lines)}");
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Before the probe attaches, so that none of it is in the report: every endpoint a few times, one request at a time (JIT,
    /// connections, the upstream's first accept), then full-rate /healthy until the service has settled. One request at a time
    /// on purpose: load on the blocking endpoints here would grow the thread pool (the first version sent every endpoint at
    /// 100 req/s and left 40-odd threads behind), and how many threads the pool has when the adversarial phase starts decides
    /// whether its bursts saturate it.
    /// </summary>
    private async Task WarmUpAsync(ServiceProcess service, OpenLoopLoadDriver driver, CancellationToken cancellationToken)
    {
        await CallEveryEndpointAsync(service, "warming up before the probe attaches (not measured)", cancellationToken).ConfigureAwait(false);
        await SettleAsync(driver, service, "then /healthy at the full rate", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every endpoint <see cref="DemoOptions.WarmupRounds"/> times, one request at a time: enough calls for the tiered JIT to
    /// promote their code to tier 1 (30 calls), so that it does not compile inside a measured phase.
    /// </summary>
    private async Task CallEveryEndpointAsync(ServiceProcess service, string what, CancellationToken cancellationToken)
    {
        var paths = Phases.All.SelectMany(phase => phase.Mix.Select(target => target.Path).Concat(phase.Bursts.Select(burst => burst.Path))).Distinct(StringComparer.Ordinal).ToArray();
        Detail(Invariant($"{what}: each of the {paths.Length} endpoints {options.WarmupRounds} times, one request at a time"));
        using var heartbeat = Heartbeat.Start(output, "still calling every endpoint");
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        for (var round = 0; round < options.WarmupRounds; round++)
        {
            foreach (var path in paths)
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new DemoException(Invariant($"The service answered {path} with {(int)response.StatusCode} during the warm-up."));
                }
            }
        }
    }

    /// <summary>Full-rate /healthy, a second at a time, until a second has a P99 under the target (at most <see cref="DemoOptions.MaxWarmup"/>).</summary>
    private async Task SettleAsync(OpenLoopLoadDriver driver, ServiceProcess service, string what, CancellationToken cancellationToken)
    {
        using var heartbeat = Heartbeat.Start(output, "still settling");
        var started = Stopwatch.StartNew();
        var seconds = 0;
        ClientLatency last;
        do
        {
            var round = await driver.RunAsync(
                new LoadPlan { BaseAddress = service.BaseAddress, RatePerSecond = options.Rate, Duration = TimeSpan.FromSeconds(1), Mix = [new LoadTarget("/healthy", 1)] },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            last = round.Latency;
            seconds++;
        }
        while ((seconds < options.Warmup.TotalSeconds / 2 || last.P99 > options.WarmupTargetP99Ms) && started.Elapsed < options.MaxWarmup / 2);

        cancellationToken.ThrowIfCancellationRequested();
        Detail(last.P99 <= options.WarmupTargetP99Ms
            ? Invariant($"{what}: settled after {seconds} s (last second's P99 {ConsoleReport.Ms(last.P99)}, target {options.WarmupTargetP99Ms:0} ms)")
            : Invariant($"{what}: not settled after {seconds} s (last second's P99 {ConsoleReport.Ms(last.P99)}, target {options.WarmupTargetP99Ms:0} ms); the machine is busy, measuring anyway"));
    }

    private async Task<PhaseResult> RunPhaseAsync(Phase phase, OpenLoopLoadDriver driver, ServiceProcess service, int probePid, CancellationToken cancellationToken)
    {
        var plan = new LoadPlan
        {
            BaseAddress = service.BaseAddress, RatePerSecond = options.Rate, Duration = options.PhaseDuration, Mix = phase.Mix, Bursts = phase.BurstsFor(options.PhaseDuration),
        };
        var progress = new InlineProgress(p => ShowProgress(p, plan));
        _redirectedProgressLines = 0;
        using var stats = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var before = await CostSample.TakeAsync(stats, service.Id, probePid, cancellationToken).ConfigureAwait(false);
        var start = DateTime.UtcNow;
        var client = await driver.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
        var end = DateTime.UtcNow;
        var after = await CostSample.TakeAsync(stats, service.Id, probePid, cancellationToken).ConfigureAwait(false);
        ClearProgress();
        cancellationToken.ThrowIfCancellationRequested();
        if (service.HasExited)
        {
            throw new DemoException($"The service exited during the {phase.Name} phase.");
        }

        return new PhaseResult(phase, client, start, end) { LoadAverage = Demo.LoadAverage.Read(), Cost = CostSample.Between(before, after) };
    }

    private void Step(int number, string title) =>
        output.WriteLine(Invariant($"[{number}/{Steps}] {title}   ({_clock.Elapsed.TotalSeconds:0} s)"));

    private void Detail(string text) => output.WriteLine("      " + text);

    private void ShowProgress(LoadProgress progress, LoadPlan plan)
    {
        var line = Invariant($"      {progress.Elapsed.TotalSeconds,4:0.0}/{plan.Duration.TotalSeconds:0} s  sent {progress.Sent,7:N0}  in flight {progress.InFlight,5:N0}  errors {progress.Errors:N0}  timeouts {progress.Timeouts:N0}");
        if (!Console.IsOutputRedirected)
        {
            output.Write("\r" + line + "   ");
        }
        else if ((int)(progress.Elapsed.TotalSeconds / 5) > _redirectedProgressLines)
        {
            // Redirected (CI, a log file): one line every 5 s instead of a line rewritten in place.
            _redirectedProgressLines++;
            output.WriteLine(line);
        }
    }

    private void ClearProgress()
    {
        if (!Console.IsOutputRedirected)
        {
            output.Write("\r" + new string(' ', 100) + "\r");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reports on the caller's thread, unlike <see cref="Progress{T}"/>, which posts to the pool.</summary>
    private sealed class InlineProgress(Action<LoadProgress> report) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => report(value);
    }
}
