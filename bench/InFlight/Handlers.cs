using System.Globalization;
using Microsoft.AspNetCore.Http;
using TailGuard.Samples.AdversarialService;

namespace TailGuard.Bench.InFlight;

// Faithful copies of BloatedStateMachine in samples/AdversarialService/BadEndpoints.cs and FixedEndpoints.cs: the same
// parameters, locals, awaits and result, with the sample's own RiskModel and WorkloadOptions. The one change is the type of
// the upstream parameter (PendingUpstream instead of UpstreamClient; both classes, so the same 8-byte field), so that the
// benchmark can hold 100,000 requests suspended without 100,000 sockets. `dotnet-tailguard sizes` reports the same state
// machine size for these copies as for the sample's methods (docs/benchmarks.md).

/// <summary>TG3001/TG3002: three 256-byte structs live across the awaits are hoisted into the state machine.</summary>
public static class BadHandler
{
    public static async Task<IResult> BloatedStateMachine(WorkloadOptions workload, PendingUpstream upstream, int? seed, CancellationToken cancellationToken)
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

/// <summary>The fix: the structs are declared after the awaits, so they die before any await and stay on the stack.</summary>
public static class FixedHandler
{
    public static async Task<IResult> BloatedStateMachine(WorkloadOptions workload, PendingUpstream upstream, int? seed, CancellationToken cancellationToken)
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

/// <summary>
/// Stands for the sample's UpstreamClient: <see cref="FetchQuoteAsync"/> is an async method that awaits one pending I/O
/// operation per call (a TaskCompletionSource, the socket read of the real client) until the benchmark releases them all.
/// </summary>
public sealed class PendingUpstream(int capacity)
{
    private readonly TaskCompletionSource<string>[] _pending = new TaskCompletionSource<string>[capacity];
    private int _count;
    private volatile string? _immediateReply;

    public int PendingCount => _count;

    public async Task<string> FetchQuoteAsync(int delayMs, CancellationToken cancellationToken)
    {
        var reply = await Read();
        return reply;
    }

    /// <summary>Completes every pending read with <paramref name="reply"/>; later reads complete at once.</summary>
    public void ReleaseAll(string reply)
    {
        _immediateReply = reply;
        for (var i = 0; i < _count; i++)
        {
            _pending[i].SetResult(reply);
        }
    }

    private Task<string> Read()
    {
        if (_immediateReply is { } reply)
        {
            return Task.FromResult(reply);
        }

        var source = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[_count++] = source;
        return source.Task;
    }
}
