using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TailGuard.Samples.AdversarialService;

var builder = WebApplication.CreateBuilder(args);

// Loopback only, on a free port unless --urls says otherwise: the demo and the tests read the bound address from stdout.
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}

// Per-request logging would dominate the cost of the healthy endpoint and blur the measurement.
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var workload = builder.Configuration.GetSection("Workload").Get<WorkloadOptions>() ?? new WorkloadOptions();
builder.Services.AddSingleton(workload);
builder.Services.AddSingleton<SlowUpstream>();
builder.Services.AddHostedService(services => services.GetRequiredService<SlowUpstream>());
builder.Services.AddSingleton<UpstreamClient>();

var app = builder.Build();

app.MapGet("/healthy", () => Results.Text("ok"));
BadEndpoints.Map(app);
FixedEndpoints.Map(app);
RuntimeStats.Map(app);

await app.StartAsync();

var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
foreach (var address in addresses)
{
    Console.WriteLine($"Listening on {address}");
}

await Console.Out.FlushAsync();
await app.WaitForShutdownAsync();
