using System;
using System.Collections.Generic;
using System.Data;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

public sealed class PgParameter
{
    public PgParameter(string name, object? value)
    {
        Name = name;
        Value = value;
    }

    public string Name { get; }

    public object? Value { get; set; }
}

/// <summary>
/// A command. Each public execution method exists twice — <c>ExecuteReader</c>/<c>ExecuteReaderAsync</c>,
/// <c>ExecuteNonQuery</c>/<c>ExecuteNonQueryAsync</c>, ... — and both call one implementation that takes <c>bool async</c>.
/// </summary>
public sealed class PgCommand : IDisposable
{
    private readonly List<PgParameter> parameters = new();
    private bool prepared;

    public PgCommand(string commandText, PgConnection? connection = null)
    {
        CommandText = commandText;
        Connection = connection;
    }

    public string CommandText { get; set; }

    public PgConnection? Connection { get; set; }

    public int CommandTimeout { get; set; } = 30;

    public IList<PgParameter> Parameters => parameters;

    public bool AllResultTypesAreUnknown { get; set; }

    public PgDataReader ExecuteReader(CommandBehavior behavior = CommandBehavior.Default)
        => ExecuteReader(behavior, async: false, CancellationToken.None).GetAwaiter().GetResult();

    public Task<PgDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default)
        => ExecuteReaderAsync(CommandBehavior.Default, cancellationToken);

    public async Task<PgDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default)
        => await ExecuteReader(behavior, async: true, cancellationToken).ConfigureAwait(false);

    internal async ValueTask<PgDataReader> ExecuteReader(CommandBehavior behavior, bool async, CancellationToken cancellationToken)
    {
        var connection = Connection ?? throw new InvalidOperationException("The command has no connection");
        connection.CheckReady();
        var connector = connection.Connector!;
        using var registration = cancellationToken.Register(static state => ((Connector)state!).CancelRequest(), connector);

        if (!prepared && behavior.HasFlag(CommandBehavior.SchemaOnly) == false)
        {
            await WriteQuery(connector, async, cancellationToken).ConfigureAwait(false);
        }

        await connector.WriteBuffer.Flush(async, cancellationToken).ConfigureAwait(false);
        var reader = new PgDataReader(connector, this, behavior);
        await reader.Init(async, cancellationToken).ConfigureAwait(false);
        return reader;
    }

    private async Task WriteQuery(Connector connector, bool async, CancellationToken cancellationToken)
    {
        var sql = Rewrite();
        var bytes = Encoding.UTF8.GetByteCount(sql) + 1;
        await connector.WriteBuffer.StartMessage((byte)'Q', bytes, async, cancellationToken).ConfigureAwait(false);
        await connector.WriteBuffer.WriteStringWithFlush(sql, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inlines parameters for the simple protocol; the extended protocol would send them in a Bind message.</summary>
    private string Rewrite()
    {
        if (parameters.Count == 0)
        {
            return CommandText;
        }

        var builder = new StringBuilder(CommandText);
        foreach (var parameter in parameters)
        {
            var literal = parameter.Value switch
            {
                null or DBNull => "NULL",
                string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
                bool b => b ? "TRUE" : "FALSE",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                var other => "'" + other + "'",
            };
            builder.Replace("@" + parameter.Name, literal);
        }

        return builder.ToString();
    }

    public int ExecuteNonQuery() => ExecuteNonQuery(false, CancellationToken.None).GetAwaiter().GetResult();

    public Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default) => ExecuteNonQuery(true, cancellationToken);

    internal async Task<int> ExecuteNonQuery(bool async, CancellationToken cancellationToken)
    {
        var reader = await ExecuteReader(CommandBehavior.Default, async, cancellationToken).ConfigureAwait(false);
        try
        {
            while (async ? await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) : reader.NextResult())
            {
            }

            return reader.RecordsAffected;
        }
        finally
        {
            if (async)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    public object? ExecuteScalar() => ExecuteScalar(async: false, CancellationToken.None).GetAwaiter().GetResult();

    public Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default) => ExecuteScalar(async: true, cancellationToken).AsTask();

    private async ValueTask<object?> ExecuteScalar(bool async, CancellationToken cancellationToken)
    {
        var behavior = CommandBehavior.SingleRow;
        await using var reader = await ExecuteReader(behavior, async, cancellationToken).ConfigureAwait(false);
        var hasRow = async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read();
        return hasRow && reader.FieldCount > 0 ? reader.GetValue(0) : null;
    }

    /// <summary>
    /// Added for a caller that "wanted the async implementation from sync code": it passes <c>async: true</c> and then blocks,
    /// which is sync-over-async in its plainest form.
    /// </summary>
    public object? ExecuteScalarWithTimeout(TimeSpan timeout)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        return ExecuteScalar(async: true, timeoutSource.Token).GetAwaiter().GetResult(); // expect: TG1001
    }

    /// <summary>The caller decides; when it says async, this still blocks.</summary>
    public int ExecuteNonQuery(bool preferAsync) => ExecuteNonQuery(preferAsync, CancellationToken.None).GetAwaiter().GetResult(); // expect: TG1001

    public void Prepare() => Prepare(async: false).GetAwaiter().GetResult();

    public Task PrepareAsync(CancellationToken cancellationToken = default) => Prepare(async: true, cancellationToken);

    private async Task Prepare(bool async, CancellationToken cancellationToken = default)
    {
        var connection = Connection ?? throw new InvalidOperationException("The command has no connection");
        connection.CheckReady();
        var connector = connection.Connector!;
        var sql = Rewrite();
        await connector.WriteBuffer.StartMessage((byte)'P', Encoding.UTF8.GetByteCount(sql) + 3, async, cancellationToken).ConfigureAwait(false);
        connector.WriteBuffer.WriteByte(0);
        await connector.WriteBuffer.WriteStringWithFlush(sql, async, cancellationToken).ConfigureAwait(false);
        connector.WriteBuffer.WriteInt16(0);
        await connector.WriteBuffer.StartMessage((byte)'S', 0, async, cancellationToken).ConfigureAwait(false);
        await connector.WriteBuffer.Flush(async, cancellationToken).ConfigureAwait(false);

        var message = await connector.ReadMessage(async, cancellationToken).ConfigureAwait(false);
        if (message.Code != BackendMessageCode.ParseComplete)
        {
            throw new PgException("Prepare failed: " + message.Text);
        }

        await connector.ReadMessage(async, cancellationToken).ConfigureAwait(false);
        prepared = true;
    }

    /// <summary>
    /// Runs a batch of commands concurrently on separate connections (a data-loading helper). The results are read after all of
    /// them have completed.
    /// </summary>
    public static async Task<int[]> ExecuteConcurrently(string connectionString, IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        var tasks = new Task<int>[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            tasks[i] = RunOne(connectionString, statements[i], cancellationToken);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var counts = new int[tasks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            counts[i] = tasks[i].Result;
        }

        return counts;

        static async Task<int> RunOne(string connectionString, string sql, CancellationToken cancellationToken)
        {
            await using var connection = new PgConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand(sql);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first of two replicas to answer wins; the loser is abandoned.</summary>
    public static async Task<object?> ExecuteScalarOnFastest(PgCommand primary, PgCommand replica, CancellationToken cancellationToken)
    {
        var first = primary.ExecuteScalarAsync(cancellationToken);
        var second = replica.ExecuteScalarAsync(cancellationToken);
        var winner = await Task.WhenAny(first, second).ConfigureAwait(false);
        return winner.Result;
    }

    /// <summary>A scalar with a deadline: the result is read only when the query won the race against the timer.</summary>
    public async Task<object?> ExecuteScalarWithDeadline(TimeSpan deadline, CancellationToken cancellationToken)
    {
        var query = ExecuteScalarAsync(cancellationToken);
        if (await Task.WhenAny(query, Task.Delay(deadline, cancellationToken)).ConfigureAwait(false) == query)
        {
            return query.Result;
        }

        Connection?.Connector?.CancelRequest();
        throw new TimeoutException("The query did not finish within " + deadline);
    }

    public void Dispose()
    {
        Debug.WriteLine("Disposing command " + CommandText);
    }
}
