using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

/// <summary>
/// The connector's write buffer: messages are serialized into <see cref="Buffer"/> and flushed to the network when it fills up or
/// when a command is complete. Flushing follows the same dual sync/async pattern as reading.
/// </summary>
internal sealed class WriteBuffer
{
    private readonly Connector connector;
    private readonly SemaphoreSlim flushLock = new(1, 1);
    private int writePosition;

    internal WriteBuffer(Connector connector, Stream underlying, int size, Encoding textEncoding)
    {
        this.connector = connector;
        Underlying = underlying;
        Size = size;
        Buffer = new byte[size];
        TextEncoding = textEncoding;
    }

    internal Stream Underlying { get; set; }

    internal int Size { get; }

    internal byte[] Buffer { get; }

    internal Encoding TextEncoding { get; }

    internal int WriteSpaceLeft => Size - writePosition;

    internal int WritePosition => writePosition;

    internal bool MessageLengthValidation { get; set; } = true;

    internal async Task Flush(bool async, CancellationToken cancellationToken = default)
    {
        if (writePosition == 0)
        {
            return;
        }

        try
        {
            if (async)
            {
                await Underlying.WriteAsync(Buffer.AsMemory(0, writePosition), cancellationToken).ConfigureAwait(false);
                await Underlying.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Underlying.Write(Buffer, 0, writePosition);
                Underlying.Flush();
            }
        }
        catch (Exception e)
        {
            connector.Break(e);
            throw new PgException("Exception while writing to stream", e);
        }

        connector.Statistics.BytesWritten += writePosition;
        Clear();
    }

    internal void Flush() => Flush(false).GetAwaiter().GetResult();

    /// <summary>Writes a large payload directly, bypassing the buffer, after flushing what is buffered.</summary>
    internal async Task DirectWrite(ReadOnlyMemory<byte> payload, bool async, CancellationToken cancellationToken = default)
    {
        if (writePosition != 0)
        {
            Debug.Assert(WriteSpaceLeft < payload.Length);
            await Flush(async, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (!async)
            {
                Underlying.Write(payload.Span);
                return;
            }

            await Underlying.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            connector.Break(e);
            throw new PgException("Exception while writing to stream", e);
        }
    }

    internal void DirectWrite(ReadOnlyMemory<byte> payload) => DirectWrite(payload, async: false).GetAwaiter().GetResult();

    internal async Task WriteBytesWithFlush(byte[] bytes, bool async, CancellationToken cancellationToken = default)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (WriteSpaceLeft == 0)
            {
                await Flush(async, cancellationToken).ConfigureAwait(false);
            }

            var chunk = Math.Min(WriteSpaceLeft, bytes.Length - offset);
            Array.Copy(bytes, offset, Buffer, writePosition, chunk);
            writePosition += chunk;
            offset += chunk;
        }
    }

    internal async ValueTask WriteStringWithFlush(string value, bool async, CancellationToken cancellationToken = default)
    {
        var bytes = TextEncoding.GetBytes(value);
        if (bytes.Length + 1 > WriteSpaceLeft)
        {
            await WriteBytesWithFlush(bytes, async, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            WriteBytes(bytes);
        }

        if (WriteSpaceLeft < 1)
        {
            await Flush(async, cancellationToken).ConfigureAwait(false);
        }

        WriteByte(0);
    }

    /// <summary>
    /// Used by the multiplexing write loop: several commands share the connection, so flushes are serialized. The loop always runs
    /// asynchronously, but the lock was taken synchronously when the loop was ported from the old sync writer.
    /// </summary>
    internal async Task FlushSerialized(CancellationToken cancellationToken)
    {
        flushLock.Wait(cancellationToken); // expect: TG1003
        try
        {
            await Flush(async: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            flushLock.Release();
        }
    }

    /// <summary>The same serialization done right: the lock is awaited, or probed without waiting.</summary>
    internal async Task<bool> TryFlushSerialized(bool async, CancellationToken cancellationToken)
    {
        if (!flushLock.Wait(0))
        {
            if (async)
            {
                await flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                flushLock.Wait(cancellationToken);
            }
        }

        try
        {
            await Flush(async, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            flushLock.Release();
        }
    }

    internal void WriteByte(byte value)
    {
        Debug.Assert(WriteSpaceLeft >= sizeof(byte));
        Buffer[writePosition++] = value;
    }

    internal void WriteInt16(short value)
    {
        Debug.Assert(WriteSpaceLeft >= sizeof(short));
        BinaryPrimitives.WriteInt16BigEndian(Buffer.AsSpan(writePosition), value);
        writePosition += sizeof(short);
    }

    internal void WriteInt32(int value)
    {
        Debug.Assert(WriteSpaceLeft >= sizeof(int));
        BinaryPrimitives.WriteInt32BigEndian(Buffer.AsSpan(writePosition), value);
        writePosition += sizeof(int);
    }

    internal void WriteInt64(long value)
    {
        Debug.Assert(WriteSpaceLeft >= sizeof(long));
        BinaryPrimitives.WriteInt64BigEndian(Buffer.AsSpan(writePosition), value);
        writePosition += sizeof(long);
    }

    internal void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Debug.Assert(WriteSpaceLeft >= bytes.Length);
        bytes.CopyTo(Buffer.AsSpan(writePosition));
        writePosition += bytes.Length;
    }

    internal void WriteNullTerminatedString(string value)
    {
        var length = TextEncoding.GetBytes(value, 0, value.Length, Buffer, writePosition);
        writePosition += length;
        WriteByte(0);
    }

    internal void Clear() => writePosition = 0;

    /// <summary>Starts a message: code byte and a length placeholder, flushing first if the header does not fit.</summary>
    internal async ValueTask StartMessage(byte code, int length, bool async, CancellationToken cancellationToken = default)
    {
        if (WriteSpaceLeft < 1 + sizeof(int))
        {
            await Flush(async, cancellationToken).ConfigureAwait(false);
        }

        WriteByte(code);
        WriteInt32(length + sizeof(int));
    }
}
