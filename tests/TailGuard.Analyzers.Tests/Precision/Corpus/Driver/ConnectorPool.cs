using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Pgsql.Driver;

internal enum HostState
{
    Unknown,
    Offline,
    Primary,
    Standby,
}

/// <summary>
/// A pool of open connectors for one connection string. Idle connectors wait in a channel; renting takes one without awaiting when
/// one is there, opens a new one while under the maximum, and otherwise waits for a connector to be returned.
/// </summary>
internal sealed class ConnectorPool : IDisposable
{
    private readonly ConnectionSettings settings;
    private readonly Channel<Connector> idle;
    private readonly Connector?[] connectors;
    private readonly Timer pruningTimer;
    private readonly object clearLock = new();
    private int numConnectors;
    private int idleCount;
    private Task? warmUpTask;

    internal ConnectorPool(ConnectionSettings settings)
    {
        this.settings = settings;
        connectors = new Connector?[settings.MaxPoolSize];
        idle = Channel.CreateUnbounded<Connector>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        pruningTimer = new Timer(static state => ((ConnectorPool)state!).PruneIdleConnectors(), this, settings.KeepAlive, settings.KeepAlive);
    }

    internal int Busy => numConnectors - idleCount;

    internal int Idle => idleCount;

    internal HostState LastKnownState { get; private set; }

    /// <summary>The ValueTask fast path: an idle connector is returned without allocating a task.</summary>
    internal ValueTask<Connector> Rent(TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        if (TryGetIdle(out var connector))
        {
            return new ValueTask<Connector>(connector);
        }

        return RentSlow(timeout, async, cancellationToken);
    }

    internal Connector Rent(TimeSpan timeout)
    {
        var rent = Rent(timeout, async: false, CancellationToken.None);
        return rent.IsCompletedSuccessfully ? rent.Result : rent.AsTask().GetAwaiter().GetResult();
    }

