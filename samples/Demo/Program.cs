using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using TailGuard.Samples.Demo;

var quickOption = new Option<bool>("--quick") { Description = "A few seconds per phase (the CI smoke test)." };
var rateOption = new Option<double>("--rate", "-r") { Description = "Requests per second in every phase.", DefaultValueFactory = _ => DemoOptions.DefaultRate };
var phaseSecondsOption = new Option<double?>("--phase-seconds") { Description = "Seconds per phase (default 15, or 4 with --quick)." };
var probeOption = new Option<string?>("--probe") { Description = "Path to dotnet-tailguard.dll (default: build it from src/RuntimeProbe)." };
var outputOption = new Option<string?>("--output-dir", "-o") { Description = "Where the reports go (default artifacts/demo)." };

var root = new RootCommand("TailGuard demo: builds the adversarial service with the analyzers, drives it at a fixed rate (healthy, adversarial, fixed), attaches dotnet-tailguard, and prints the verdict.")
{
    quickOption, rateOption, phaseSecondsOption, probeOption, outputOption,
};
// Ctrl+C and SIGTERM become one cancellation, handled here rather than by System.CommandLine, so that the demo always gets to
// its cleanup (killing the service and the probe) before it exits.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

root.SetAction(async (parseResult, _) =>
{
    var cancellationToken = stop.Token;
    var options = new DemoOptions
    {
        Rate = parseResult.GetValue(rateOption),
        ProbePath = parseResult.GetValue(probeOption),
        OutputDirectory = parseResult.GetValue(outputOption),
    };
    if (parseResult.GetValue(quickOption))
    {
        options = DemoOptions.Quick(options);
    }

    if (parseResult.GetValue(phaseSecondsOption) is { } seconds)
    {
        options = options with { PhaseDuration = TimeSpan.FromSeconds(seconds) };
    }

    if (options.Rate <= 0 || options.PhaseDuration <= TimeSpan.Zero)
    {
        Console.Error.WriteLine("error: --rate and --phase-seconds must be positive.");
        return 2;
    }

    var repositoryRoot = typeof(DemoRunner).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
    try
    {
        await new DemoRunner(options, repositoryRoot, Console.Out).RunAsync(cancellationToken);
        return 0;
    }
    catch (DemoException exception)
    {
        Console.Out.WriteLine();
        Console.Error.WriteLine($"demo failed: {exception.Message}");
        return 1;
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
        Console.Out.WriteLine();
        Console.Error.WriteLine("demo cancelled: stopped every process it started.");
        return 130;
    }
    finally
    {
        ChildProcesses.KillAll();
    }
});

return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
