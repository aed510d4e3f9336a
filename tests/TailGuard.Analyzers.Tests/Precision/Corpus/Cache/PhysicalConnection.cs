using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Cache.Client;

/// <summary>
/// One socket to one server. Commands are written by a single writer loop from a channel; replies are matched to messages in
/// order by a single reader loop. Connecting and the handshake (AUTH, HELLO, CLIENT SETNAME, SELECT) have a sync and an async form.
/// </summary>
internal sealed class PhysicalConnection : IAsyncDisposable
{
    private readonly EndPoint endpoint;
    private readonly CacheOptions options;
    private readonly Channel<Message> outbound = Channel.CreateBounded<Message>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly ConcurrentQueue<Message> awaitingReply = new();
    private readonly SemaphoreSlim singleWriter = new(1, 1);
    private readonly CancellationTokenSource shutdown = new();
    private Socket? socket;
    private Stream? stream;
    private StreamReader? reader;
    private Task? writerLoop;
    private Task? readerLoop;
    private long lastReadTicks;

    internal PhysicalConnection(EndPoint endpoint, CacheOptions options)
    {
        this.endpoint = endpoint;
        this.options = options;
    }

    internal EndPoint EndPoint => endpoint;

    internal bool IsConnected => socket is { Connected: true } && !shutdown.IsCancellationRequested;

