using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Resilience;

/// <summary>A token-bucket limiter with a dual sync/async acquire and a cached fast path.</summary>
public sealed class TokenBucketLimiter
{
    private static readonly Task<bool> Granted = Task.FromResult(true);
    private static readonly Task<bool> Rejected = Task.FromResult(false);

    private readonly SemaphoreSlim permits;
    private readonly ConcurrentDictionary<string, Lease> leases = new(StringComparer.Ordinal);
    private readonly Func<string, Task<int>> loadQuota;
    private readonly Timer replenish;

    public TokenBucketLimiter(int tokens, Func<string, Task<int>> loadQuota, TimeSpan period)
    {
        permits = new SemaphoreSlim(tokens, tokens);
        this.loadQuota = loadQuota;
        replenish = new Timer(_ => Replenish(), null, period, period);
    }

    public ValueTask<Lease> AcquireAsync(string key, CancellationToken cancellationToken = default)
        => leases.TryGetValue(key, out var lease) ? RenewCore(lease, async: true, cancellationToken) : AcquireCore(key, async: true, cancellationToken);

    public Lease Acquire(string key)
        => (leases.TryGetValue(key, out var lease) ? RenewCore(lease, async: false, CancellationToken.None) : AcquireCore(key, async: false, CancellationToken.None))
            .GetAwaiter().GetResult();

    /// <summary>Answers from the bucket without waiting: the helper only returns cached, completed tasks.</summary>
    public bool TryAcquireNow(string key) => TryAcquireCached(key).Result;

    private Task<bool> TryAcquireCached(string key)
    {
        if (leases.ContainsKey(key))
        {
            return Granted;
        }

        return permits.Wait(0) ? Granted : Rejected;
    }

    private async ValueTask<Lease> AcquireCore(string key, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await permits.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            permits.Wait(cancellationToken);
        }

        var lease = new Lease(key, DateTime.UtcNow);
        leases[key] = lease;
        return lease;
    }

    private ValueTask<Lease> RenewCore(Lease lease, bool async, CancellationToken cancellationToken)
        => async && cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<Lease>(cancellationToken)
            : new ValueTask<Lease>(lease with { Renewed = DateTime.UtcNow });

    /// <summary>The quota of a tenant, read on the request path with no async twin: blocks on the quota store.</summary>
    public int QuotaOf(string tenant) => loadQuota(tenant).GetAwaiter().GetResult(); // expect: TG1001

    private void Replenish()
    {
        foreach (var (key, lease) in leases)
        {
            if (DateTime.UtcNow - lease.Renewed > TimeSpan.FromMinutes(1) && leases.TryRemove(key, out _))
            {
                permits.Release();
            }
        }
    }

    public void Stop() => replenish.Dispose();
}

public sealed record Lease(string Key, DateTime Renewed);

/// <summary>A bulkhead that queues callers and reports its queue to a dashboard callback.</summary>
public sealed class Bulkhead(int maxParallel)
{
    private readonly SemaphoreSlim slots = new(maxParallel, maxParallel);

    public event EventHandler<QueueEventArgs>? Queued;

    public async Task<T> ExecuteAsync<T>(Func<Task<T>> action)
    {
        Queued?.Invoke(this, new QueueEventArgs(maxParallel - slots.CurrentCount));
        await slots.WaitAsync().ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>A dashboard's handler, wired to <see cref="Queued"/>: it waits for a push to the dashboard on every queued call.</summary>
    public static void OnQueued(object? sender, QueueEventArgs e, Func<int, Task> push) => push(e.Depth).Wait(); // expect: TG1001
}

public sealed class QueueEventArgs(int depth) : EventArgs
{
    public int Depth { get; } = depth;
}
