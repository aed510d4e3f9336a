using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Cache.Client;

/// <summary>
/// The command API. Every command exists as <c>X</c> and <c>XAsync</c>, both over one <see cref="Execute"/> that takes
/// <c>bool async</c>: the async path awaits the message's task, the sync path waits on the message's monitor (pulsed by the
/// reader loop) and then reads the completed result.
/// </summary>
public sealed class Database
{
    private readonly Multiplexer multiplexer;
    private readonly ConcurrentDictionary<string, (string? Value, long Expires)> nearCache = new(StringComparer.Ordinal);
    private readonly bool preferAsyncIo;

    internal Database(Multiplexer multiplexer, int database)
    {
        this.multiplexer = multiplexer;
        DatabaseNumber = database;
        preferAsyncIo = Environment.GetEnvironmentVariable("CACHE_PREFER_ASYNC_IO") == "1";
    }

    public int DatabaseNumber { get; }

    public TimeSpan NearCacheTtl { get; set; } = TimeSpan.FromMilliseconds(250);

    private async ValueTask<RespResult> Execute(Message message, bool async, CancellationToken cancellationToken = default)
    {
        var connection = multiplexer.SelectConnection();
        if (async)
        {
            await connection.Enqueue(message, cancellationToken).ConfigureAwait(false);
            var result = await message.Task.WaitAsync(multiplexer.Options.SyncTimeout * 2, cancellationToken).ConfigureAwait(false);
            return ThrowOnError(result);
        }

        if (!connection.TryEnqueue(message))
        {
            throw new CacheConnectionException("The outbound queue is full");
        }

        if (!message.WaitSync(multiplexer.Options.SyncTimeout))
        {
            throw new TimeoutException($"Timeout performing {message.Command} ({multiplexer.Options.SyncTimeout.TotalMilliseconds} ms), "
                + $"{connection.PendingCount} pending on {connection.EndPoint}");
        }

        return ThrowOnError(message.GetCompletedResult());
    }

    private static RespResult ThrowOnError(RespResult result)
        => result.IsError ? throw new CacheServerException(result.Text ?? "ERR") : result;

    public string? StringGet(string key) => StringGetCore(key, async: false).GetAwaiter().GetResult();

    public ValueTask<string?> StringGetAsync(string key, CancellationToken cancellationToken = default)
        => StringGetCore(key, async: true, cancellationToken);

    private async ValueTask<string?> StringGetCore(string key, bool async, CancellationToken cancellationToken = default)
    {
        if (nearCache.TryGetValue(key, out var cached) && cached.Expires > Environment.TickCount64)
        {
            return cached.Value;
        }

        var result = await Execute(new Message(DatabaseNumber, "GET", key), async, cancellationToken).ConfigureAwait(false);
        nearCache[key] = (result.Text, Environment.TickCount64 + (long)NearCacheTtl.TotalMilliseconds);
        return result.Text;
    }

    /// <summary>The ValueTask fast path: a near-cache hit returns without a state machine.</summary>
    public ValueTask<string?> StringGetNearAsync(string key, CancellationToken cancellationToken = default)
    {
        if (nearCache.TryGetValue(key, out var cached) && cached.Expires > Environment.TickCount64)
        {
            return new ValueTask<string?>(cached.Value);
        }

        var pending = StringGetCore(key, async: true, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<string?>(pending.Result);
        }

        return pending;
    }

    public bool StringSet(string key, string value, TimeSpan? expiry = null)
        => StringSetCore(key, value, expiry, false).GetAwaiter().GetResult();

    public Task<bool> StringSetAsync(string key, string value, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
        => StringSetCore(key, value, expiry, true, cancellationToken).AsTask();

    private async ValueTask<bool> StringSetCore(string key, string value, TimeSpan? expiry, bool async, CancellationToken cancellationToken = default)
    {
        var message = expiry is { } ttl
            ? new Message(DatabaseNumber, "SET", key, value, "PX", ((long)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))
            : new Message(DatabaseNumber, "SET", key, value);
        nearCache.TryRemove(key, out _);
        var result = await Execute(message, async, cancellationToken).ConfigureAwait(false);
        return result.Text == "OK";
    }

    public long StringIncrement(string key, long by = 1)
        => StringIncrementCore(key, by, async: preferAsyncIo).GetAwaiter().GetResult(); // expect: TG1001

    public ValueTask<long> StringIncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default)
        => StringIncrementCore(key, by, async: true, cancellationToken);

    private async ValueTask<long> StringIncrementCore(string key, long by, bool async, CancellationToken cancellationToken = default)
    {
        var result = await Execute(new Message(DatabaseNumber, "INCRBY", key, by.ToString(CultureInfo.InvariantCulture)), async, cancellationToken)
            .ConfigureAwait(false);
        return result.Integer;
    }

    public bool KeyDelete(string key) => KeyDeleteCore(key, async: false).GetAwaiter().GetResult();

    public Task<bool> KeyDeleteAsync(string key) => KeyDeleteCore(key, async: true).AsTask();