    internal TimeSpan SinceLastRead => TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - Interlocked.Read(ref lastReadTicks));

    internal int PendingCount => awaitingReply.Count;

    internal string? ServerVersion { get; private set; }

    internal async Task Connect(bool async, CancellationToken cancellationToken)
    {
        socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (async)
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            socket.Connect(endpoint);
        }

        stream = new NetworkStream(socket, ownsSocket: true);
        if (options.Ssl)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            var host = endpoint is DnsEndPoint dns ? dns.Host : options.SslHost ?? endpoint.ToString()!;
            if (async)
            {
                await ssl.AuthenticateAsClientAsync(host).ConfigureAwait(false);
            }
            else
            {
                ssl.AuthenticateAsClient(host);
            }

            stream = ssl;
        }

        reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        await Handshake(async, cancellationToken).ConfigureAwait(false);
        writerLoop = Task.Run(() => WriteLoop(shutdown.Token));
        readerLoop = Task.Run(() => ReadLoop(shutdown.Token));
    }

    /// <summary>The handshake runs before the loops start, so it writes and reads directly.</summary>
    private async Task Handshake(bool async, CancellationToken cancellationToken)
    {
        if (options.Password is { Length: > 0 } password)
        {
            var auth = options.User is { } user
                ? await Execute(new Message(-1, "AUTH", user, password), async, cancellationToken).ConfigureAwait(false)
                : await Execute(new Message(-1, "AUTH", password), async, cancellationToken).ConfigureAwait(false);
            if (auth.IsError)
            {
                throw new CacheConnectionException("Authentication failed: " + auth.Text);
            }
        }

        var hello = await Execute(new Message(-1, "HELLO", "3"), async, cancellationToken).ConfigureAwait(false);
        if (!hello.IsError && hello.Items is { } fields)
        {
            for (var i = 0; i + 1 < fields.Count; i += 2)
            {
                if (fields[i].Text == "version")
                {
                    ServerVersion = fields[i + 1].Text;
                }
            }
        }

        if (options.ClientName is { } name)
        {
            await Execute(new Message(-1, "CLIENT", "SETNAME", name), async, cancellationToken).ConfigureAwait(false);
        }

        if (options.DefaultDatabase is > 0 and var database)
        {
            await Execute(new Message(-1, "SELECT", database.ToString(CultureInfo.InvariantCulture)), async, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<RespResult> Execute(Message message, bool async, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        message.Write(output);
        var bytes = Encoding.UTF8.GetBytes(output.ToString());
        if (async)
        {
            await stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            stream!.Write(bytes);
            stream.Flush();
        }

        return await ReadReply(async, cancellationToken).ConfigureAwait(false);
    }

    internal ValueTask Enqueue(Message message, CancellationToken cancellationToken)
    {
        if (outbound.Writer.TryWrite(message))
        {
            return default;
        }

        return outbound.Writer.WriteAsync(message, cancellationToken);
    }

    internal bool TryEnqueue(Message message) => outbound.Writer.TryWrite(message);

    private async Task WriteLoop(CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        try
        {
            while (await outbound.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await singleWriter.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    output.Clear();
                    while (outbound.Reader.TryRead(out var message))
                    {
                        message.Write(output);
                        if (!message.IsFireAndForget)
                        {
                            awaitingReply.Enqueue(message);
                        }
                    }

                    var bytes = Encoding.UTF8.GetBytes(output.ToString());
                    await stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    singleWriter.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            FailAll(new CacheConnectionException("The connection was lost while writing", e));
        }
    }

    private async Task ReadLoop(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var reply = await ReadReply(async: true, cancellationToken).ConfigureAwait(false);
                Interlocked.Exchange(ref lastReadTicks, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
                if (awaitingReply.TryDequeue(out var message))
                {
                    message.Complete(reply);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            FailAll(new CacheConnectionException("The connection was lost while reading", e));
        }
    }

    private async Task<RespResult> ReadReply(bool async, CancellationToken cancellationToken)
    {
        var line = async
            ? await reader!.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            : reader!.ReadLine();
        if (line is null)
        {
            throw new EndOfStreamException();
        }

        switch (line[0])
        {
            case '+':
                return new RespResult(ResultType.SimpleString, line.Substring(1), 0, null);
            case '-':
                return new RespResult(ResultType.Error, line.Substring(1), 0, null);
            case ':':
                return new RespResult(ResultType.Integer, null, long.Parse(line.AsSpan(1), CultureInfo.InvariantCulture), null);
            case '$':
            {
                var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return RespResult.Nil;
                }

                var chars = new char[length + 2];
                var read = 0;
                while (read < chars.Length)
                {
                    var n = async
                        ? await reader.ReadAsync(chars.AsMemory(read), cancellationToken).ConfigureAwait(false)
                        : reader.Read(chars, read, chars.Length - read);
                    if (n == 0)
                    {
                        throw new EndOfStreamException();
                    }

                    read += n;
                }

                return new RespResult(ResultType.BulkString, new string(chars, 0, length), 0, null);
            }

            case '*':
            case '%':
            {
                var count = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture) * (line[0] == '%' ? 2 : 1);
                var items = new List<RespResult>(Math.Max(count, 0));
                for (var i = 0; i < count; i++)
                {
                    items.Add(await ReadReply(async, cancellationToken).ConfigureAwait(false));
                }

                return new RespResult(ResultType.Array, null, 0, items);
            }

            default:
                throw new CacheConnectionException("Unexpected reply type: " + line[0]);
        }
    }

    /// <summary>
    /// Reads the server's greeting banner on a proxy connection (twemproxy-style). Written against the raw stream and never given
    /// the async flag: this read holds the pool thread until the proxy answers.
    /// </summary>
    internal async Task<string> ReadProxyBannerAsync(CancellationToken cancellationToken)
    {
        var banner = new byte[256];
        var read = stream!.Read(banner, 0, banner.Length); // expect: TG1003
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Encoding.ASCII.GetString(banner, 0, read).TrimEnd();
    }

    private void FailAll(Exception reason)
    {
        while (awaitingReply.TryDequeue(out var message))
        {
            message.Fail(reason);
        }

        while (outbound.Reader.TryRead(out var message))
        {
            message.Fail(reason);
        }
    }

    /// <summary>Closes the socket and waits for both loops to finish, observing their exceptions.</summary>
    public async ValueTask DisposeAsync()
    {
        shutdown.Cancel();
        outbound.Writer.TryComplete();
        socket?.Dispose();
        var loops = new List<Task>();
        if (writerLoop is not null)
        {
            loops.Add(writerLoop);
        }

        if (readerLoop is not null)
        {
            loops.Add(readerLoop);
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }

        FailAll(new CacheConnectionException("The connection was disposed"));
        reader?.Dispose();
        if (stream is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        shutdown.Dispose();
        singleWriter.Dispose();
    }
}
