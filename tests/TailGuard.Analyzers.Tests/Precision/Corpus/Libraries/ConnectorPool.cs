// A PostgreSQL-driver-style connector pool: a SemaphoreSlim gates the number of physical connections, the idle list is a
// lock-free stack, and the rent path has a synchronous twin. Shapes from drivers that share one implementation between Open()
// and OpenAsync() with a bool flag, and that expose ValueTask fast paths without the async keyword.
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Corpus.Libraries;

public sealed class PooledConnector
{
    public int ProcessId { get; init; }

    public bool IsBroken { get; set; }

    public DateTime LastUsed { get; set; }
}

public sealed class ConnectorPool
{
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<PooledConnector> _idle = new();
    private readonly ManualResetEventSlim _drained = new(initialState: true);
    private readonly Func<CancellationToken, ValueTask<PooledConnector>> _open;
    private int _busy;

    public ConnectorPool(int maxConnections, Func<CancellationToken, ValueTask<PooledConnector>> open)
    {
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _open = open;
    }

    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Shared implementation of Rent() and RentAsync(): the synchronous branch blocks by design.</summary>
    public ValueTask<PooledConnector> Rent(bool async, TimeSpan timeout, CancellationToken ct)
    {
        if (TryGetIdle(out var connector))
        {
            return new ValueTask<PooledConnector>(connector);
        }

        if (!async)
        {
            if (!_slots.Wait(timeout, ct)) // not: TG1003 (synchronous branch of the async flag)
            {
                throw new TimeoutException("The connection pool has been exhausted.");
            }

            return OpenSlow(ct);
        }

        return RentSlowAsync(timeout, ct);
    }

    /// <summary>The fast path callers await: no async keyword, but a blocking wait when the pool is full.</summary>
    public ValueTask<PooledConnector> RentFastAsync(CancellationToken ct)
    {
        if (TryGetIdle(out var connector))
        {
            return new ValueTask<PooledConnector>(connector);
        }

        _slots.Wait(ct); // expect: TG1003
        Interlocked.Increment(ref _busy);
        return _open(ct);
    }

    public Task WhenDrainedAsync(CancellationToken ct)
    {
        if (Busy == 0)
        {
            return Task.CompletedTask;
        }

        _drained.Wait(ct); // expect: TG1003
        return Task.CompletedTask;
    }

    public Task<int> IdleCountAsync() => Task.FromResult(_idle.Count);

    public ValueTask ReturnAsync(PooledConnector connector)
    {
        connector.LastUsed = DateTime.UtcNow;
        if (connector.IsBroken)
        {
            _slots.Release();
        }
        else
        {
            _idle.Push(connector);
        }

        if (Interlocked.Decrement(ref _busy) == 0)
        {
            _drained.Set();
        }

        return default;
    }

    private async ValueTask<PooledConnector> RentSlowAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (!await _slots.WaitAsync(timeout, ct).ConfigureAwait(false))
        {
            throw new TimeoutException("The connection pool has been exhausted.");
        }

        Interlocked.Increment(ref _busy);
        _drained.Reset();
        return await _open(ct).ConfigureAwait(false);
    }

    private ValueTask<PooledConnector> OpenSlow(CancellationToken ct)
    {
        Interlocked.Increment(ref _busy);
        _drained.Reset();
        return _open(ct);
    }

    private bool TryGetIdle(out PooledConnector connector)
    {
        while (_idle.TryPop(out var candidate))
        {
            if (!candidate.IsBroken)
            {
                Interlocked.Increment(ref _busy);
                connector = candidate;
                return true;
            }

            _slots.Release();
        }

        connector = null!;
        return false;
    }
}

/// <summary>A replayable buffer in front of a socket stream: the Task-returning overrides read memory, not the network.</summary>
public sealed class ReplayStream : Stream
{
    private readonly MemoryStream _buffer = new();
    private readonly Stream _socket;

    public ReplayStream(Stream socket) => _socket = socket;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _buffer.Length;
    public override long Position { get => _buffer.Position; set => _buffer.Position = value; }

    public override void Flush() => _socket.Flush();

    public override int Read(byte[] buffer, int offset, int count) => _buffer.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        => Task.FromResult(_buffer.Read(buffer, offset, count)); // not: TG1003 (in memory)

    public override Task FlushAsync(CancellationToken ct)
    {
        _socket.Flush(); // expect: TG1003
        return Task.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => _buffer.Write(buffer, offset, count);
}
