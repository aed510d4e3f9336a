using System.CommandLine;
using System.Runtime.InteropServices;
using TailGuard.Samples.Demo;

var quickOption = new Option<bool>("--quick") { Description = "A few seconds per phase (the CI smoke test)." };
var rateOption = new Option<double>("--rate", "-r") { Description = "Requests per second in every phase.", DefaultValueFactory = _ => DemoOptions.DefaultRate };
var phaseSecondsOption = new Option<double?>("--phase-seconds") { Description = "Seconds per phase (default 15, or 3 with --quick)." };
var portOption = new Option<int>("--port") { Description = "The service's port on 127.0.0.1 (default 0: a free one)." };
var probeOption = new Option<string?>("--probe") { Description = "Path to a dotnet-tailguard.dll (default: the one built from src/Tool with the demo)." };
var outputOption = new Option<string?>("--output-dir", "-o") { Description = "Where the reports go (default artifacts/demo)." };
var skipFindOption = new Option<bool>("--skip-find") { Description = "Skip step 1 (compiling the service again to show the analyzer findings)." };

var root = new RootCommand(
    "TailGuard demo: shows what the analyzers find in an adversarial service, drives it at a fixed rate (healthy, adversarial, " +
    "fixed) with dotnet-tailguard attached, and prints client-side and probe-side percentiles, the tail attribution and the verdict.")
{
    quickOption, rateOption, phaseSecondsOption, portOption, probeOption, outputOption, skipFindOption,
};

// Ctrl+C and SIGTERM become one cancellation, handled here rather than by System.CommandLine, so that the demo always gets to
// its cleanup (killing the service, the probe and any build) before it exits.
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
        Port = parseResult.GetValue(portOption),
        ProbePath = parseResult.GetValue(probeOption),
        OutputDirectory = parseResult.GetValue(outputOption),
        SkipFind = parseResult.GetValue(skipFindOption),
    };
    if (parseResult.GetValue(quickOption))
    {
        options = DemoOptions.Quick(options);
    }

    if (parseResult.GetValue(phaseSecondsOption) is { } seconds)
    {
        options = options with { PhaseDuration = TimeSpan.FromSeconds(seconds) };
    }

    if (options.Rate <= 0 || options.PhaseDuration <= TimeSpan.Zero || options.Port is < 0 or > 65535)
    {
        Console.Error.WriteLine("error: --rate and --phase-seconds must be positive, --port between 0 and 65535.");
        return 2;
    }

    try
    {
        await new DemoRunner(options, DemoLayout.FromThisBuild(), Console.Out).RunAsync(cancellationToken);
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