    private async ValueTask<Connector> RentSlow(TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        var opened = await OpenNewConnector(timeout, async, cancellationToken).ConfigureAwait(false);
        if (opened is not null)
        {
            return opened;
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var token = timeoutSource.Token;
        while (true)
        {
            Connector connector;
            try
            {
                var read = idle.Reader.ReadAsync(token);
                if (read.IsCompletedSuccessfully)
                {
                    connector = read.Result;
                }
                else if (async)
                {
                    connector = await read.ConfigureAwait(false);
                }
                else
                {
                    // Channels have no synchronous read: the synchronous API waits here for another caller to return a connector.
                    connector = read.AsTask().GetAwaiter().GetResult(); // expect: TG1001
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PgException($"The connection pool has been exhausted (busy: {Busy}, max: {settings.MaxPoolSize})", new TimeoutException());
            }

            Interlocked.Decrement(ref idleCount);
            if (CheckIdleConnector(connector))
            {
                return connector;
            }

            opened = await OpenNewConnector(timeout, async, cancellationToken).ConfigureAwait(false);
            if (opened is not null)
            {
                return opened;
            }
        }
    }

    private bool TryGetIdle(out Connector connector)
    {
        while (idle.Reader.TryRead(out var candidate))
        {
            Interlocked.Decrement(ref idleCount);
            if (CheckIdleConnector(candidate))
            {
                connector = candidate;
                return true;
            }
        }

        connector = null!;
        return false;
    }

    private bool CheckIdleConnector(Connector connector)
    {
        if (connector.IsBroken)
        {
            CloseConnector(connector);
            return false;
        }

        return true;
    }

    private async ValueTask<Connector?> OpenNewConnector(TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        for (var count = numConnectors; count < settings.MaxPoolSize; count = numConnectors)
        {
            if (Interlocked.CompareExchange(ref numConnectors, count + 1, count) != count)
            {
                continue;
            }

            var connector = new Connector(settings, this);
            try
            {
                await connector.Open(timeout, async, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Interlocked.Decrement(ref numConnectors);
                throw;
            }

            for (var i = 0; i < connectors.Length; i++)
            {
                if (Interlocked.CompareExchange(ref connectors[i], connector, null) is null)
                {
                    break;
                }
            }

            return connector;
        }

        return null;
    }

    internal void Return(Connector connector)
    {
        if (connector.IsBroken)
        {
            CloseConnector(connector);
            return;
        }

        Interlocked.Increment(ref idleCount);
        var written = idle.Writer.TryWrite(connector);
        Debug.Assert(written, "the idle channel is unbounded");
    }

    private void CloseConnector(Connector connector)
    {
        for (var i = 0; i < connectors.Length; i++)
        {
            if (Interlocked.CompareExchange(ref connectors[i], null, connector) == connector)
            {
                Interlocked.Decrement(ref numConnectors);
                break;
            }
        }

        try
        {
            connector.Close();
        }
        catch (PgException e)
        {
            Trace.TraceWarning("Exception while closing a connector: " + e.Message);
        }
    }

    /// <summary>Opens the minimum number of connectors in parallel, once.</summary>
    internal Task WarmUp(CancellationToken cancellationToken)
    {
        lock (clearLock)
        {
            if (warmUpTask is { IsCompleted: false } running)
            {
                return running;
            }

            warmUpTask = WarmUpCore(cancellationToken);
            return warmUpTask;
        }
    }

    private async Task WarmUpCore(CancellationToken cancellationToken)
    {
        var opens = new List<Task<Connector?>>();
        for (var i = numConnectors; i < settings.MinPoolSize; i++)
        {
            opens.Add(OpenNewConnector(settings.Timeout, async: true, cancellationToken).AsTask());
        }

        await Task.WhenAll(opens).ConfigureAwait(false);
        foreach (var open in opens)
        {
            if (open.Result is { } connector)
            {
                Return(connector);
            }
        }
    }

    internal bool IsWarm => warmUpTask is { IsCompletedSuccessfully: true };

    /// <summary>Asks every host of a multi-host data source for its state and picks the primary.</summary>
    internal static async Task<ConnectorPool?> SelectPrimary(IReadOnlyList<ConnectorPool> pools, CancellationToken cancellationToken)
    {
        var probes = new Task<HostState>[pools.Count];
        for (var i = 0; i < pools.Count; i++)
        {
            probes[i] = pools[i].Probe(cancellationToken);
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
        for (var i = 0; i < probes.Length; i++)
        {
            pools[i].LastKnownState = probes[i].Result;
            if (probes[i].Result == HostState.Primary)
            {
                return pools[i];
            }
        }

        return null;
    }

    internal static async Task<IReadOnlyList<HostState>> ProbeAll(IEnumerable<ConnectorPool> pools, CancellationToken cancellationToken)
    {
        var probes = pools.Select(pool => pool.Probe(cancellationToken)).ToList();
        await Task.WhenAll(probes).ConfigureAwait(false);
        return probes.Select(probe => probe.Result).ToList();
    }

    /// <summary>A probe counts the standbys as they come in; the continuation reads the completed probe.</summary>
    internal static Task<int> CountStandbys(IEnumerable<ConnectorPool> pools, CancellationToken cancellationToken)
    {
        var standbys = 0;
        var continuations = pools
            .Select(pool => pool.Probe(cancellationToken)
                .ContinueWith(probe => probe.Result == HostState.Standby ? Interlocked.Increment(ref standbys) : 0,
                    cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default))
            .ToArray();
        return Task.WhenAll(continuations).ContinueWith(_ => Volatile.Read(ref standbys), TaskScheduler.Default);
    }

    private async Task<HostState> Probe(CancellationToken cancellationToken)
    {
        try
        {
            var connector = await Rent(settings.Timeout, async: true, cancellationToken).ConfigureAwait(false);
            try
            {
                var inRecovery = connector.ServerParameters.TryGetValue("in_hot_standby", out var value) && value == "on";
                return inRecovery ? HostState.Standby : HostState.Primary;
            }
            finally
            {
                Return(connector);
            }
        }
        catch (PgException)
        {
            return HostState.Offline;
        }
    }

    /// <summary>Runs on the timer: closes connectors idle for too long, and checks the last keepalive of the others.</summary>
    private void PruneIdleConnectors()
    {
        var toPrune = idleCount - settings.MinPoolSize;
        while (toPrune-- > 0 && idle.Reader.TryRead(out var connector))
        {
            Interlocked.Decrement(ref idleCount);
            if (connector.LastKeepAliveSucceeded() && DateTime.UtcNow - connector.OpenedAt < TimeSpan.FromMinutes(30))
            {
                Return(connector);
                continue;
            }

            CloseConnector(connector);
        }

        foreach (var connector in connectors)
        {
            connector?.StartKeepAlive();
        }
    }

    internal void Clear()
    {
        lock (clearLock)
        {
            while (idle.Reader.TryRead(out var connector))
            {
                Interlocked.Decrement(ref idleCount);
                CloseConnector(connector);
            }
        }
    }

    public void Dispose()
    {
        pruningTimer.Dispose();
        Clear();
    }
}
