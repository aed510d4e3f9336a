using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Messaging;

/// <summary>
/// A channel opened either for the async API or for the synchronous one (the flag is fixed when the channel opens): publishing,
/// acknowledgements, publisher confirms and consumers.
/// </summary>
public sealed class Channel
{
    private readonly Connection connection;
    private readonly bool _isAsync;
    private readonly bool publisherConfirms;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<bool>> confirms = new();
    private readonly TimeSpan confirmTimeout = TimeSpan.FromSeconds(30);
    private ulong nextPublishSeqNo;
    private int nacks;

    internal Channel(Connection connection, bool isAsync, bool publisherConfirms)
    {
        this.connection = connection;
        _isAsync = isAsync;
        this.publisherConfirms = publisherConfirms;
    }

    public int Nacks => Volatile.Read(ref nacks);

    public ValueTask BasicPublishAsync(string exchange, string routingKey, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        => PublishCore(exchange, routingKey, body, async: true, cancellationToken);

    public void BasicPublish(string exchange, string routingKey, ReadOnlyMemory<byte> body)
    {
        if (_isAsync)
        {
            throw new InvalidOperationException("This channel was opened with CreateChannelAsync: use BasicPublishAsync.");
        }

        PublishCore(exchange, routingKey, body, _isAsync, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>There is no BasicAckAsync on a synchronous channel: the guard in front makes the shared path synchronous.</summary>
    public void BasicAck(ulong deliveryTag, bool multiple)
    {
        if (_isAsync)
        {
            throw new InvalidOperationException("Acknowledge through the consumer's async callback on this channel.");
        }

        AckCore(deliveryTag, multiple, _isAsync).GetAwaiter().GetResult();
    }

    private async ValueTask PublishCore(string exchange, string routingKey, ReadOnlyMemory<byte> body, bool async, CancellationToken cancellationToken)
    {
        if (publisherConfirms)
        {
            var seqNo = Interlocked.Increment(ref nextPublishSeqNo);
            var confirm = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            confirms[seqNo] = confirm;
            _ = confirm.Task.ContinueWith(OnConfirmed, TaskScheduler.Default);
        }

        var frame = new Frame(3, Encode(exchange, routingKey, body));
        await connection.SendFrame(frame, async, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask AckCore(ulong deliveryTag, bool multiple, bool async)
    {
        var frame = new Frame(1, BitConverter.GetBytes(deliveryTag).Append(multiple ? (byte)1 : (byte)0).ToArray());
        await connection.SendFrame(frame, async, CancellationToken.None).ConfigureAwait(false);
    }

    private void OnConfirmed(Task<bool> confirmed)
    {
        if (!confirmed.Result)
        {
            Interlocked.Increment(ref nacks);
        }
    }

    internal void HandleConfirm(ulong seqNo, bool ack)
    {
        if (confirms.TryRemove(seqNo, out var confirm))
        {
            confirm.TrySetResult(ack);
        }
    }

    public async Task<bool> WaitForConfirmsAsync(CancellationToken cancellationToken = default)
    {
        var results = await Task.WhenAll(confirms.Values.Select(c => c.Task)).WaitAsync(confirmTimeout, cancellationToken).ConfigureAwait(false);
        return results.All(ack => ack);
    }

    /// <summary>The synchronous twin: waits with the channel's timeout and unwraps a single failure, as client libraries do.</summary>
    public bool WaitForConfirms()
    {
        var all = Task.WhenAll(confirms.Values.Select(c => c.Task));
        try
        {
            if (!all.Wait(confirmTimeout)) // bridge: TG1001
            {
                throw new TimeoutException("publisher confirms timed out");
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            throw e.InnerExceptions[0];
        }

        return all.Result.All(ack => ack);
    }

    /// <summary>What a confirm says so far, for the management page: reads the result only in final states.</summary>
    public static string Describe(Task<bool> confirm)
    {
        switch (confirm.Status)
        {
            case TaskStatus.RanToCompletion:
                return confirm.Result ? "ack" : "nack";
            case TaskStatus.Faulted:
                return "failed: " + confirm.Exception?.GetBaseException().Message;
            case TaskStatus.Canceled:
                return "canceled";
            default:
                return "pending";
        }
    }

    private static byte[] Encode(string exchange, string routingKey, ReadOnlyMemory<byte> body)
    {
        var buffer = new byte[exchange.Length + routingKey.Length + body.Length + 2];
        buffer[0] = (byte)exchange.Length;
        System.Text.Encoding.ASCII.GetBytes(exchange, 0, exchange.Length, buffer, 1);
        buffer[exchange.Length + 1] = (byte)routingKey.Length;
        System.Text.Encoding.ASCII.GetBytes(routingKey, 0, routingKey.Length, buffer, exchange.Length + 2);
        body.Span.CopyTo(buffer.AsSpan(exchange.Length + routingKey.Length + 2));
        return buffer;
    }
}

public sealed class BasicDeliverEventArgs(ulong deliveryTag, ReadOnlyMemory<byte> body) : EventArgs
{
    public ulong DeliveryTag { get; } = deliveryTag;

    public ReadOnlyMemory<byte> Body { get; } = body;
}

/// <summary>A consumer with both the event-based API and an async handler.</summary>
public sealed class EventingConsumer(Channel channel)
{
    public event EventHandler<BasicDeliverEventArgs>? Received;

    public Func<BasicDeliverEventArgs, Task>? ReceivedAsync { get; set; }

    public Task AckAsync(ulong deliveryTag) => Task.Run(() => channel.BasicAck(deliveryTag, multiple: false));

    public Task OnBasicDeliverAsync(object? sender, BasicDeliverEventArgs e) => ReceivedAsync?.Invoke(e) ?? Task.CompletedTask;

    /// <summary>The event-based delivery path: a synchronous handler that waits for the async handler and the ack.</summary>
    public void OnBasicDeliver(object? sender, BasicDeliverEventArgs e)
    {
        Received?.Invoke(this, e);
        AckAsync(e.DeliveryTag).Wait(); // expect: TG1001
    }
}

/// <summary>An application's subscription, written against the event API.</summary>
public sealed class OrderEventsSubscriber
{
    private readonly ConcurrentQueue<string> processed = new();

    public void Subscribe(EventingConsumer consumer)
    {
        consumer.Received += (sender, e) => HandleAsync(e).GetAwaiter().GetResult(); // expect: TG1001
    }

    private async Task HandleAsync(BasicDeliverEventArgs e)
    {
        await Task.Yield();
        processed.Enqueue(System.Text.Encoding.UTF8.GetString(e.Body.Span));
    }
}
