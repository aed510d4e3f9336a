using System.Diagnostics;
using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// <c>GET /runtime-stats</c>: the runtime's own counters, read inside the service. The demo reads them before and after each
/// phase, so what the runtime did in a phase (GC pauses, methods jitted, threads, CPU) comes from a source independent of the
/// probe, and a phase that missed its bar can be explained by measurement rather than guessed at.
/// </summary>
public static class RuntimeStats
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/runtime-stats", Read);
        app.MapPost("/runtime-stats/collect", Collect);
    }

    /// <summary>
    /// <c>POST /runtime-stats/collect</c>: a full blocking collection, then the counters. The demo calls it between its
    /// measured phases, never inside one, as BenchmarkDotNet collects between iterations: without it, the adversarial phase's
    /// garbage (its 1 MiB buffers promoted to gen2) was collected by a background gen2 GC inside the fixed phase in 8 of 10
    /// runs, with pauses of up to 90 ms on the loaded machine, and the fixed phase paid for the bad code's debt.
    /// </summary>
    public static IResult Collect()
    {
        // TG4002 is right about a service that collects under load; this endpoint exists to do it in the demo's idle gaps.
#pragma warning disable TG4002
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
#pragma warning restore TG4002
        return Read();
    }

    public static IResult Read()
    {
        using var process = Process.GetCurrentProcess();
        return Results.Json(new RuntimeStatsSnapshot(
            GC.GetTotalPauseDuration().TotalMilliseconds,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            System.Runtime.JitInfo.GetCompiledMethodCount(),
            System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
            ThreadPool.ThreadCount,
            process.TotalProcessorTime.TotalMilliseconds,
            GCSettings.IsServerGC));
    }
}

/// <summary>What <c>/runtime-stats</c> answers; the demo reads the same shape.</summary>
public sealed record RuntimeStatsSnapshot(
    double GcPauseMs, int Gen0Collections, int Gen1Collections, int Gen2Collections, long JitMethods, double JitMs, int PoolThreads, double CpuMs, bool ServerGc);
