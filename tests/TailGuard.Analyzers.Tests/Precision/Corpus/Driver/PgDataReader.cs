using System;
using System.Collections;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
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
public sealed class PgDataReader : DbDataReader
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

    public override int FieldCount => columnNames.Count;

    private int recordsAffected = -1;

    public override int RecordsAffected => recordsAffected;

    private bool isClosed;

    public override bool IsClosed => isClosed;

    public override int Depth => 0;

    public override bool HasRows => rowsRead > 0 || hasRowDescription;

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
                recordsAffected = (int)message.RowsAffected;
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

    public override bool Read()
    {
        if (TryFastRead() is { } fast)
        {
            return fast;
        }

        return Read(false).GetAwaiter().GetResult();
    }

    public override Task<bool> ReadAsync(CancellationToken cancellationToken)
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
                    recordsAffected = (int)message.RowsAffected;
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

    public override bool NextResult() => NextResult(async: false).GetAwaiter().GetResult();

    public override Task<bool> NextResultAsync(CancellationToken cancellationToken) => NextResult(async: true, cancellationToken);

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
                recordsAffected = (int)message.RowsAffected;
            }
        }
    }

    public override object GetValue(int ordinal) => row[ordinal] ?? DBNull.Value;

    public override string GetName(int ordinal) => columnNames[ordinal];

    public override int GetOrdinal(string name)
    {
        var index = columnNames.IndexOf(name);
        return index >= 0 ? index : throw new IndexOutOfRangeException("No column named " + name);
    }

    public override bool IsDBNull(int ordinal) => row[ordinal] is DBNull;

    public override Task<bool> IsDBNullAsync(int ordinal, CancellationToken cancellationToken)
        => IsDBNull(ordinal) ? TrueTask : FalseTask;

    public override T GetFieldValue<T>(int ordinal)
    {
        var value = GetValue(ordinal);
        if (value is DBNull)
        {
            throw new InvalidCastException("Column " + ordinal + " is null");
        }

        return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }

    public override Task<T> GetFieldValueAsync<T>(int ordinal, CancellationToken cancellationToken)
        => Task.FromResult(GetFieldValue<T>(ordinal));

    public override string GetString(int ordinal) => GetFieldValue<string>(ordinal);

    public override int GetInt32(int ordinal) => GetFieldValue<int>(ordinal);

    public override long GetInt64(int ordinal) => GetFieldValue<long>(ordinal);

    public override Stream GetStream(int ordinal) => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(GetString(ordinal)), writable: false);

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

    public override void Close() => Close(async: false).GetAwaiter().GetResult();

    public override Task CloseAsync() => Close(async: true);

    private async Task Close(bool async)
    {
        if (isClosed)
        {
            return;
        }

        await Consume(async, CancellationToken.None).ConfigureAwait(false);
        isClosed = true;
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Close(async: true).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool GetBoolean(int ordinal) => GetFieldValue<bool>(ordinal);

    public override byte GetByte(int ordinal) => GetFieldValue<byte>(ordinal);

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(GetString(ordinal));
        if (buffer is null)
        {
            return bytes.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, bytes.Length - dataOffset));
        Array.Copy(bytes, dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override char GetChar(int ordinal) => GetString(ordinal)[0];

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length)
    {
        var text = GetString(ordinal);
        if (buffer is null)
        {
            return text.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, text.Length - dataOffset));
        text.CopyTo((int)dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override string GetDataTypeName(int ordinal) => "text";

    public override DateTime GetDateTime(int ordinal) => DateTime.Parse(GetString(ordinal), CultureInfo.InvariantCulture);

    public override decimal GetDecimal(int ordinal) => GetFieldValue<decimal>(ordinal);

    public override double GetDouble(int ordinal) => GetFieldValue<double>(ordinal);

    public override IEnumerator GetEnumerator() => new DbEnumerator(this);

    public override Type GetFieldType(int ordinal) => typeof(string);

    public override float GetFloat(int ordinal) => GetFieldValue<float>(ordinal);

    public override Guid GetGuid(int ordinal) => Guid.Parse(GetString(ordinal));

    public override short GetInt16(int ordinal) => GetFieldValue<short>(ordinal);

    public override int GetValues(object[] values)
    {
        var count = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < count; i++)
        {
            values[i] = GetValue(i);
        }

        return count;
    }

    internal int RowsRead => rowsRead;

    [Conditional("DEBUG")]
    internal void AssertConsumed() => Debug.Assert(consumed);
}
