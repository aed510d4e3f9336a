using System.Diagnostics;
using System.Globalization;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>What one phase measured, from both sides.</summary>
internal sealed record PhaseResult(Phase Phase, LoadResult Client, ProbeReport? Probe, string? ProbeError, string NettracePath);

/// <summary>Find (build with the analyzers), fix (the fixed endpoints), verify (load + probe), in one run.</summary>
internal sealed class DemoRunner(DemoOptions options, string repositoryRoot, TextWriter output)
{
    private const string ServiceProject = "samples/AdversarialService/AdversarialService.csproj";
    private const int Steps = 4;

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var outputDirectory = Path.GetFullPath(options.OutputDirectory ?? Path.Combine(repositoryRoot, "artifacts", "demo"));
        Directory.CreateDirectory(outputDirectory);
        output.WriteLine(Invariant($"TailGuard demo: find, fix and verify tail latency. {options.Rate:N0} req/s open loop, {options.PhaseDuration.TotalSeconds:0.#} s per phase, {Environment.ProcessorCount} cores."));
        output.WriteLine();

        Step(1, "Find: build the adversarial service with the TailGuard analyzers");
        await Builds.BuildAsync(repositoryRoot, ServiceProject, cancellationToken).ConfigureAwait(false);
        var findings = await Builds.RecompileForWarningsAsync(repositoryRoot, ServiceProject, cancellationToken).ConfigureAwait(false);
        Report.PrintFindings(output, findings);

        Step(2, "Probe: locate dotnet-tailguard");
        var (probe, unavailable) = await ProbeTool.LocateAsync(repositoryRoot, options.ProbePath, Detail, cancellationToken).ConfigureAwait(false);
        Detail(probe is not null
            ? $"using {Path.GetRelativePath(repositoryRoot, probe.ToolAssembly)}"
            : $"PROBE UNAVAILABLE ({unavailable}): the demo runs and prints client-side figures only.");

