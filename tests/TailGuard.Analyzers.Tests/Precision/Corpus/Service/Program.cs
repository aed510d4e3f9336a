using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using Cache.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orders.Service;
using Pgsql.Driver;

var builder = WebApplication.CreateBuilder(args);

// Startup runs on the main thread until the first await: these reads happen before any request can arrive.
var seedPath = Path.Combine(builder.Environment.ContentRootPath, "seed", "catalog.json");
var seed = File.Exists(seedPath)
    ? JsonSerializer.Deserialize<CatalogSeed>(File.ReadAllText(seedPath)) ?? CatalogSeed.Empty
    : CatalogSeed.Empty;

var connectionString = builder.Configuration.GetConnectionString("orders") ?? "Host=localhost;Database=orders";
var cacheConfiguration = builder.Configuration.GetConnectionString("cache") ?? "localhost:6379,abortConnect=false";

builder.Services.AddControllers();
builder.Services.AddMemoryCache();
builder.Services.AddSingleton(seed);
builder.Services.AddSingleton(new OrderRepository(connectionString));
builder.Services.AddSingleton(_ => Multiplexer.Connect(cacheConfiguration));
builder.Services.AddSingleton<SchemaMigrator>();
builder.Services.AddHttpClient<CatalogClient>(client => client.BaseAddress = new Uri(builder.Configuration["Catalog:Url"] ?? "http://localhost:5010"));
builder.Services.AddHostedService<OutboxWorker>();

var app = builder.Build();

// Entry point: blocking here delays startup, never a request.
var cache = app.Services.GetRequiredService<Multiplexer>();
var warm = cache.GetDatabase().StringGetAsync("config:feature-flags").AsTask().GetAwaiter().GetResult();
app.Logger.LogStartup(warm is null ? "no feature flags cached" : "feature flags cached");

await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);

app.MapControllers();
app.MapGet("/health", (Multiplexer multiplexer) => multiplexer.IsConnected ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
app.MapGet("/health/deep", async (Multiplexer multiplexer, OrderRepository orders, CancellationToken ct) =>
{
    var ping = multiplexer.PingAsync(ct);
    var count = orders.CountAsync(ct);
    await System.Threading.Tasks.Task.WhenAll(ping, count);
    return Results.Ok(new { cacheLatencyMs = ping.Result.TotalMilliseconds, orders = count.Result });
});
app.MapGet("/orders/{id:int}/summary", (int id, OrderRepository orders) => orders.GetSummaryAsync(id, CancellationToken.None).Result); // expect: TG1001
app.MapGet("/cache/latency", (Multiplexer multiplexer) => multiplexer.LastPingLatency?.TotalMilliseconds ?? -1);

app.Run();

public partial class Program
{
}
