using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// Endpoints that each carry one tail-latency pattern with its real runtime effect. Building this project shows the TailGuard
/// warning for each of them, and only for them: <see cref="FixedEndpoints"/> holds the same endpoints as the code fixes write them.
/// </summary>
public static class BadEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var bad = app.MapGroup("/bad");
        bad.MapGet("/sync-over-async", SyncOverAsync);
        bad.MapGet("/sync-io", SynchronousIo);
        bad.MapGet("/cpu-loop", CpuLoop);
        bad.MapGet("/loh-allocation", LargeObjectHeapAllocation);
        bad.MapGet("/bloated-state-machine", BloatedStateMachine);
    }

    /// <summary>
    /// TG1001. Parks a thread-pool thread for the whole upstream wait; the upstream's reply itself needs a pool thread to
    /// complete the task, so a burst of these starves the pool and every request queues behind them.
    /// </summary>
    public static IResult SyncOverAsync(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = upstream.FetchQuoteAsync(workload.BlockingDelayMs, cancellationToken).Result;
        return Results.Text(Work.Summarize(quote));
    }

    /// <summary>TG1003. A synchronous socket read inside an async handler: the pool thread sleeps in the kernel until the reply.</summary>
    public static async Task<IResult> SynchronousIo(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        using var client = await upstream.RequestQuoteAsync(workload.BlockingDelayMs, cancellationToken);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        var quote = reader.ReadToEnd();
        return Results.Text(Work.Summarize(quote));
    }

    /// <summary>TG2001. A CPU-bound nested loop that never yields holds its pool thread until it ends.</summary>
    public static async Task<IResult> CpuLoop(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        long checksum = quote.Length;
        for (var row = 0; row < workload.CpuRows; row++)
        {
            for (var column = 0; column < workload.CpuColumns; column++)
            {
                checksum = (checksum * 31) ^ (row + column);
            }
        }

        return Results.Text(checksum.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>TG4001. A 1 MiB buffer per request goes to the large object heap, which only gen2 collections reclaim.</summary>
    public static async Task<IResult> LargeObjectHeapAllocation(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var buffer = new byte[1 << 20];
        var length = Work.RenderReport(quote, buffer);
        return Results.Text(Work.Checksum(buffer.AsSpan(0, length)).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// TG3001/TG3002. Three 256-byte structs live across the awaits are hoisted into the state machine, which is boxed on the
    /// heap for every request that suspends: memory per in-flight request, paid in allocation rate and gen0 GCs.
    /// </summary>
    public static async Task<IResult> BloatedStateMachine(WorkloadOptions workload, UpstreamClient upstream, int? seed, CancellationToken cancellationToken)
    {
        var model = RiskModel.Create(seed ?? 7);
        var stressed = model.Stress(1.5f);
        var crashed = model.Stress(3f);
        var first = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var second = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var score = model.Score(first.Length) + stressed.Score(second.Length) + crashed.Score(first.Length + second.Length);
        return Results.Text(score.ToString(CultureInfo.InvariantCulture));
    }
}
