using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace TailGuard.Samples.AdversarialService;

/// <summary>
/// A slow dependency on a real loopback socket: a client sends one line with the delay it wants in milliseconds, gets a short
/// quote after that delay, then the server closes the connection. It plays the database or the HTTP backend a real service waits on, so the bad endpoints block
/// their threads on real socket I/O, not on a simulation.
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

    private static async Task<int> ReadDelayAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new byte[16];
        var length = 0;
        while (length < line.Length)
        {
            var read = await stream.ReadAsync(line.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (read == 0 || line[length] == (byte)'\n')
            {
                break;
            }

            length++;
        }

        return int.TryParse(line.AsSpan(0, length), out var delayMs) ? Math.Clamp(delayMs, 0, 10_000) : 0;
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var delayMs = await ReadDelayAsync(stream, stoppingToken).ConfigureAwait(false);
                await Task.Delay(delayMs, stoppingToken).ConfigureAwait(false);
                var quote = Encoding.ASCII.GetBytes($"quote {Environment.TickCount64 % 10_000:D4} {new string('x', 200)}\n");
                await stream.WriteAsync(quote, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
            {
                // The caller went away or the service is stopping: nothing to answer.
            }
        }
    }
}


/// <summary>Connects to <see cref="SlowUpstream"/> and reads its quote.</summary>
public sealed class UpstreamClient(SlowUpstream upstream)
{
    /// <summary>
    /// Opens a connection to the upstream and asks for a quote that takes <paramref name="delayMs"/> to come. The caller reads
    /// the reply, synchronously or not: that is the point.
    /// </summary>
    public async Task<TcpClient> RequestQuoteAsync(int delayMs, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(upstream.Endpoint, cancellationToken).ConfigureAwait(false);
            var request = Encoding.ASCII.GetBytes(delayMs.ToString(CultureInfo.InvariantCulture) + "\n");
            await client.GetStream().WriteAsync(request, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The well-behaved way to fetch a quote: asynchronous all the way down.</summary>
    public async Task<string> FetchQuoteAsync(int delayMs, CancellationToken cancellationToken)
    {
        using var client = await RequestQuoteAsync(delayMs, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
