using System;
using System.Collections.Generic;
using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

/// <summary>
/// Reads rows. <see cref="Read"/> has a synchronous fast path when the next row is already buffered; otherwise it falls back to the
/// shared implementation with <c>async: false</c>. <see cref="ReadAsync"/> returns cached completed tasks on the fast path.
/// </summary>
public sealed class PgDataReader : IDisposable, IAsyncDisposable
{
    private static readonly Task<bool> TrueTask = Task.FromResult(true);
    private static readonly Task<bool> FalseTask = Task.FromResult(false);

    private readonly Connector connector;
    private readonly PgCommand command;
    private readonly CommandBehavior behavior;
    private readonly List<string> columnNames = new();
    private object?[] row = Array.Empty<object?>();
    private bool hasRowDescription;
    private bool consumed;
    private int rowsRead;

    internal PgDataReader(Connector connector, PgCommand command, CommandBehavior behavior)
    {
        this.connector = connector;
        this.command = command;
        this.behavior = behavior;
    }

    public int FieldCount => columnNames.Count;

    public int RecordsAffected { get; private set; } = -1;

    public bool IsClosed { get; private set; }

    public bool HasRows => rowsRead > 0 || hasRowDescription;

    internal async Task Init(bool async, CancellationToken cancellationToken)
    {
        var message = await connector.ReadMessage(async, cancellationToken).ConfigureAwait(false);
        switch (message.Code)
        {
            case BackendMessageCode.RowDescription:
                hasRowDescription = true;
                ReadRowDescription(message.ColumnCount);
                break;
            case BackendMessageCode.CommandComplete:
                RecordsAffected = (int)message.RowsAffected;
                break;
            case BackendMessageCode.EmptyQueryResponse:
                break;
            case BackendMessageCode.ErrorResponse:
                throw new PgException(message.Text ?? "Server error");
        }
    }

    private void ReadRowDescription(short count)
    {
        columnNames.Clear();
        for (var i = 0; i < count; i++)
        {
            columnNames.Add(connector.ReadBuffer.ReadNullTerminatedString());
            connector.ReadBuffer.Skip(18);
        }

        row = new object?[count];
    }

    public bool Read()
    {
        if (TryFastRead() is { } fast)
        {
            return fast;
        }

        return Read(false).GetAwaiter().GetResult();
    }

    public Task<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryFastRead() is { } fast)
        {
            return fast ? TrueTask : FalseTask;
        }

        return Read(true, cancellationToken);
    }

    /// <summary>The next row is complete in the buffer: no I/O is needed, whatever the API.</summary>
    private bool? TryFastRead()
    {
        if (consumed)
        {
            return false;
        }

        var buffer = connector.ReadBuffer;
        if (buffer.ReadBytesLeft < 5 || buffer.Buffer[buffer.ReadPosition] != (byte)BackendMessageCode.DataRow)
        {
            return null;
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(buffer.Buffer.AsSpan(buffer.ReadPosition + 1));
        if (buffer.ReadBytesLeft < length + 1)
        {
            return null;
        }

        buffer.ReadPosition += 5;
        ReadRow(buffer.ReadInt16());
        return true;
    }

    private async Task<bool> Read(bool async, CancellationToken cancellationToken = default)
    {
        if (consumed || !hasRowDescription)
        {
            return false;
        }

        while (true)
        {
            var message = await connector.ReadMessage(async, cancellationToken).ConfigureAwait(false);
            switch (message.Code)
            {
                case BackendMessageCode.DataRow:
                    ReadRow(message.ColumnCount);
                    if (behavior.HasFlag(CommandBehavior.SingleRow) && rowsRead > 1)
                    {
                        await Consume(async, cancellationToken).ConfigureAwait(false);
                        return false;
                    }

                    return true;
                case BackendMessageCode.CommandComplete:
                    RecordsAffected = (int)message.RowsAffected;
                    break;
                case BackendMessageCode.ReadyForQuery:
                    consumed = true;
                    return false;
                case BackendMessageCode.ErrorResponse:
                    consumed = true;
                    throw new PgException(message.Text ?? "Server error");
            }
        }
    }

    private void ReadRow(short count)
    {
        var buffer = connector.ReadBuffer;
        for (var i = 0; i < count; i++)
        {
            var length = buffer.ReadInt32();
            row[i] = length < 0 ? DBNull.Value : buffer.ReadString(length);
        }

        rowsRead++;
    }

    public bool NextResult() => NextResult(async: false).GetAwaiter().GetResult();

    public Task<bool> NextResultAsync(CancellationToken cancellationToken = default) => NextResult(async: true, cancellationToken);

    private async Task<bool> NextResult(bool async, CancellationToken cancellationToken = default)
    {
        await Consume(async, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task Consume(bool async, CancellationToken cancellationToken)
    {
        while (!consumed)
        {
            var message = await connector.ReadMessage(async, cancellationToken).ConfigureAwait(false);
            if (message.Code == BackendMessageCode.ReadyForQuery)
            {
                consumed = true;
            }
            else if (message.Code == BackendMessageCode.CommandComplete)
            {
                RecordsAffected = (int)message.RowsAffected;
            }
        }
    }

    public object GetValue(int ordinal) => row[ordinal] ?? DBNull.Value;

    public string GetName(int ordinal) => columnNames[ordinal];

    public int GetOrdinal(string name)
    {
        var index = columnNames.IndexOf(name);
        return index >= 0 ? index : throw new IndexOutOfRangeException("No column named " + name);
    }

    public bool IsDBNull(int ordinal) => row[ordinal] is DBNull;

    public Task<bool> IsDBNullAsync(int ordinal, CancellationToken cancellationToken = default)
        => IsDBNull(ordinal) ? TrueTask : FalseTask;

    public T GetFieldValue<T>(int ordinal)
    {
        var value = GetValue(ordinal);
        if (value is DBNull)
        {
            throw new InvalidCastException("Column " + ordinal + " is null");
        }

        return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }

    public Task<T> GetFieldValueAsync<T>(int ordinal, CancellationToken cancellationToken = default)
        => Task.FromResult(GetFieldValue<T>(ordinal));

    public string GetString(int ordinal) => GetFieldValue<string>(ordinal);

    public int GetInt32(int ordinal) => GetFieldValue<int>(ordinal);

    public long GetInt64(int ordinal) => GetFieldValue<long>(ordinal);

    public Stream GetStream(int ordinal) => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(GetString(ordinal)), writable: false);

    /// <summary>Reads every row into dictionaries: the helper used by the service's report endpoint.</summary>
    public async Task<List<Dictionary<string, object?>>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var rows = new List<Dictionary<string, object?>>();
        while (await ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < FieldCount; i++)
            {
                values[GetName(i)] = IsDBNull(i) ? null : GetValue(i);
            }

            rows.Add(values);
        }

        return rows;
    }

    public void Close() => Close(async: false).GetAwaiter().GetResult();

    private async Task Close(bool async)
    {
        if (IsClosed)
        {
            return;
        }

        await Consume(async, CancellationToken.None).ConfigureAwait(false);
        IsClosed = true;
        if (behavior.HasFlag(CommandBehavior.CloseConnection))
        {
            if (async)
            {
                await command.Connection!.CloseAsync().ConfigureAwait(false);
            }
            else
            {
                command.Connection!.Close();
            }
        }
    }

    public void Dispose() => Close();

    public ValueTask DisposeAsync() => new(Close(async: true));

    internal int RowsRead => rowsRead;

    [Conditional("DEBUG")]
    internal void AssertConsumed() => Debug.Assert(consumed);
}
