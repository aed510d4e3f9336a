// A Redis-client-style multiplexed connection: an in-memory Pipe between the socket pump and the parser, one read loop per
// connection, per-command awaits with a large message struct, and a diagnostics helper that runs the CLI in a child process.
using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace Corpus.Libraries;

public readonly struct CommandMessage
{
    public readonly int Db;
    public readonly long CreatedTicks;
    public readonly string Command;
    public readonly string Key;
    public readonly ReadOnlyMemory<byte> Value;
    public readonly TimeSpan Expiry;
    public readonly Guid CorrelationId;
    public readonly DateTimeOffset Deadline;
    public readonly ReadOnlyMemory<byte> Extra;
    public readonly (long, long, long, long) Flags;
    public readonly Guid ReplyTo;
    public readonly Guid TraceId;

    public CommandMessage(int db, string command, string key, ReadOnlyMemory<byte> value)
    {
        Db = db;
        CreatedTicks = DateTime.UtcNow.Ticks;
        Command = command;
        Key = key;
        Value = value;
        Expiry = TimeSpan.Zero;
        CorrelationId = Guid.NewGuid();
        Deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        Extra = default;
        Flags = default;
        ReplyTo = Guid.Empty;
        TraceId = Guid.NewGuid();
    }
}

public readonly struct ConnectionState
{
    public readonly string EndPoint;
    public readonly int Db;
    public readonly Guid ConnectionId;
    public readonly DateTimeOffset ConnectedAt;
    public readonly (long, long, long, long, long, long, long, long) Counters;
    public readonly (long, long, long, long, long, long) Latencies;

    public ConnectionState(string endPoint, int db)
    {
        EndPoint = endPoint;
        Db = db;
        ConnectionId = Guid.NewGuid();
        ConnectedAt = DateTimeOffset.UtcNow;
        Counters = default;
        Latencies = default;
    }
}

public sealed class MultiplexedConnection
{
    private readonly Pipe _inbound = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Stream _socket;
    private readonly Func<ReadOnlySequence<byte>, int> _parse;

    public MultiplexedConnection(Stream socket, Func<ReadOnlySequence<byte>, int> parse)
    {
        _socket = socket;
        _parse = parse;
    }

    /// <summary>Socket → pipe: one per connection.</summary>
    public async Task PumpAsync(CancellationToken ct)
    {
        var writer = _inbound.Writer;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var memory = writer.GetMemory(4096);
                var read = await _socket.ReadAsync(memory, ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);
                var flushed = await writer.FlushAsync(ct).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            writer.Complete(); // not: TG1003 (in-memory pipe)
        }
    }

    /// <summary>Pipe → parser: the connection's read loop, its state machine allocated once per connection.</summary>
    public async Task ReadLoopAsync(ConnectionState state, CancellationToken ct) // not: TG3001, TG3002 (once per connection)
    {
        var reader = _inbound.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            var consumed = _parse(result.Buffer);
            reader.AdvanceTo(result.Buffer.GetPosition(consumed), result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        _inbound.Reader.Complete(); // not: TG1003 (in-memory pipe)
        Console.WriteLine($"{state.EndPoint} db{state.Db} {state.ConnectionId} closed after {DateTimeOffset.UtcNow - state.ConnectedAt}");
    }

    /// <summary>One command: the message struct is copied into every in-flight command's state machine.</summary>
    public async Task<int> ExecuteAsync(CommandMessage message, Func<CommandMessage, CancellationToken, Task<int>> send, CancellationToken ct) // expect: TG3001, TG3002
    {
        var reply = await send(message, ct).ConfigureAwait(false);
        await Task.Yield();
        return reply + message.Db + message.Key.Length + message.Value.Length + (int)message.Expiry.Ticks + message.Extra.Length;
    }

    /// <summary>A stream-backed writer's Complete flushes to the socket synchronously.</summary>
    public async Task SendQuitAsync(CancellationToken ct)
    {
        var output = PipeWriter.Create(_socket);
        "QUIT\r\n"u8.CopyTo(output.GetSpan(6));
        output.Advance(6);
        await output.FlushAsync(ct).ConfigureAwait(false);
        output.Complete(); // expect: TG1003
    }

    public static async Task<string> RunCliAsync(string arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("redis-cli", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var output = process.StandardOutput.ReadToEnd(); // not: TG1003 (the process has exited)
        var errors = process.StandardError.ReadToEnd(); // not: TG1003 (the process has exited)
        return errors.Length > 0 ? errors : output;
    }

    public static async Task<string> FirstLineAsync(string arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("redis-cli", arguments) { RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var line = process.StandardOutput.ReadLine(); // expect: TG1003
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        return line ?? "";
    }
}
