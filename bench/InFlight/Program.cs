using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using TailGuard.Bench.InFlight;
using TailGuard.Sizes;
using TailGuard.Samples.AdversarialService;

// Starts N concurrent requests of a handler, each suspended on its own pending upstream read, and measures the managed heap
// they hold (GC.GetTotalMemory(true) after a full blocking collection, before and after), per request. Then releases them
// and checks every request completed with a result.
// Usage: InFlight [operations=100000] [repeats=3]
var operations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var workload = new WorkloadOptions();

Console.WriteLine($"In-flight memory: {operations:N0} concurrent suspended requests, median of {repeats} runs");
Console.WriteLine($"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}, " +
                  $"{Environment.ProcessorCount} CPUs, server GC {GCSettings.IsServerGC}, GC latency mode {GCSettings.LatencyMode}");

var scenarios = new (string Name, Func<PendingUpstream, Task> Start)[]
{
    ("upstream read alone (FetchQuoteAsync)", u => u.FetchQuoteAsync(workload.InputDelayMs, CancellationToken.None)),
    ("fixed handler (copy of FixedEndpoints.BloatedStateMachine)", u => FixedHandler.BloatedStateMachine(workload, u, 7, CancellationToken.None)),
    ("bloated handler (copy of BadEndpoints.BloatedStateMachine)", u => BadHandler.BloatedStateMachine(workload, u, 7, CancellationToken.None)),
};

var measured = new Dictionary<string, double>();
foreach (var (name, start) in scenarios)
{
    Run(start, Math.Min(operations, 1000)); // warm-up: JIT, statics, tiering
    var runs = Enumerable.Range(0, repeats).Select(_ => Run(start, operations)).Order().ToArray();
    measured[name] = runs[runs.Length / 2];
    Console.WriteLine($"  {name,-60} {measured[name],8:F1} bytes per in-flight request   (runs: {string.Join(", ", runs.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))})");
}

var upstreamOnly = measured[scenarios[0].Name];
Console.WriteLine();
Console.WriteLine("Handler's own share (total minus the upstream read it awaits), and what `dotnet-tailguard sizes` predicts for it:");
var sizes = StateMachineInspector.Inspect(typeof(FixedHandler).Assembly.Location);
foreach (var (name, type) in new[] { (scenarios[1].Name, typeof(FixedHandler)), (scenarios[2].Name, typeof(BadHandler)) })
{
    var machine = sizes.StateMachines.Single(m => m.DeclaringType == type.FullName && m.MethodName == "BloatedStateMachine");
    Console.WriteLine($"  {name,-60} {measured[name] - upstreamOnly,8:F1} bytes measured; predicted {machine.HeapBytesPerOperation} " +
                      $"(state machine {machine.Bytes} + box {machine.BoxBytes - machine.Bytes})");
}

var fetch = sizes.StateMachines.Single(m => m.DeclaringType == typeof(PendingUpstream).FullName);
Console.WriteLine($"  upstream read: its state machine box {fetch.HeapBytesPerOperation} bytes + TaskCompletionSource<string> " +
                  $"{RuntimeLayout.InstanceSize(typeof(TaskCompletionSource<string>))} + Task<string> {RuntimeLayout.InstanceSize(typeof(Task<string>))}");

static double Run(Func<PendingUpstream, Task> start, int count)
{
    var upstream = new PendingUpstream(count);
    var requests = new Task[count];
    var before = Quiesce();
    for (var i = 0; i < count; i++)
    {
        requests[i] = start(upstream);
    }

    var after = Quiesce();
    if (upstream.PendingCount != count || requests.Any(r => r.IsCompleted))
    {
        throw new InvalidOperationException("every request must be suspended on its own pending read");
    }

    upstream.ReleaseAll("quote 42.00");
    Task.WaitAll(requests);
    foreach (var request in requests)
    {
        if (request is Task<IResult> { Result: null } || request is Task<string> { Result: null })
        {
            throw new InvalidOperationException("a request completed without a result");
        }
    }

    GC.KeepAlive(requests);
    return (after - before) / (double)count;
}

static long Quiesce()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    return GC.GetTotalMemory(forceFullCollection: true);
}
