using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Messaging;

public sealed class ConnectionFactory
{
    public string HostName { get; init; } = "localhost";

    public int Port { get; init; } = 5672;

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<Connection> CreateConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new Connection(this);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>The synchronous API kept for callers that cannot be async: it exists to block on its async twin.</summary>
    public Connection CreateConnection() => CreateConnectionAsync().GetAwaiter().GetResult(); // bridge: TG1001
}

/// <summary>An AMQP-like connection: a socket, a frame reader loop, a heartbeat timer and channels.</summary>
public sealed class Connection : IDisposable, IAsyncDisposable
{
    private readonly ConnectionFactory factory;
    private readonly CancellationTokenSource closing = new();
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Stream? stream;
    private Task? readerLoop;
    private Timer? heartbeatTimer;
    private int closed;

    internal Connection(ConnectionFactory factory) => this.factory = factory;

    public bool IsOpen => Volatile.Read(ref closed) == 0 && readerLoop is { IsCompleted: false };

    public event EventHandler<ShutdownEventArgs>? ConnectionShutdown;

    internal async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(factory.HandshakeTimeout);
        await socket.ConnectAsync(factory.HostName, factory.Port, timeout.Token).ConfigureAwait(false);
        stream = new NetworkStream(socket, ownsSocket: false);
        await SendFrameAsync(Frame.ProtocolHeader, timeout.Token).ConfigureAwait(false);
        readerLoop = Task.Run(() => ReadLoopAsync(closing.Token));
        heartbeatTimer = new Timer(_ => SendHeartbeatAsync().Wait(), null, 30_000, 30_000); // expect: TG1001
    }

    public async Task<Channel> CreateChannelAsync(bool publisherConfirms = false, CancellationToken cancellationToken = default)
    {
        var channel = new Channel(this, isAsync: true, publisherConfirms);
        await SendFrameAsync(Frame.ChannelOpen, cancellationToken).ConfigureAwait(false);
        return channel;
    }

    /// <summary>Opens a channel for the synchronous API: its publish methods refuse async use.</summary>
    public Channel CreateChannel(bool publisherConfirms = false)
    {
        var channel = new Channel(this, isAsync: false, publisherConfirms);
        SendFrame(Frame.ChannelOpen, async: false, CancellationToken.None).GetAwaiter().GetResult();
        return channel;
    }

    internal Task SendFrameAsync(Frame frame, CancellationToken cancellationToken) => SendFrame(frame, async: true, cancellationToken);

    /// <summary>One implementation for both APIs; the flush is started first, then awaited or waited for.</summary>
    internal async Task SendFrame(Frame frame, bool async, CancellationToken cancellationToken)
    {
        var target = stream ?? throw new InvalidOperationException("not open");
        if (async)
        {
            await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            writeLock.Wait(cancellationToken);
        }

        try
        {
            if (async)
            {
                await target.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                target.Write(frame.Payload.Span);
            }

            var flush = target.FlushAsync(cancellationToken);
            if (async)
            {
                await flush.ConfigureAwait(false);
            }
            else
            {
                flush.GetAwaiter().GetResult(); // bridge: TG1001
            }
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The sync flush a legacy caller added: it goes through the async path although the sync one exists.</summary>
    public void Flush() => FlushCore(async: true).GetAwaiter().GetResult(); // expect: TG1001

    public Task FlushAsync() => FlushCore(async: true);

    private async Task FlushCore(bool async)
    {
        if (stream is null)
        {
            return;
        }

        if (async)
        {
            await stream.FlushAsync().ConfigureAwait(false);
        }
        else
        {
            stream.Flush();
        }
    }

    private Task SendHeartbeatAsync() => SendFrameAsync(Frame.Heartbeat, closing.Token);

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var header = new byte[7];
        try
        {
            while (!cancellationToken.IsCancellationRequested && stream is { } source)
            {
                await source.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
                if (header[0] == Frame.CloseType)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            ConnectionShutdown?.Invoke(this, new ShutdownEventArgs("socket closed"));
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        await SendFrameAsync(Frame.Close, cancellationToken).ConfigureAwait(false);
        closing.Cancel();
        if (readerLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>Sync twin of <see cref="CloseAsync"/>.</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult(); // bridge: TG1001

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        heartbeatTimer?.Dispose();
        socket.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult(); // bridge: TG1001
}

public sealed class ShutdownEventArgs(string reason) : EventArgs
{
    public string Reason { get; } = reason;
}

public readonly record struct Frame(byte Type, ReadOnlyMemory<byte> Payload)
{
    public const byte CloseType = 8;

    public static readonly Frame ProtocolHeader = new(0, new byte[] { 65, 77, 81, 80, 0, 0, 9, 1 });
    public static readonly Frame Heartbeat = new(8, new byte[] { 8, 0, 0, 0, 0, 0, 0, 0xCE });
    public static readonly Frame ChannelOpen = new(1, new byte[] { 1, 0, 1 });
    public static readonly Frame Close = new(CloseType, new byte[] { 1, 0, 0 });
}

/// <summary>
/// A TLS tunnel used by the management client. When a read fails in the middle of a request, the synchronous cleanup shuts the
/// TLS session down on the request's own thread: that wait is a real block.
/// </summary>
public sealed class TlsTunnel(SslStream ssl) : IDisposable
{
    private Task? pumping;

    public async Task<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await ssl.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            Cleanup();
            throw;
        }
    }

    public void StartPump(Func<Task> pump) => pumping = Task.Run(pump);

    private void Cleanup()
    {
        ssl.ShutdownAsync().Wait(); // expect: TG1001
        ssl.Dispose();
    }

    /// <summary>Stops the pump and waits for it, but never for long: a bounded shutdown wait.</summary>
    public void Dispose()
    {
        ssl.Dispose();
        pumping?.Wait(TimeSpan.FromSeconds(2)); // bridge: TG1001
    }
}
