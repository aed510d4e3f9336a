using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// The endpoints of <see cref="BadEndpoints"/> as TailGuard's code fixes write them: same work, same routes under
/// <c>/fixed</c>, no pattern. Building this file must give no TailGuard warning.
/// </summary>
public static class FixedEndpoints
{
    /// <summary>The cooperative-yield budget of the CPU loop (TG2001's fix): yield to the pool every this many rows.</summary>
    private const int RowsPerYield = 16;

    public static void Map(IEndpointRouteBuilder app)
    {
        var fixedGroup = app.MapGroup("/fixed");
        fixedGroup.MapGet("/sync-over-async", SyncOverAsync);
        fixedGroup.MapGet("/sync-io", SynchronousIo);
        fixedGroup.MapGet("/cpu-loop", CpuLoop);
        fixedGroup.MapGet("/loh-allocation", LargeObjectHeapAllocation);
        fixedGroup.MapGet("/bloated-state-machine", BloatedStateMachine);
    }

    /// <summary>TG1001 fixed: the method is async and awaits the task.</summary>
    public static async Task<IResult> SyncOverAsync(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = await upstream.FetchQuoteAsync(workload.BlockingDelayMs, cancellationToken);
        return Results.Text(Work.Summarize(quote));
    }

    /// <summary>TG1003 fixed: the async twin, awaited, with the handler's cancellation token.</summary>
    public static async Task<IResult> SynchronousIo(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        using var client = await upstream.RequestQuoteAsync(workload.BlockingDelayMs, cancellationToken);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        var quote = await reader.ReadToEndAsync(cancellationToken);
        return Results.Text(Work.Summarize(quote));
    }

    /// <summary>TG2001 fixed: a budgeted cooperative yield at the top of the outer loop.</summary>
    public static async Task<IResult> CpuLoop(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        long checksum = quote.Length;
        var iterationsSinceYield = 0;
        for (var row = 0; row < workload.CpuRows; row++)
        {
            if (++iterationsSinceYield == RowsPerYield)
            {
                iterationsSinceYield = 0;
                await Task.Yield();
            }

            for (var column = 0; column < workload.CpuColumns; column++)
            {
                checksum = (checksum * 31) ^ (row + column);
            }
        }

        return Results.Text(checksum.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>TG4001 fixed: the buffer is rented from the shared pool and returned in <c>finally</c>.</summary>
    public static async Task<IResult> LargeObjectHeapAllocation(WorkloadOptions workload, UpstreamClient upstream, CancellationToken cancellationToken)
    {
        var quote = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            var length = Work.RenderReport(quote, buffer.AsSpan(0, 1 << 20));
            return Results.Text(Work.Checksum(buffer.AsSpan(0, length)).ToString(CultureInfo.InvariantCulture));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>TG3001/TG3002 fixed: the structs are declared after the awaits, so they die before any await and stay on the stack.</summary>
    public static async Task<IResult> BloatedStateMachine(WorkloadOptions workload, UpstreamClient upstream, int? seed, CancellationToken cancellationToken)
    {
        var first = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var second = await upstream.FetchQuoteAsync(workload.InputDelayMs, cancellationToken);
        var model = RiskModel.Create(seed ?? 7);
        var stressed = model.Stress(1.5f);
        var crashed = model.Stress(3f);
        var score = model.Score(first.Length) + stressed.Score(second.Length) + crashed.Score(first.Length + second.Length);
        return Results.Text(score.ToString(CultureInfo.InvariantCulture));
    }
}
