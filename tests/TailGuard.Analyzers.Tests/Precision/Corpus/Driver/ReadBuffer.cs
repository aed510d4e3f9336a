using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

/// <summary>
/// The connector's read buffer. One implementation serves the synchronous and the asynchronous API: every method that may touch
/// the network takes <c>bool async</c> and only awaits when it is true, so the synchronous callers can block on the returned task,
/// which has completed by the time the call returns.
/// </summary>
internal sealed class ReadBuffer : IDisposable
{
    internal const int DefaultSize = 8192;
    internal const int MinimumSize = 4096;

    private readonly Connector connector;
    private readonly CancellationTokenSource timeoutSource = new();
    private bool disposed;

    internal ReadBuffer(Connector connector, Stream underlying, Socket? socket, int size, Encoding textEncoding)
    {
        if (size < MinimumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Buffer size must be at least " + MinimumSize);
        }

        this.connector = connector;
        Underlying = underlying;
        Socket = socket;
        Size = size;
        Buffer = new byte[size];
        TextEncoding = textEncoding;
    }

    internal Stream Underlying { get; set; }

    internal Socket? Socket { get; }

    internal int Size { get; }

    internal byte[] Buffer { get; }

    internal Encoding TextEncoding { get; }

    internal int ReadPosition { get; set; }

    internal int FilledBytes { get; set; }

    internal int ReadBytesLeft => FilledBytes - ReadPosition;

    internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal long CumulativeReadPosition { get; private set; }

    /// <summary>Makes sure <paramref name="count"/> bytes are buffered. The common case needs no I/O and allocates nothing.</summary>
    internal ValueTask Ensure(int count, bool async)
        => count <= ReadBytesLeft ? default : EnsureLong(this, count, async, readingNotifications: false);

    /// <summary>The synchronous API's entry: <c>async: false</c> means the returned task has completed.</summary>
    internal void Ensure(int count) => Ensure(count, async: false).GetAwaiter().GetResult();

    internal ValueTask EnsureForNotification(int count, bool async)
        => count <= ReadBytesLeft ? default : EnsureLong(this, count, async, readingNotifications: true);

    private static async ValueTask EnsureLong(ReadBuffer buffer, int count, bool async, bool readingNotifications)
    {
        Debug.Assert(count <= buffer.Size);
        Debug.Assert(count > buffer.ReadBytesLeft);
        count -= buffer.ReadBytesLeft;
        if (count <= 0)
        {
            return;
        }

        if (buffer.ReadPosition == buffer.FilledBytes)
        {
            buffer.ResetPosition();
        }
        else if (count > buffer.Size - buffer.FilledBytes)
        {
            Array.Copy(buffer.Buffer, buffer.ReadPosition, buffer.Buffer, 0, buffer.ReadBytesLeft);
            buffer.FilledBytes = buffer.ReadBytesLeft;
            buffer.CumulativeReadPosition += buffer.ReadPosition;
            buffer.ReadPosition = 0;
        }

        var finalToken = CancellationToken.None;
        if (async && buffer.Timeout > TimeSpan.Zero && !readingNotifications)
        {
            buffer.timeoutSource.CancelAfter(buffer.Timeout);
            finalToken = buffer.timeoutSource.Token;
        }

        var totalRead = 0;
        while (count > 0)
        {
            try
            {
                var toRead = buffer.Size - buffer.FilledBytes;
                var read = async
                    ? await buffer.Underlying.ReadAsync(buffer.Buffer.AsMemory(buffer.FilledBytes, toRead), finalToken).ConfigureAwait(false)
                    : buffer.Underlying.Read(buffer.Buffer, buffer.FilledBytes, toRead);

                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                count -= read;
                buffer.FilledBytes += read;
                totalRead += read;
            }
            catch (OperationCanceledException) when (async && finalToken.IsCancellationRequested)
            {
                buffer.connector.Break(new TimeoutException("Timeout during reading attempt"));
                throw new PgException("Exception while reading from stream", new TimeoutException());
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
            {
                buffer.connector.Break(e);
                throw new PgException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));
            }
            catch (Exception e) when (e is not PgException)
            {
                buffer.connector.Break(e);
                throw new PgException("Exception while reading from stream", e);
            }
        }

        if (async)
        {
            buffer.timeoutSource.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
            buffer.timeoutSource.TryReset();
        }

