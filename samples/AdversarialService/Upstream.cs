using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// A slow dependency on a real loopback socket: a client sends one line with the delay it wants in milliseconds, gets a short
/// quote line after that delay, then the server closes the connection; a request line <c>delay keep</c> keeps it open for the
/// next request instead, as a database protocol does for a client's connection pool. It plays the database or the HTTP backend
/// a real service waits on, so the bad endpoints block their threads on real socket I/O, not on a simulation.
/// </summary>
public sealed class SlowUpstream : BackgroundService
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    public SlowUpstream()
    {
        _listener.Start(backlog: 4096);
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
    }

    public IPEndPoint Endpoint { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(stoppingToken).ConfigureAwait(false);
                _ = ServeAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _listener.Stop();
        }
    }

    /// <summary>Reads one request line: the delay, and whether to keep the connection; null when the client closed it.</summary>
    private static async Task<(int DelayMs, bool Keep)?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new byte[32];
        var length = 0;
        while (length < line.Length)
        {
            var read = await stream.ReadAsync(line.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (length == 0)
                {
                    return null;
                }

                break;
            }

            if (line[length] == (byte)'\n')
            {
                break;
            }

            length++;
        }

        var text = Encoding.ASCII.GetString(line, 0, length);
        var keep = text.EndsWith(" keep", StringComparison.Ordinal);
        var delay = int.TryParse(keep ? text[..^5] : text, CultureInfo.InvariantCulture, out var delayMs) ? Math.Clamp(delayMs, 0, 10_000) : 0;
        return (delay, keep);
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (await ReadRequestAsync(stream, stoppingToken).ConfigureAwait(false) is { } request)
                {
                    await Task.Delay(request.DelayMs, stoppingToken).ConfigureAwait(false);
                    var quote = Encoding.ASCII.GetBytes($"quote {Environment.TickCount64 % 10_000:D4} {new string('x', 200)}\n");
                    await stream.WriteAsync(quote, stoppingToken).ConfigureAwait(false);
                    if (!request.Keep)
                    {
                        break;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
            {
                // The caller went away or the service is stopping: nothing to answer.
            }
        }
    }
}

/// <summary>
/// Connects to <see cref="SlowUpstream"/> and reads its quote. <see cref="FetchQuoteAsync"/> keeps its connections in a pool, as
/// a database driver does: a burst of calls then costs the waits, not a new TCP connection each on both sides (which took
/// about 1.6 ms of CPU per call here and made a burst of 24 fixed calls take 17-26 ms on the busy 2-core machine).
/// </summary>
public sealed class UpstreamClient(SlowUpstream upstream) : IDisposable
{
    /// <summary>Idle connections kept for reuse; more than this are closed when returned.</summary>
    private const int MaxIdleConnections = 256;

    private readonly ConcurrentQueue<PooledConnection> _idle = new();

    /// <summary>
    /// Opens a connection to the upstream and asks for a quote that takes <paramref name="delayMs"/> to come; the upstream closes
    /// the connection after the quote. The caller reads the reply, synchronously or not: that is the point.
    /// </summary>
    public async Task<TcpClient> RequestQuoteAsync(int delayMs, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(upstream.Endpoint, cancellationToken).ConfigureAwait(false);
            await client.GetStream().WriteAsync(Request(delayMs, keep: false), cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The well-behaved way to fetch a quote: asynchronous all the way down, on a pooled connection.</summary>
    public async Task<string> FetchQuoteAsync(int delayMs, CancellationToken cancellationToken)
    {
        var connection = _idle.TryDequeue(out var idle) ? idle : await PooledConnection.OpenAsync(upstream.Endpoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.Stream.WriteAsync(Request(delayMs, keep: true), cancellationToken).ConfigureAwait(false);
            var quote = await connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            Return(connection);
            return quote;
        }
        catch
        {
            // Cancelled or broken half-way: the connection may still carry the reply, so it is not reused.
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        while (_idle.TryDequeue(out var connection))
        {
            connection.Dispose();
        }
    }

    private void Return(PooledConnection connection)
    {
        if (_idle.Count < MaxIdleConnections)
        {
            _idle.Enqueue(connection);
        }
        else
        {
            connection.Dispose();
        }
    }

    private static byte[] Request(int delayMs, bool keep) =>
        Encoding.ASCII.GetBytes(delayMs.ToString(CultureInfo.InvariantCulture) + (keep ? " keep\n" : "\n"));

    private sealed class PooledConnection(TcpClient client) : IDisposable
    {
        private readonly byte[] _buffer = new byte[512];

        public NetworkStream Stream { get; } = client.GetStream();

        public static async Task<PooledConnection> OpenAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                return new PooledConnection(client);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>The reply line, without its newline; the upstream sends nothing after it until the next request.</summary>
        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var length = 0;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    throw new IOException("The upstream's reply is longer than a quote.");
                }

                var read = await Stream.ReadAsync(_buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The upstream closed the connection before its reply ended.");
                }

                var end = Array.IndexOf(_buffer, (byte)'\n', length, read);
                length += read;
                if (end >= 0)
                {
                    return Encoding.ASCII.GetString(_buffer, 0, end);
                }
            }
        }

        public void Dispose() => client.Dispose();
    }
}