        Step(3, "Start the service on a free loopback port");
        var serviceAssembly = Path.Combine(repositoryRoot, "samples", "AdversarialService", "bin", "Release", "net10.0", "AdversarialService.dll");
        ServiceProcess service;
        try
        {
            service = await ServiceProcess.StartAsync(serviceAssembly, ["--urls", "http://127.0.0.1:0"], TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException exception)
        {
            throw new DemoException($"The service did not start: {exception.Message}");
        }

        ChildProcesses.Track(service);
        try
        {
            Detail(Invariant($"pid {service.Id}, {service.BaseAddress}"));
            using var driver = new OpenLoopLoadDriver();
            await WarmUpAsync(driver, service, cancellationToken).ConfigureAwait(false);

            Step(4, "Verify: fixed-rate load, phase by phase, with the probe attached");
            var results = new List<PhaseResult>();
            for (var index = 0; index < Phases.All.Count; index++)
            {
                var phase = Phases.All[index];
                output.WriteLine();
                output.WriteLine(Invariant($"Phase {index + 1}/{Phases.All.Count}: {phase.Name} ({phase.Description})"));
                var result = await RunPhaseAsync(phase, driver, service, probe, outputDirectory, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                await File.WriteAllTextAsync(Path.Combine(outputDirectory, $"{phase.Name}.load.json"), result.Client.ToJson(), cancellationToken).ConfigureAwait(false);
                Report.PrintPhase(output, result);
            }

            var htmlReports = await RenderHtmlAsync(probe, results, outputDirectory, cancellationToken).ConfigureAwait(false);
            output.WriteLine();
            Report.PrintVerdict(output, options, results, probe is not null, unavailable);
            foreach (var line in htmlReports)
            {
                output.WriteLine(line);
            }

            output.WriteLine(Invariant($"Client reports (JSON): {outputDirectory}. Total time {_clock.Elapsed.TotalSeconds:0} s."));
        }
        finally
        {
            ChildProcesses.Forget(service);
            service.Dispose();
        }
    }

    private async Task WarmUpAsync(OpenLoopLoadDriver driver, ServiceProcess service, CancellationToken cancellationToken)
    {
        Detail(Invariant($"warming up for {options.Warmup.TotalSeconds:0.#} s (JIT, connections); not measured"));
        var everything = Phases.All.SelectMany(phase => phase.Mix).DistinctBy(target => target.Path).Select(target => target with { Weight = 1 }).ToArray();
        await driver.RunAsync(
            new LoadPlan { BaseAddress = service.BaseAddress, RatePerSecond = Math.Min(options.Rate, 200), Duration = options.Warmup / 2, Mix = everything },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await driver.RunAsync(
            new LoadPlan { BaseAddress = service.BaseAddress, RatePerSecond = options.Rate, Duration = options.Warmup / 2, Mix = [new LoadTarget("/healthy", 1)] },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task<PhaseResult> RunPhaseAsync(
        Phase phase, OpenLoopLoadDriver driver, ServiceProcess service, ProbeTool? probe, string outputDirectory, CancellationToken cancellationToken)
    {
        var jsonPath = Path.Combine(outputDirectory, $"{phase.Name}.tailguard.json");
        var nettracePath = Path.Combine(outputDirectory, $"{phase.Name}.nettrace");
        File.Delete(jsonPath);
        File.Delete(nettracePath);

        ProbeSession? session = null;
        if (probe is not null)
        {
            var probeDuration = options.ProbeLeadIn + options.PhaseDuration + TimeSpan.FromSeconds(1);
            session = probe.Attach(service.Id, TimeSpan.FromSeconds(Math.Ceiling(probeDuration.TotalSeconds)), jsonPath, nettracePath);
            await Task.Delay(options.ProbeLeadIn, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var plan = new LoadPlan { BaseAddress = service.BaseAddress, RatePerSecond = options.Rate, Duration = options.PhaseDuration, Mix = phase.Mix };
            var progress = new InlineProgress(p => ShowProgress(p, plan));
            var client = await driver.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            ClearProgress();
            cancellationToken.ThrowIfCancellationRequested();
            if (service.HasExited)
            {
                throw new DemoException($"The service exited during the {phase.Name} phase.");
            }

            if (session is null)
            {
                return new PhaseResult(phase, client, null, null, nettracePath);
            }

            Detail("waiting for the probe's report");
            var (report, error) = await session.CompleteAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            return new PhaseResult(phase, client, report, error, nettracePath);
        }
        finally
        {
            session?.Dispose();
        }
    }

    private static async Task<IReadOnlyList<string>> RenderHtmlAsync(ProbeTool? probe, IReadOnlyList<PhaseResult> results, string outputDirectory, CancellationToken cancellationToken)
    {
        if (probe is null)
        {
            return ["HTML report: not written (the probe is unavailable)."];
        }

        var lines = new List<string>();
        foreach (var result in results.OrderByDescending(result => result.Phase.Name == "adversarial"))
        {
            var htmlPath = Path.Combine(outputDirectory, $"tailguard-{result.Phase.Name}.html");
            var error = await probe.RenderHtmlAsync(result.NettracePath, htmlPath, outputDirectory, cancellationToken).ConfigureAwait(false);
            lines.Add(error is null ? $"HTML report ({result.Phase.Name}): {htmlPath}" : $"HTML report ({result.Phase.Name}): not written: {error}");
        }

        return lines;
    }

    private void Step(int number, string title)
    {
        output.WriteLine(Invariant($"[{number}/{Steps}] {title}   ({_clock.Elapsed.TotalSeconds:0} s)"));
    }

    private void Detail(string text) => output.WriteLine("      " + text);

    private void ShowProgress(LoadProgress progress, LoadPlan plan)
    {
        var line = Invariant($"      {progress.Elapsed.TotalSeconds,4:0.0}/{plan.Duration.TotalSeconds:0} s  sent {progress.Sent,7:N0}  in flight {progress.InFlight,5:N0}  errors {progress.Errors:N0}  timeouts {progress.Timeouts:N0}");
        if (Console.IsOutputRedirected)
        {
            if ((int)progress.Elapsed.TotalSeconds % 5 == 0)
            {
                output.WriteLine(line);
            }
        }
        else
        {
            output.Write("\r" + line + "   ");
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
