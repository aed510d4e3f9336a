using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Cache.Client;

public enum ResultType
{
    None,
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
}

/// <summary>A decoded RESP reply.</summary>
public readonly record struct RespResult(ResultType Type, string? Text, long Integer, IReadOnlyList<RespResult>? Items)
{
    public static RespResult Nil { get; } = new(ResultType.BulkString, null, 0, null);

    public bool IsError => Type == ResultType.Error;

    public bool IsNull => Type == ResultType.BulkString && Text is null;

    public override string ToString() => Type switch
    {
        ResultType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ResultType.Array => "[" + string.Join(", ", Items ?? Array.Empty<RespResult>()) + "]",
        _ => Text ?? "(nil)",
    };
}

public sealed class CacheConnectionException : Exception
{
    public CacheConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

public sealed class CacheServerException : Exception
{
    public CacheServerException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// One command in flight. The async API awaits <see cref="Task"/>; the sync API waits on the message itself with
/// <see cref="Monitor"/>, which the reader thread pulses when it completes the message, so no task is waited on synchronously.
/// </summary>
internal sealed class Message
{
    private readonly TaskCompletionSource<RespResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object syncLock = new();
    private long createdTimestamp = Stopwatch.GetTimestamp();

    internal Message(int database, string command, params string[] arguments)
    {
        Database = database;
        Command = command;
        Arguments = arguments;
    }

    internal int Database { get; }

    internal string Command { get; }

    internal IReadOnlyList<string> Arguments { get; }

    internal Task<RespResult> Task => completion.Task;

    internal bool IsCompleted => completion.Task.IsCompleted;

    internal TimeSpan Elapsed => Stopwatch.GetElapsedTime(createdTimestamp);

    internal bool IsFireAndForget { get; init; }

    internal void ResetTimer() => createdTimestamp = Stopwatch.GetTimestamp();

    internal void Complete(RespResult result)
    {
        completion.TrySetResult(result);
        lock (syncLock)
        {
            Monitor.PulseAll(syncLock);
        }
    }

    internal void Fail(Exception exception)
    {
        completion.TrySetException(exception);
        lock (syncLock)
        {
            Monitor.PulseAll(syncLock);
        }
    }

    /// <summary>The synchronous API's wait: true when the message completed within the timeout.</summary>
    internal bool WaitSync(TimeSpan timeout)
    {
        lock (syncLock)
        {
            if (completion.Task.IsCompleted)
            {
                return true;
            }

            return Monitor.Wait(syncLock, timeout) || completion.Task.IsCompleted;
        }
    }

    /// <summary>The result of a completed message; the caller has established completion (awaited or waited).</summary>
    internal RespResult GetCompletedResult()
    {
        var task = completion.Task;
        Debug.Assert(task.IsCompleted, "the result is only read after the message completed");
        if (task.IsFaulted)
        {
            throw task.Exception!.InnerException!;
        }

        return task.Result;
    }

    internal void Write(StringBuilder output)
    {
        output.Append('*').Append(Arguments.Count + 1).Append("\r\n");
        AppendBulk(output, Command);
        foreach (var argument in Arguments)
        {
            AppendBulk(output, argument);
        }
    }

    private static void AppendBulk(StringBuilder output, string value)
    {
        output.Append('$').Append(Encoding.UTF8.GetByteCount(value)).Append("\r\n").Append(value).Append("\r\n");
    }

    public override string ToString() => Command + " " + string.Join(" ", Arguments);
}