    private async ValueTask<bool> KeyDeleteCore(string key, bool async)
    {
        nearCache.TryRemove(key, out _);
        var result = await Execute(new Message(DatabaseNumber, "DEL", key), async).ConfigureAwait(false);
        return result.Integer > 0;
    }

    public bool KeyExists(string key)
    {
        var pending = KeyExistsCore(key, async: false);
        Debug.Assert(pending.IsCompleted, "the synchronous path completes before returning");
        return pending.Result;
    }

    public ValueTask<bool> KeyExistsAsync(string key) => KeyExistsCore(key, async: true);

    private async ValueTask<bool> KeyExistsCore(string key, bool async)
    {
        if (nearCache.ContainsKey(key))
        {
            return true;
        }

        var result = await Execute(new Message(DatabaseNumber, "EXISTS", key), async).ConfigureAwait(false);
        return result.Integer > 0;
    }

    public Dictionary<string, string> HashGetAll(string key) => HashGetAllCore(key, async: false).GetAwaiter().GetResult();

    public ValueTask<Dictionary<string, string>> HashGetAllAsync(string key) => HashGetAllCore(key, async: true);

    private async ValueTask<Dictionary<string, string>> HashGetAllCore(string key, bool async)
    {
        var result = await Execute(new Message(DatabaseNumber, "HGETALL", key), async).ConfigureAwait(false);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (result.Items is { } items)
        {
            for (var i = 0; i + 1 < items.Count; i += 2)
            {
                map[items[i].Text!] = items[i + 1].Text!;
            }
        }

        return map;
    }

    /// <summary>Reads several keys concurrently; the values are read after all replies are in.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> StringGetManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        var pending = keys.ToDictionary(key => key, key => StringGetAsync(key, cancellationToken).AsTask(), StringComparer.Ordinal);
        await Task.WhenAll(pending.Values).ConfigureAwait(false);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, task) in pending)
        {
            values[key] = task.IsCompletedSuccessfully ? task.Result : null;
        }

        return values;
    }

    /// <summary>Two reads in one round trip; both tasks are awaited together before their results are used.</summary>
    public async Task<(string? Name, string? Email)> GetProfileAsync(string userId, CancellationToken cancellationToken = default)
    {
        var name = StringGetAsync("user:" + userId + ":name", cancellationToken).AsTask();
        var email = StringGetAsync("user:" + userId + ":email", cancellationToken).AsTask();
        await Task.WhenAll(name, email).ConfigureAwait(false);
        return (name.Result, email.Result);
    }

    /// <summary>Read-through with a single flight per key: concurrent callers share the first caller's fetch.</summary>
    private readonly ConcurrentDictionary<string, Task<string?>> inFlight = new(StringComparer.Ordinal);

    public async Task<string?> GetOrLoadAsync(string key, Func<string, Task<string?>> load, CancellationToken cancellationToken = default)
    {
        var cachedRead = StringGetAsync(key, cancellationToken);
        if (cachedRead.IsCompletedSuccessfully && cachedRead.Result is { } hit)
        {
            return hit;
        }

        var fromServer = await cachedRead.ConfigureAwait(false);
        if (fromServer is not null)
        {
            return fromServer;
        }

        var flight = inFlight.GetOrAdd(key, k => LoadAndStore(k, load));
        if (!flight.IsCompleted)
        {
            await flight.ConfigureAwait(false);
        }

        inFlight.TryRemove(new KeyValuePair<string, Task<string?>>(key, flight));
        return flight.Result;
    }

    private async Task<string?> LoadAndStore(string key, Func<string, Task<string?>> load)
    {
        var value = await load(key).ConfigureAwait(false);
        if (value is not null)
        {
            await StringSetAsync(key, value, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        }

        return value;
    }

    /// <summary>Used by a legacy reporting job that calls the async API and blocks for the answer.</summary>
    public string? StringGetOrDefault(string key, string? fallback)
        => StringGetAsync(key).AsTask().GetAwaiter().GetResult() ?? fallback; // expect: TG1001

    /// <summary>A lock with a token; renewal runs in the background and its last outcome is checked without waiting.</summary>
    public sealed class DistributedLock
    {
        private readonly Database database;
        private readonly string key;
        private readonly string token = Guid.NewGuid().ToString("N");
        private Task<bool>? renewal;

        internal DistributedLock(Database database, string key)
        {
            this.database = database;
            this.key = key;
        }

        public async Task<bool> TryAcquireAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            var result = await database.Execute(new Message(database.DatabaseNumber, "SET", key, token, "NX", "PX",
                ((long)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)), async: true, cancellationToken).ConfigureAwait(false);
            return result.Text == "OK";
        }

        public void BeginRenew(TimeSpan ttl)
        {
            if (renewal is { IsCompleted: false })
            {
                return;
            }

            renewal = TryAcquireAsync(ttl);
        }

        public bool? LastRenewalSucceeded
        {
            get
            {
                var current = renewal;
                if (current is null || !current.IsCompleted)
                {
                    return null;
                }

                return current.Status == TaskStatus.RanToCompletion && current.Result;
            }
        }
    }

    public DistributedLock CreateLock(string key) => new(this, key);
}
