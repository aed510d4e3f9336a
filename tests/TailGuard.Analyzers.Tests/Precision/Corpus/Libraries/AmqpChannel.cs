// An AMQP-client-style channel and consumer dispatcher: the sync Dispose() is a bridge over CloseAsync, the dispatcher runs one
// long-lived loop per channel over a System.Threading.Channels reader, and publishers rent a lease whose Dispose only releases.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Corpus.Libraries;

public readonly struct DeliveryWork
{
    public readonly ulong DeliveryTag;
    public readonly string ConsumerTag;
    public readonly string Exchange;
    public readonly string RoutingKey;
    public readonly ReadOnlyMemory<byte> Body;
    public readonly DateTimeOffset Timestamp;
    public readonly Guid MessageId;
    public readonly long Redelivered;

    public DeliveryWork(ulong deliveryTag, string consumerTag, string exchange, string routingKey, ReadOnlyMemory<byte> body)
    {
        DeliveryTag = deliveryTag;
        ConsumerTag = consumerTag;
        Exchange = exchange;
        RoutingKey = routingKey;
        Body = body;
        Timestamp = DateTimeOffset.UtcNow;
        MessageId = Guid.NewGuid();
        Redelivered = 0;
    }
}

public sealed class AmqpChannel : IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _rpcLock = new(1, 1);
    private readonly Func<string, CancellationToken, Task> _send;
    private bool _closed;

    public AmqpChannel(Func<string, CancellationToken, Task> send) => _send = send;

    public async Task CloseAsync(ushort replyCode, string replyText, CancellationToken ct = default)
    {
        if (_closed)
        {
            return;
        }

        await _rpcLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _send($"channel.close {replyCode} {replyText}", ct).ConfigureAwait(false);
            _closed = true;
        }
        finally
        {
            _rpcLock.Release();
        }
    }

    /// <summary>The synchronous bridge: blocks for the close handshake with the broker.</summary>
    public void Dispose() => CloseAsync(200, "Goodbye").GetAwaiter().GetResult(); // bridge: TG1001

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(200, "Goodbye").ConfigureAwait(false);
        _rpcLock.Dispose();
    }

    public Task BasicPublishAsync(string exchange, string routingKey, ReadOnlyMemory<byte> body, CancellationToken ct = default)
        => _send($"basic.publish {exchange} {routingKey} {body.Length}", ct);
}

public sealed class PublishLease : IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _window;

    public PublishLease(SemaphoreSlim window) => _window = window;

    public void Dispose() => _window.Release();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}

public sealed class Publisher
{
    private readonly SemaphoreSlim _window = new(64);
    private readonly Func<AmqpChannel> _createChannel;

    public Publisher(Func<AmqpChannel> createChannel) => _createChannel = createChannel;

    public async Task PublishBatchAsync(IReadOnlyList<ReadOnlyMemory<byte>> bodies, CancellationToken ct)
    {
        var channel = _createChannel();
        foreach (var body in bodies)
        {
            await _window.WaitAsync(ct).ConfigureAwait(false);
            var lease = new PublishLease(_window);
            try
            {
                await channel.BasicPublishAsync("orders", "created", body, ct).ConfigureAwait(false);
            }
            finally
            {
                lease.Dispose(); // not: TG1003 (Dispose only releases)
            }
        }

        channel.Dispose(); // expect: TG1003
    }

    public async Task PublishOneAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        await using var channel = _createChannel();
        await channel.BasicPublishAsync("orders", "created", body, ct).ConfigureAwait(false);
    }

    public void PublishSync(ReadOnlyMemory<byte> body)
    {
        using var channel = _createChannel();
        channel.BasicPublishAsync("orders", "created", body).GetAwaiter().GetResult(); // bridge: TG1001
    }
}

/// <summary>One dispatch loop per channel for the channel's whole life: its state machine is allocated once, not per delivery.</summary>
public sealed class ConsumerDispatcher
{
    private readonly Channel<DeliveryWork> _work = Channel.CreateUnbounded<DeliveryWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<DeliveryWork, CancellationToken, Task> _handle;

    public ConsumerDispatcher(Func<DeliveryWork, CancellationToken, Task> handle) => _handle = handle;

    public ValueTask EnqueueAsync(DeliveryWork work, CancellationToken ct) => _work.Writer.WriteAsync(work, ct);

    public async Task ProcessChannelAsync(DeliveryWork first, CancellationToken ct) // not: TG3002 (once per channel)
    {
        await _handle(first, ct).ConfigureAwait(false);
        while (await _work.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (_work.Reader.TryRead(out var work))
            {
                try
                {
                    await _handle(work, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"consumer {work.ConsumerTag} failed on {work.DeliveryTag}: {e.Message}");
                }
            }
        }
    }

    /// <summary>Handles one delivery: a state machine per message, holding the whole delivery across the ack.</summary>
    public async Task HandleOneAsync(DeliveryWork work, Func<ulong, Task> ack, CancellationToken ct) // expect: TG3002
    {
        await _handle(work, ct).ConfigureAwait(false);
        await ack(work.DeliveryTag).ConfigureAwait(false);
        Console.WriteLine($"{work.Exchange}/{work.RoutingKey} {work.MessageId} acked at {work.Timestamp}");
    }
}
