using System;
using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

/// <summary>
/// The public connection. <see cref="Open"/> and <see cref="OpenAsync"/> share <see cref="Open(bool, CancellationToken)"/>;
/// the synchronous API passes <c>async: false</c>, so its <c>GetAwaiter().GetResult()</c> never waits on a pending task.
/// </summary>
public sealed class PgConnection : IDisposable, IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, ConnectorPool> Pools = new(StringComparer.Ordinal);

    private readonly ConnectionSettings settings;
    private ConnectorPool? pool;
    private Task<string>? serverVersionTask;

    public PgConnection(string connectionString)
    {
        ConnectionString = connectionString;
        settings = ConnectionSettings.Parse(connectionString);
    }

    public string ConnectionString { get; }

    public ConnectionState State { get; private set; }

    internal Connector? Connector { get; private set; }

    internal ConnectionSettings Settings => settings;

    public string Database => settings.Database;

    public int ProcessId => Connector?.BackendProcessId ?? 0;

    public void Open() => Open(false, CancellationToken.None).GetAwaiter().GetResult();

    public Task OpenAsync(CancellationToken cancellationToken = default) => Open(true, cancellationToken);

    private async Task Open(bool async, CancellationToken cancellationToken)
    {
        if (State != ConnectionState.Closed)
        {
            throw new InvalidOperationException("The connection is already open");
        }

        State = ConnectionState.Connecting;
        try
        {
            pool ??= Pools.GetOrAdd(ConnectionString, static (_, s) => new ConnectorPool(s), settings);
            Connector = await pool.Rent(settings.Timeout, async, cancellationToken).ConfigureAwait(false);
            State = ConnectionState.Open;
        }
        catch
        {
            State = ConnectionState.Closed;
            throw;
        }
    }

    public PgCommand CreateCommand(string commandText = "") => new(commandText, this);

    public PgTransaction BeginTransaction(IsolationLevel level = IsolationLevel.ReadCommitted)
        => BeginTransaction(level, async: false, CancellationToken.None).GetAwaiter().GetResult();

    public ValueTask<PgTransaction> BeginTransactionAsync(IsolationLevel level = IsolationLevel.ReadCommitted, CancellationToken cancellationToken = default)
        => BeginTransaction(level, async: true, cancellationToken);

    private async ValueTask<PgTransaction> BeginTransaction(IsolationLevel level, bool async, CancellationToken cancellationToken)
    {
        CheckReady();
        var isolation = level switch
        {
            IsolationLevel.Serializable => "SERIALIZABLE",
            IsolationLevel.RepeatableRead or IsolationLevel.Snapshot => "REPEATABLE READ",
            IsolationLevel.ReadUncommitted => "READ UNCOMMITTED",
            _ => "READ COMMITTED",
        };
        using var command = CreateCommand("BEGIN ISOLATION LEVEL " + isolation);
        await command.ExecuteNonQuery(async, cancellationToken).ConfigureAwait(false);
        return new PgTransaction(this, level);
    }

    public void ChangeDatabase(string database)
    {
        Close();
        var changed = new PgConnection(ConnectionString.Replace("Database=" + settings.Database, "Database=" + database, StringComparison.Ordinal));
        changed.Open();
        Connector = changed.Connector;
        State = changed.State;
    }

    /// <summary>
    /// The server version, read lazily. The getter was written for diagnostics pages and later used on the request path of the
    /// health check: it blocks on a round trip to the server.
    /// </summary>
    public string ServerVersion
    {
        get
        {
            serverVersionTask ??= QueryServerVersionAsync();
            return serverVersionTask.Result; // expect: TG1001
        }
    }

    /// <summary>The same value without blocking: only read when the query has already finished.</summary>
    public string? ServerVersionIfKnown
        => serverVersionTask is { IsCompletedSuccessfully: true } known ? known.Result : null;

    private async Task<string> QueryServerVersionAsync()
    {
        if (Connector is { } connector && connector.ServerParameters.TryGetValue("server_version", out var version))
        {
            return version;
        }

        using var command = CreateCommand("SHOW server_version");
        return (string?)await command.ExecuteScalarAsync().ConfigureAwait(false) ?? "unknown";
    }

    public void ReloadTypes() => ReloadTypes(async: false).GetAwaiter().GetResult();

    public Task ReloadTypesAsync() => ReloadTypes(async: true);

    private async Task ReloadTypes(bool async)
    {
        CheckReady();
        using var command = CreateCommand("SELECT oid, typname FROM pg_type");
        await using var reader = await command.ExecuteReader(CommandBehavior.Default, async, CancellationToken.None).ConfigureAwait(false);
        var count = 0;
        while (async ? await reader.ReadAsync().ConfigureAwait(false) : reader.Read())
        {
            count++;
        }

        Trace.TraceInformation("Loaded " + count + " types");
    }

    internal void CheckReady()
    {
        if (State != ConnectionState.Open || Connector is null)
        {
            throw new InvalidOperationException("The connection is not open");
        }
    }

    public void Close() => Close(async: false).GetAwaiter().GetResult();

    public Task CloseAsync() => Close(async: true);

    private async Task Close(bool async)
    {
        if (State == ConnectionState.Closed)
        {
            return;
        }

        if (Connector is { } connector)
        {
            if (connector.State is ConnectorState.Executing or ConnectorState.Fetching)
            {
                if (async)
                {
                    await connector.CancelRequest(async: true).ConfigureAwait(false);
                }
                else
                {
                    connector.CancelRequest();
                }
            }

            pool?.Return(connector);
            Connector = null;
        }

        State = ConnectionState.Closed;
    }

    public void Dispose() => Close();

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    public static void ClearAllPools()
    {
        foreach (var pool in Pools.Values)
        {
            pool.Clear();
        }
    }
}

public sealed class PgTransaction : IDisposable
{
    private readonly PgConnection connection;
    private bool completed;

    internal PgTransaction(PgConnection connection, IsolationLevel level)
    {
        this.connection = connection;
        IsolationLevel = level;
    }

    public IsolationLevel IsolationLevel { get; }

    public void Commit() => Finish("COMMIT", async: false).GetAwaiter().GetResult();

    public Task CommitAsync(CancellationToken cancellationToken = default) => Finish("COMMIT", async: true, cancellationToken);

    public void Rollback() => Finish("ROLLBACK", async: false).GetAwaiter().GetResult();

    public Task RollbackAsync(CancellationToken cancellationToken = default) => Finish("ROLLBACK", async: true, cancellationToken);

    private async Task Finish(string statement, bool async, CancellationToken cancellationToken = default)
    {
        if (completed)
        {
            throw new InvalidOperationException("The transaction has already completed");
        }

        using var command = connection.CreateCommand(statement);
        await command.ExecuteNonQuery(async, cancellationToken).ConfigureAwait(false);
        completed = true;
    }

    public void Dispose()
    {
        if (!completed && connection.State == ConnectionState.Open)
        {
            Rollback();
        }
    }
}
