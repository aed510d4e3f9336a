using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Messaging;

/// <summary>
/// A Redis-like multiplexer: one connection per server shared by every caller, a synchronous API written over the async one
/// with the client's own timeout, and a connection log.
/// </summary>
public sealed class Multiplexer : IDisposable
{
    private static readonly Task<bool> TrueTask = Task.FromResult(true);
    private static readonly Task<bool> FalseTask = Task.FromResult(false);

    private readonly TextWriter log = new StringWriter();
    private readonly object syncRoot = new();
    private readonly StreamWriter? commandWriter;
    private readonly ConcurrentDictionary<string, string> localCache = new(StringComparer.Ordinal);
    private readonly List<string> servers = new();
    private readonly TimeSpan syncTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task heartbeat;
    private volatile bool connected;

    public Multiplexer(NetworkStream? stream)
    {
        commandWriter = stream is null ? null : new StreamWriter(stream);
        heartbeat = Task.Run(() => HeartbeatLoopAsync(stopping.Token));
    }

    public static async Task<Multiplexer> ConnectAsync(string configuration, CancellationToken cancellationToken = default)
    {
        var muxer = new Multiplexer(stream: null);
        await muxer.ConfigureAsync(configuration, cancellationToken).ConfigureAwait(false);
        return muxer;
    }

    public static Multiplexer Connect(string configuration) => ConnectAsync(configuration).GetAwaiter().GetResult(); // bridge: TG1001

    public async Task<bool> ConfigureAsync(string configuration, CancellationToken cancellationToken = default)
    {
        foreach (var endpoint in configuration.Split(','))
        {
            servers.Add(endpoint.Trim());
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            Log("configured " + endpoint);
        }

        connected = servers.Count > 0;
        return connected;
    }

