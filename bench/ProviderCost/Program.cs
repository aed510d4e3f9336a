using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using TailGuard.RuntimeProbe.Sources;

// ProviderCost <pid> <seconds> <set>: an EventPipe session on <pid> with one provider set, for <seconds> or until SIGINT/SIGTERM.
//   runtime  the runtime provider (GC, contention, thread-pool keywords) and the System.Runtime counters
//   kestrel  runtime + Kestrel (its request events and counters)
//   hosting  runtime + Kestrel + ASP.NET Core hosting, without the TPL activity-flow keyword (hosting events cannot pair)
//   probe    everything `dotnet-tailguard attach` enables (ProbeProviders.Create())
if (args.Length != 3 || !int.TryParse(args[0], out var pid) || !int.TryParse(args[1], out var seconds))
{
    Console.Error.WriteLine("usage: ProviderCost <pid> <seconds> runtime|kestrel|hosting|probe");
    return 2;
}

var probe = ProbeProviders.Create();
var wanted = args[2] switch
{
    "runtime" => new[] { ProbeProviders.Runtime, ProbeProviders.SystemRuntime },
    "kestrel" => [ProbeProviders.Runtime, ProbeProviders.SystemRuntime, ProbeProviders.Kestrel],
    "hosting" => [ProbeProviders.Runtime, ProbeProviders.SystemRuntime, ProbeProviders.Kestrel, ProbeProviders.Hosting],
    "probe" => probe.Select(p => p.Name).ToArray(),
    _ => null,
};
if (wanted is null)
{
    Console.Error.WriteLine($"unknown provider set '{args[2]}'");
    return 2;
}

var providers = probe.Where(p => wanted.Contains(p.Name)).ToList();
var configuration = new EventPipeSessionConfiguration(providers, circularBufferSizeMB: 256, requestRundown: false, requestStackwalk: false);
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

using var session = new DiagnosticsClient(pid).StartEventPipeSession(configuration);
long bytes = 0;
var reader = Task.Run(() =>
{
    var buffer = new byte[1 << 16];
    int read;
    while ((read = session.EventStream.Read(buffer, 0, buffer.Length)) > 0)
    {
        bytes += read;
    }
});
Console.WriteLine($"session started: {string.Join(", ", providers.Select(p => p.Name))}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

session.Stop();
await reader;
Console.WriteLine($"{args[2]}: {bytes / 1e6:F1} MB of events");
return 0;