        Debug.Assert(totalRead > 0);
    }

    /// <summary>Reads at least one byte if none is buffered; used while waiting for asynchronous notifications.</summary>
    internal async ValueTask<int> ReadMore(bool async)
    {
        if (ReadBytesLeft > 0)
        {
            return ReadBytesLeft;
        }

        ResetPosition();
        int read;
        if (async)
        {
            read = await Underlying.ReadAsync(Buffer.AsMemory(0, Size)).ConfigureAwait(false);
        }
        else
        {
            read = Underlying.Read(Buffer, 0, Size);
        }

        if (read == 0)
        {
            throw new EndOfStreamException();
        }

        FilledBytes = read;
        return read;
    }

    internal void ResetPosition()
    {
        CumulativeReadPosition += FilledBytes;
        ReadPosition = 0;
        FilledBytes = 0;
    }

    internal async ValueTask Skip(long length, bool async)
    {
        Debug.Assert(length >= 0);
        if (length <= ReadBytesLeft)
        {
            ReadPosition += (int)length;
            return;
        }

        length -= ReadBytesLeft;
        ResetPosition();
        while (length > 0)
        {
            var toSkip = (int)Math.Min(length, Size);
            await Ensure(toSkip, async).ConfigureAwait(false);
            ReadPosition += toSkip;
            length -= toSkip;
        }
    }

    internal void Skip(long length) => Skip(length, async: false).GetAwaiter().GetResult();

    internal byte ReadByte()
    {
        CheckBounds(sizeof(byte));
        return Buffer[ReadPosition++];
    }

    internal short ReadInt16()
    {
        CheckBounds(sizeof(short));
        var result = BinaryPrimitives.ReadInt16BigEndian(Buffer.AsSpan(ReadPosition));
        ReadPosition += sizeof(short);
        return result;
    }

    internal int ReadInt32()
    {
        CheckBounds(sizeof(int));
        var result = BinaryPrimitives.ReadInt32BigEndian(Buffer.AsSpan(ReadPosition));
        ReadPosition += sizeof(int);
        return result;
    }

    internal uint ReadUInt32()
    {
        CheckBounds(sizeof(uint));
        var result = BinaryPrimitives.ReadUInt32BigEndian(Buffer.AsSpan(ReadPosition));
        ReadPosition += sizeof(uint);
        return result;
    }

    internal long ReadInt64()
    {
        CheckBounds(sizeof(long));
        var result = BinaryPrimitives.ReadInt64BigEndian(Buffer.AsSpan(ReadPosition));
        ReadPosition += sizeof(long);
        return result;
    }

    internal string ReadString(int byteLen)
    {
        CheckBounds(byteLen);
        var result = TextEncoding.GetString(Buffer, ReadPosition, byteLen);
        ReadPosition += byteLen;
        return result;
    }

    /// <summary>Reads a null-terminated string, fetching more data as needed.</summary>
    internal async ValueTask<string> ReadNullTerminatedString(bool async, CancellationToken cancellationToken = default)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var index = Array.IndexOf(Buffer, (byte)0, ReadPosition, ReadBytesLeft);
            if (index >= 0)
            {
                builder.Append(TextEncoding.GetString(Buffer, ReadPosition, index - ReadPosition));
                ReadPosition = index + 1;
                return builder.ToString();
            }

            builder.Append(TextEncoding.GetString(Buffer, ReadPosition, ReadBytesLeft));
            ResetPosition();
            cancellationToken.ThrowIfCancellationRequested();
            await Ensure(1, async).ConfigureAwait(false);
        }
    }

    internal string ReadNullTerminatedString()
    {
        var task = ReadNullTerminatedString(async: false);
        Debug.Assert(task.IsCompleted, "a synchronous read completes before it returns");
        return task.Result;
    }

    internal async ValueTask ReadBytes(Memory<byte> destination, bool async)
    {
        if (destination.Length <= ReadBytesLeft)
        {
            Buffer.AsSpan(ReadPosition, destination.Length).CopyTo(destination.Span);
            ReadPosition += destination.Length;
            return;
        }

        var copied = ReadBytesLeft;
        Buffer.AsSpan(ReadPosition, copied).CopyTo(destination.Span);
        ResetPosition();
        var remaining = destination.Slice(copied);
        if (remaining.Length >= Size)
        {
            // Large reads go straight to the caller's memory.
            while (remaining.Length > 0)
            {
                var read = async
                    ? await Underlying.ReadAsync(remaining).ConfigureAwait(false)
                    : Underlying.Read(remaining.Span);
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                remaining = remaining.Slice(read);
            }

            return;
        }

        await Ensure(remaining.Length, async).ConfigureAwait(false);
        Buffer.AsSpan(ReadPosition, remaining.Length).CopyTo(remaining.Span);
        ReadPosition += remaining.Length;
    }

    /// <summary>
    /// Drains whatever the server still sends after a cancelled query. Written later than the rest and without the flag: the
    /// synchronous read below runs on the async path too.
    /// </summary>
    internal async Task DrainAfterCancellationAsync(CancellationToken cancellationToken)
    {
        var scratch = new byte[Size];
        while (Socket is { Available: > 0 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = Underlying.Read(scratch, 0, scratch.Length); // expect: TG1003
            if (read == 0)
            {
                break;
            }

            CumulativeReadPosition += read;
        }

        await Task.Yield();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckBounds(int count)
    {
        if (count > ReadBytesLeft)
        {
            throw new InvalidOperationException("There is not enough data left in the buffer.");
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        timeoutSource.Dispose();
        disposed = true;
    }
}