    /// <summary>Reconfigures synchronously, for callers outside async code.</summary>
    public bool Configure(string configuration) => ConfigureAsync(configuration).GetAwaiter().GetResult(); // bridge: TG1001

    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = DateTime.UtcNow;
        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        return DateTime.UtcNow - started;
    }

    public TimeSpan Ping() => Wait(PingAsync());

    public Task<bool> KeyExistsAsync(string key) => localCache.ContainsKey(key) ? TrueTask : ExecuteAsync("EXISTS", key);

    public bool KeyExists(string key) => Wait(KeyExistsAsync(key));

    /// <summary>The client's synchronous wait, with its own timeout and the single exception unwrapped.</summary>
    public T Wait<T>(Task<T> task)
    {
        try
        {
            if (!task.Wait(syncTimeout)) // bridge: TG1001
            {
                throw new TimeoutException("Timeout performing operation (" + syncTimeout.TotalMilliseconds + "ms)");
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            throw e.InnerExceptions[0];
        }

        return task.Result;
    }

    public void WaitAll(params Task[] tasks)
    {
        if (!Task.WaitAll(tasks, syncTimeout)) // bridge: TG1001
        {
            throw new TimeoutException("Timeout awaiting " + tasks.Length + " operations");
        }
    }

    /// <summary>Whether the key is in the client-side cache; the helper only hands out cached, completed tasks.</summary>
    public bool IsCachedLocally(string key) => FromBool(localCache.ContainsKey(key)).Result;

    private static Task<bool> FromBool(bool value) => value ? TrueTask : FalseTask;

    /// <summary>The legacy report job's read: no sync twin, no timeout, blocks the request thread.</summary>
    public string? StringGetOrDefault(string key) => StringGetAsync(key).Result; // expect: TG1001

    public Task<string?> StringGetAsync(string key)
        => localCache.TryGetValue(key, out var value) ? Task.FromResult<string?>(value) : FetchAsync(key);

    public long Increment(string key, bool fireAndForget)
        => (fireAndForget ? IncrementFireAndForget(key, async: false) : IncrementCore(key, async: false)).GetAwaiter().GetResult();

    private async ValueTask<long> IncrementCore(string key, bool async)
    {
        if (async)
        {
            await Task.Yield();
        }

        return key.Length;
    }

    private ValueTask<long> IncrementFireAndForget(string key, bool async) => async ? new ValueTask<long>(0) : new ValueTask<long>(-1);

    private async Task<bool> ExecuteAsync(string command, string key)
    {
        await WriteCommandAsync(new[] { command, key }).ConfigureAwait(false);
        return true;
    }

    private async Task<string?> FetchAsync(string key)
    {
        await WriteCommandAsync(new[] { "GET", key }).ConfigureAwait(false);
        return null;
    }

    /// <summary>RESP encoding into a buffer: the length prefix loop is logarithmic and the inner loop walks the argument once.</summary>
    private async Task WriteCommandAsync(IReadOnlyList<string> args)
    {
        var buffer = new byte[4096];
        var position = 0;
        await Task.Yield();
        buffer[position++] = (byte)'*';
        foreach (var arg in args)
        {
            var length = arg.Length;
            var digits = 1;
            for (var rest = length; rest >= 10; rest /= 10)
            {
                digits++;
            }

            var end = position + digits;
            do
            {
                buffer[--end] = (byte)('0' + (length % 10));
                length /= 10;
            }
            while (length != 0);

            position += digits;
            for (var i = 0; i < arg.Length; i++)
            {
                buffer[position++] = (byte)arg[i];
            }
        }
    }

    /// <summary>Checks every server for every key: quadratic, on the request path.</summary>
    public async Task<int> CountReplicatedAsync(IReadOnlyList<string> keys)
    {
        await Task.Yield();
        var found = 0;
        foreach (var server in servers) // expect: TG2001
        {
            foreach (var key in keys)
            {
                if (localCache.ContainsKey(server + "/" + key))
                {
                    found++;
                }
            }
        }

        return found;
    }

    /// <summary>The connection log is a StringWriter: the lock only serialises in-memory writes.</summary>
    private void Log(string message)
    {
        lock (log)
        {
            log.WriteLine(DateTime.UtcNow.ToString("O") + " " + message);
        }
    }

    public string LogText()
    {
        lock (log)
        {
            return log.ToString() ?? string.Empty;
        }
    }

    /// <summary>A raw command written under the lock to a network stream: every other caller queues behind the socket.</summary>
    public void SendRaw(string line)
    {
        lock (syncRoot)
        {
            commandWriter?.WriteLine(line); // expect: TG1006
            commandWriter?.Flush(); // expect: TG1006
        }
    }

    public void WaitUntilConnected()
    {
        while (!connected) Thread.SpinWait(20); // expect: TG2002
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            await PingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the heartbeat and gives it a bounded time to finish.</summary>
    public void Dispose()
    {
        stopping.Cancel();
        heartbeat.Wait(TimeSpan.FromSeconds(2)); // bridge: TG1001
        commandWriter?.Dispose();
    }
}

/// <summary>Message ids in order: a publisher that claimed an id publishes it in its next statement.</summary>
public sealed class Sequencer
{
    private long reserved;
    private long published;
    private int nextId;
    private int wrapping;

    public long Publish(Action<long> write)
    {
        var ticket = Interlocked.Increment(ref reserved);
        write(ticket);
        var spinner = new SpinWait();
        while (Volatile.Read(ref published) != ticket - 1)
        {
            spinner.SpinOnce();
        }

        Volatile.Write(ref published, ticket);
        return ticket;
    }

    public int NextId()
    {
        var id = Interlocked.Increment(ref nextId);
        if (id == 0)
        {
            // Once per 2^32 ids: the thread that wrapped the counter is resetting the epoch in its next statement.
            var spinner = new SpinWait();
            while (Volatile.Read(ref wrapping) != 0)
            {
                spinner.SpinOnce();
            }
        }

        return id;
    }
}

/// <summary>The hand-rolled wait some clients use so that no captured context can deadlock the synchronous API.</summary>
public static class ContextFreeWait
{
    public static T Run<T>(Func<Task<T>> start)
    {
        var awaiter = start().ConfigureAwait(false).GetAwaiter();
        if (!awaiter.IsCompleted)
        {
            using var done = new ManualResetEventSlim();
            awaiter.UnsafeOnCompleted(done.Set);
            done.Wait();
        }

        return awaiter.GetResult();
    }
}
