using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace Cache.Client;

public sealed class CacheOptions
{
    public List<EndPoint> EndPoints { get; } = new();

    public string? User { get; set; }

    public string? Password { get; set; }

    public string? ClientName { get; set; }

    public int DefaultDatabase { get; set; }

    public bool Ssl { get; set; }

    public string? SslHost { get; set; }

    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool AbortOnConnectFail { get; set; } = true;

    public static CacheOptions Parse(string configuration)
    {
        var options = new CacheOptions();
        foreach (var part in configuration.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals < 0)
            {
                var colon = part.LastIndexOf(':');
                options.EndPoints.Add(colon > 0
                    ? new DnsEndPoint(part.Substring(0, colon), int.Parse(part.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture))
                    : new DnsEndPoint(part, 6379));
                continue;
            }

            var key = part.Substring(0, equals);
            var value = part.Substring(equals + 1);
            switch (key.ToLowerInvariant())
            {
                case "password":
                    options.Password = value;
                    break;
                case "user":
                    options.User = value;
                    break;
                case "name":
                    options.ClientName = value;
                    break;
                case "ssl":
                    options.Ssl = bool.Parse(value);
                    break;
                case "abortconnect":
                    options.AbortOnConnectFail = bool.Parse(value);
                    break;
                case "synctimeout":
                    options.SyncTimeout = TimeSpan.FromMilliseconds(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        return options;
    }
}

/// <summary>
/// Shares one connection per server among all callers. <see cref="Connect"/> and <see cref="ConnectAsync"/> share one
/// implementation; a heartbeat timer detects dead connections and reconnects them in the background.
/// </summary>
public sealed class Multiplexer : IAsyncDisposable, IDisposable
{
    private readonly CacheOptions options;
    private readonly object reconnectLock = new();
    private readonly Dictionary<EndPoint, Task> reconnecting = new();
    private PhysicalConnection[] connections = Array.Empty<PhysicalConnection>();
    private Timer? heartbeat;
    private Task<TimeSpan>? lastPing;
    private int roundRobin;
    private bool disposed;

    private Multiplexer(CacheOptions options) => this.options = options;

    public bool IsConnected => connections.Any(c => c.IsConnected);

    public TimeSpan? LastPingLatency => lastPing is { IsCompletedSuccessfully: true } ping ? ping.Result : null;

    public static Multiplexer Connect(string configuration)
        => ConnectImpl(CacheOptions.Parse(configuration), async: false, CancellationToken.None).GetAwaiter().GetResult();

    public static Task<Multiplexer> ConnectAsync(string configuration, CancellationToken cancellationToken = default)
        => ConnectImpl(CacheOptions.Parse(configuration), async: true, cancellationToken);

    private static async Task<Multiplexer> ConnectImpl(CacheOptions options, bool async, CancellationToken cancellationToken)
    {
        var multiplexer = new Multiplexer(options);
        var opened = new List<PhysicalConnection>();
        foreach (var endpoint in options.EndPoints)
        {
            var connection = new PhysicalConnection(endpoint, options);
            try
            {
                await connection.Connect(async, cancellationToken).ConfigureAwait(false);
                opened.Add(connection);
            }
            catch (Exception e) when (!options.AbortOnConnectFail && e is CacheConnectionException or System.Net.Sockets.SocketException)
            {
                Trace.TraceWarning("Could not connect to " + endpoint + ": " + e.Message);
            }
        }

        if (opened.Count == 0)
        {
            throw new CacheConnectionException("No server is reachable: " + string.Join(", ", options.EndPoints));
        }

        multiplexer.connections = opened.ToArray();
        multiplexer.heartbeat = new Timer(static state => ((Multiplexer)state!).OnHeartbeat(), multiplexer,
            options.HeartbeatInterval, options.HeartbeatInterval);
        return multiplexer;
    }

    public Database GetDatabase(int database = -1) => new(this, database < 0 ? options.DefaultDatabase : database);

    internal CacheOptions Options => options;

    internal PhysicalConnection SelectConnection()
    {
        var current = connections;
        for (var i = 0; i < current.Length; i++)
        {
            var candidate = current[(int)((uint)Interlocked.Increment(ref roundRobin) % current.Length)];
            if (candidate.IsConnected)
            {
                return candidate;
            }
        }

        throw new CacheConnectionException("No connection is available");
    }

    /// <summary>
    /// Runs on the timer thread every second. It must never wait: it only looks at tasks that have already finished and starts
    /// new background work.
    /// </summary>
    private void OnHeartbeat()
    {
        if (disposed)
        {
            return;
        }

        var ping = lastPing;
        if (ping is null || ping.IsCompleted)
        {
            if (ping is { IsFaulted: true })
            {
                Trace.TraceWarning("Heartbeat ping failed: " + ping.Exception!.InnerException!.Message);
            }
            else if (ping is not null && ping.Status == TaskStatus.RanToCompletion && ping.Result > options.SyncTimeout)
            {
                Trace.TraceWarning("Heartbeat latency " + ping.Result + " exceeds the sync timeout");
            }

            lastPing = PingAsync();
        }

        foreach (var connection in connections)
        {
            if (!connection.IsConnected || connection.SinceLastRead > options.SyncTimeout * 4)
            {
                StartReconnect(connection);
            }
        }
    }

    private void StartReconnect(PhysicalConnection connection)
    {
        lock (reconnectLock)
        {
            if (reconnecting.TryGetValue(connection.EndPoint, out var running) && !running.IsCompleted)
            {
                return;
            }

            reconnecting[connection.EndPoint] = ReconnectAsync(connection);
        }
    }

    /// <summary>Replaces a dead connection, retrying with back-off; the handshake runs again on the new socket.</summary>
    private async Task ReconnectAsync(PhysicalConnection dead)
    {
        await dead.DisposeAsync().ConfigureAwait(false);
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 0; attempt < 10 && !disposed; attempt++)
        {
            var replacement = new PhysicalConnection(dead.EndPoint, options);
            try
            {
                var connect = replacement.Connect(async: true, CancellationToken.None);
                if (await Task.WhenAny(connect, Task.Delay(options.ConnectTimeout)).ConfigureAwait(false) != connect)
                {
                    throw new TimeoutException("Connect timed out");
                }

                await connect.ConfigureAwait(false);
                var updated = connections.Select(c => ReferenceEquals(c, dead) ? replacement : c).ToArray();
                Interlocked.Exchange(ref connections, updated);
                return;
            }
            catch (Exception e) when (e is CacheConnectionException or TimeoutException or System.Net.Sockets.SocketException)
            {
                await replacement.DisposeAsync().ConfigureAwait(false);
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var message = new Message(-1, "PING");
        await SelectConnection().Enqueue(message, cancellationToken).ConfigureAwait(false);
        await message.Task.ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The sync ping used by the health endpoint; it blocks on the network round trip.</summary>
    public TimeSpan Ping() => PingAsync().Result; // bridge: TG1001 (was expect: a sync twin over PingAsync, left to TG1003 at its async callers since issue 13)

    /// <summary>Pings every server concurrently and reports the slowest.</summary>
    public async Task<TimeSpan> PingAllAsync(CancellationToken cancellationToken = default)
    {
        var pings = new List<Task<TimeSpan>>();
        foreach (var connection in connections)
        {
            pings.Add(PingOne(connection, cancellationToken));
        }

        await Task.WhenAll(pings).ConfigureAwait(false);
        return pings.Max(p => p.Result);

        static async Task<TimeSpan> PingOne(PhysicalConnection connection, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var message = new Message(-1, "PING");
            await connection.Enqueue(message, cancellationToken).ConfigureAwait(false);
            await message.Task.ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(started);
        }
    }

    public string GetStatus()
    {
        var lines = new List<string>();
        foreach (var connection in connections)
        {
            lines.Add($"{connection.EndPoint}: {(connection.IsConnected ? "connected" : "down")}, {connection.PendingCount} pending, version {connection.ServerVersion}");
        }

        lock (reconnectLock)
        {
            foreach (var (endpoint, task) in reconnecting)
            {
                lines.Add($"{endpoint}: reconnect {task.Status}");
            }
        }

        return string.Join(Environment.NewLine, lines);
    }

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        if (heartbeat is not null)
        {
            await heartbeat.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    public void Dispose()
    {
        disposed = true;
        heartbeat?.Dispose();
        foreach (var connection in connections)
        {
            // Disposal must not wait for the sockets: closing finishes in the background and only failures are observed.
            _ = connection.DisposeAsync().AsTask().ContinueWith(
                static closed => Trace.TraceWarning("Closing a connection failed: " + closed.Exception!.InnerException!.Message),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }
}
