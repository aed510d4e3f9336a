using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Cache.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orders.Service;

/// <summary>
/// Publishes order events from the outbox to the cache's stream. Runs for the life of the process; retries failed batches with
/// back-off.
/// </summary>
public sealed class OutboxWorker : BackgroundService
{
    private readonly OrderRepository orders;
    private readonly Multiplexer cache;
    private readonly ILogger<OutboxWorker> logger;
    private readonly SemaphoreSlim batchGate = new(1, 1);
    private Task<int>? lastBatch;

    public OutboxWorker(OrderRepository orders, Multiplexer cache, ILogger<OutboxWorker> logger)
    {
        this.orders = orders;
        this.cache = cache;
        this.logger = logger;
    }

    /// <summary>Number of events in the last finished batch, for the metrics endpoint; never waits for a running batch.</summary>
    public int LastBatchSize => lastBatch is { IsCompletedSuccessfully: true } batch ? batch.Result : 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var attempt = 0;
            while (true)
            {
                try
                {
                    lastBatch = PublishBatchAsync(stoppingToken);
                    var published = await lastBatch;
                    logger.LogDebug("Published {Count} outbox events", published);
                    break;
                }
                catch (CacheConnectionException e) when (attempt++ < 5)
                {
                    logger.LogWarning(e, "Outbox publish failed, attempt {Attempt}", attempt);
                    Thread.Sleep(TimeSpan.FromMilliseconds(200 * attempt)); // expect: TG1002
                }
            }
        }
    }

    private async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        if (!await batchGate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return 0;
        }

        try
        {
            var database = cache.GetDatabase();
            var count = await orders.CountAsync(cancellationToken);
            var writes = new List<Task<bool>>
            {
                database.StringSetAsync("outbox:last-count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken: cancellationToken),
                database.StringSetAsync("outbox:last-run", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture), cancellationToken: cancellationToken),
            };
            await Task.WhenAll(writes);
            return writes[0].Result && writes[1].Result ? count : 0;
        }
        finally
        {
            batchGate.Release();
        }
    }

    /// <summary>Drains on shutdown: waits for the batch in flight with the host's shutdown deadline.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = lastBatch;
        if (running is not null && !running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(Timeout.Infinite, cancellationToken));
        }

        await base.StopAsync(cancellationToken);
    }

    /// <summary>Legacy hook kept for the admin page: waits for the gate synchronously inside async code.</summary>
    public async Task<bool> PauseAsync(TimeSpan timeout)
    {
        if (!batchGate.Wait(timeout)) // expect: TG1003
        {
            return false;
        }

        await Task.Yield();
        return true;
    }

    public void Resume() => batchGate.Release();

    public override void Dispose()
    {
        batchGate.Dispose();
        base.Dispose();
    }
}
