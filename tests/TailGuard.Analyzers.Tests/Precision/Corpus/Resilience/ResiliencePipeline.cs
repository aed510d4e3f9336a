using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Resilience;

/// <summary>What flows through one execution: the synchronous API marks it so strategies can take their blocking path.</summary>
public sealed class ResilienceContext
{
    public bool IsSynchronous { get; init; }

    public CancellationToken CancellationToken { get; init; }

    public int Attempt { get; set; }
}

public abstract class ResilienceStrategy
{
    internal abstract ValueTask<T> ExecuteCore<T>(Func<ResilienceContext, ValueTask<T>> callback, ResilienceContext context);
}

/// <summary>
/// A Polly-like pipeline: every strategy is written once, async; the synchronous <c>Execute</c> runs the same code with
/// <c>IsSynchronous = true</c>, where the callback completes synchronously and the strategies block instead of awaiting.
/// </summary>
public sealed class ResiliencePipeline
{
    private readonly IReadOnlyList<ResilienceStrategy> strategies;

    public ResiliencePipeline(IReadOnlyList<ResilienceStrategy> strategies) => this.strategies = strategies;

    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> callback, CancellationToken cancellationToken = default)
        => Run(ctx => callback(ctx.CancellationToken), new ResilienceContext { CancellationToken = cancellationToken }, 0);

    public T Execute<T>(Func<CancellationToken, T> callback, CancellationToken cancellationToken = default)
    {
        var context = new ResilienceContext { IsSynchronous = true, CancellationToken = cancellationToken };
        var outcome = Run(ctx => new ValueTask<T>(callback(ctx.CancellationToken)), context, 0);
        return outcome.GetAwaiter().GetResult(); // bridge: TG1001
    }

    private ValueTask<T> Run<T>(Func<ResilienceContext, ValueTask<T>> callback, ResilienceContext context, int index)
        => index == strategies.Count
            ? callback(context)
            : strategies[index].ExecuteCore(ctx => Run(callback, ctx, index + 1), context);
}

public sealed class RetryStrategy(int maxAttempts, TimeSpan delay, TimeProvider time) : ResilienceStrategy
{
    public event EventHandler<RetryEventArgs>? OnRetry;

    internal override async ValueTask<T> ExecuteCore<T>(Func<ResilienceContext, ValueTask<T>> callback, ResilienceContext context)
    {
        while (true)
        {
            context.Attempt++;
            try
            {
                return await callback(context).ConfigureAwait(false);
            }
            catch (Exception e) when (context.Attempt < maxAttempts && e is not OperationCanceledException)
            {
                OnRetry?.Invoke(this, new RetryEventArgs(context.Attempt, e));
                var wait = Task.Delay(delay, time, context.CancellationToken);
                if (context.IsSynchronous)
                {
                    wait.GetAwaiter().GetResult(); // bridge: TG1001
                }
                else
                {
                    await wait.ConfigureAwait(false);
                }
            }
        }
    }
}

public sealed class RetryEventArgs(int attempt, Exception exception) : EventArgs
{
    public int Attempt { get; } = attempt;

    public Exception Exception { get; } = exception;
}

public sealed class TimeoutStrategy(TimeSpan timeout) : ResilienceStrategy
{
    internal override async ValueTask<T> ExecuteCore<T>(Func<ResilienceContext, ValueTask<T>> callback, ResilienceContext context)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        cts.CancelAfter(timeout);
        var inner = new ResilienceContext { IsSynchronous = context.IsSynchronous, CancellationToken = cts.Token, Attempt = context.Attempt };
        var attempt = callback(inner);
        return context.IsSynchronous ? attempt.AsTask().GetAwaiter().GetResult() : await attempt.ConfigureAwait(false); // bridge: TG1001
    }
}

/// <summary>A circuit breaker whose half-open probe runs on a timer.</summary>
public sealed class CircuitBreaker : IDisposable, IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<bool>> probe;
    private readonly Timer halfOpenTimer;
    private readonly ConcurrentQueue<string> transitions = new();
    private int state;

    public CircuitBreaker(Func<CancellationToken, Task<bool>> probe, TimeSpan breakDuration)
    {
        this.probe = probe;
        halfOpenTimer = new Timer(OnHalfOpen, null, breakDuration, breakDuration);
    }

    public bool IsOpen => Volatile.Read(ref state) == 1;

    public async Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        Volatile.Write(ref state, 1);
        transitions.Enqueue("isolated");
    }

    public void Isolate() => IsolateAsync().GetAwaiter().GetResult(); // bridge: TG1001

    /// <summary>The timer callback: it blocks a pool thread for the whole probe.</summary>
    private void OnHalfOpen(object? timerState)
    {
        if (probe(CancellationToken.None).Result) // expect: TG1001
        {
            Volatile.Write(ref state, 0);
        }
    }

    public async Task<T> ExecuteWithTelemetryAsync<T>(Task<T> attempt)
    {
        await attempt.ConfigureAwait(false);
        Record(attempt);
        return attempt.Result;
    }

    private void Record<T>(Task<T> attempt) => transitions.Enqueue("outcome " + attempt.Result);

    public async ValueTask DisposeAsync()
    {
        await halfOpenTimer.DisposeAsync().ConfigureAwait(false);
        transitions.Clear();
    }

    private void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().Wait(); // bridge: TG1001
        }
    }

    public void Dispose() => Dispose(disposing: true);
}

/// <summary>Defaults read once per process, before any request.</summary>
public static class ResilienceDefaults
{
    public static readonly IReadOnlyDictionary<string, string> Settings;

    static ResilienceDefaults()
    {
        Settings = LoadAsync().GetAwaiter().GetResult(); // bridge: TG1001
    }

    private static async Task<IReadOnlyDictionary<string, string>> LoadAsync()
    {
        await Task.Yield();
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["retries"] = "3" };
    }
}

public static class ValueTaskExtensions
{
    /// <summary>The library's blocking helper for its synchronous surface.</summary>
    public static T GetResultSynchronously<T>(this ValueTask<T> task)
        => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult(); // bridge: TG1001
}
