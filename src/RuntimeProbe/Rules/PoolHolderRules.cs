namespace TailGuard.RuntimeProbe.Rules;

/// <summary>
/// Reads a sampled stack (innermost frame first; null for native or unresolved frames): whether it is a thread-pool worker's,
/// whether that worker was busy running a work item or idle waiting for one, which user method held it, and which blocking
/// API that method was in. Unlike <see cref="BlockingSiteRules"/>, which sees only waits that raise WaitHandle events, a
/// sample sees every way a thread can be held: <c>Thread.Sleep</c>, synchronous sockets and files, a contended lock, CPU.
/// </summary>
public static class PoolHolderRules
{
    /// <summary>The frame of the pool's dispatch loop, below every work item a worker runs.</summary>
    private const string DispatchFrame = "System.Threading.ThreadPoolWorkQueue.Dispatch";

    // The blocking APIs no WaitHandle event shows, first match wins; the Task and wait-handle ones come from BlockingSiteRules.
    // Rule: the TailGuard rule that reports the call in async context, when one does.
    private static readonly (string Fragment, string Api, string? Rule)[] Map =
    [
        ("System.Threading.Thread.Sleep", "Thread.Sleep", RuleIds.ThreadSleepInAsyncContext),
        ("System.Threading.Thread.Join", "Thread.Join", null),
        ("System.Net.Sockets.Socket.Receive", "Socket.Receive", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Sockets.Socket.Send", "Socket.Send", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Sockets.Socket.Accept", "Socket.Accept", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Sockets.Socket.Connect", "Socket.Connect", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Sockets.Socket.Poll", "Socket.Poll", null),
        ("System.Net.Sockets.NetworkStream.Read", "NetworkStream.Read", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Sockets.NetworkStream.Write", "NetworkStream.Write", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.FileStream.Read", "FileStream.Read", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.FileStream.Write", "FileStream.Write", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.FileStream.Flush", "FileStream.Flush", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.File.Read", "File.Read", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.File.Write", "File.Write", RuleIds.SynchronousApiInAsyncContext),
        ("System.IO.StreamReader.Read", "StreamReader.Read", RuleIds.SynchronousApiInAsyncContext),
        ("System.Net.Http.HttpClient.Send", "HttpClient.Send", RuleIds.SynchronousApiInAsyncContext),
        ("System.Diagnostics.Process.WaitForExit", "Process.WaitForExit", RuleIds.SynchronousApiInAsyncContext),
        // A contended lock: the thread waits in the runtime for the owner to leave (lock statement, Monitor.Enter, Lock.Enter).
        ("System.Threading.Monitor.Enter", "Monitor.Enter", null),
        ("System.Threading.Monitor.ReliableEnter", "Monitor.Enter", null),
        ("System.Threading.Monitor.TryEnter", "Monitor.TryEnter", null),
        ("System.Threading.Lock.Enter", "Lock.Enter", null),
        ("System.Threading.Lock.TryEnter", "Lock.Enter", null),
    ];

    /// <summary>What a sampled stack says about its thread.</summary>
    public enum StackKind
    {
        /// <summary>Not a pool worker (or unresolved): not counted.</summary>
        NotPool,

        /// <summary>A pool worker waiting for work: not holding anything.</summary>
        Idle,

        /// <summary>A pool worker running a work item.</summary>
        Busy,
    }

    /// <summary>
    /// A busy worker's holder: the user's method (null when only framework code ran), its frame index, the known blocking API
    /// it called (null when none), and the outermost framework frame it called into (what it waited in when no known API is
    /// on the stack).
    /// </summary>
    public readonly record struct Holder(StackKind Kind, string? Site, int SiteFrame, string? Call, string? FrameworkCall)
    {
        /// <summary>What the holder is reported as calling: the known API, or for a blocked thread the framework frame it waited in.</summary>
        public string? CallFor(bool running) => Call ?? (running ? null : FrameworkCall);
    }

    public static Holder Classify(IReadOnlyList<string?> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var pool = false;
        var dispatch = false;
        foreach (var frame in frames)
        {
            if (frame is null)
            {
                continue;
            }

            pool |= BlockingSiteRules.IsThreadPoolDispatch(frame);
            dispatch |= frame.StartsWith(DispatchFrame, StringComparison.Ordinal);
        }

        if (!pool)
        {
            return new Holder(StackKind.NotPool, null, -1, null, null);
        }

        if (!dispatch)
        {
            return new Holder(StackKind.Idle, null, -1, null, null);
        }

        string? call = null;
        string? outermostFramework = null;
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            if (frame is null || FrameNames.IsGenerated(frame))
            {
                continue;
            }

            if (!BlockingSiteRules.IsFramework(frame))
            {
                return new Holder(StackKind.Busy, FrameNames.AsWritten(frame), i, call, Short(outermostFramework));
            }

            if (frame.StartsWith(DispatchFrame, StringComparison.Ordinal))
            {
                break;
            }

            outermostFramework = frame;
            if (ApiFor(frame) is { } api)
            {
                call = api;
            }
        }

        return new Holder(StackKind.Busy, null, -1, call, Short(outermostFramework));
    }

    /// <summary>The public blocking API a framework frame belongs to, or null when it is none the probe knows.</summary>
    public static string? ApiFor(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (var (fragment, api, _) in Map)
        {
            if (frame.StartsWith(fragment, StringComparison.Ordinal))
            {
                return api;
            }
        }

        return BlockingSiteRules.RuleFor(frame) is not null ? BlockingSiteRules.ApiFor(frame) : null;
    }

    /// <summary>The TailGuard rule that reports <paramref name="call"/> in async context, or null (none does, or no call).</summary>
    public static string? RuleFor(string? call)
    {
        if (call is null)
        {
            return null;
        }

        foreach (var (_, api, rule) in Map)
        {
            if (api == call)
            {
                return rule;
            }
        }

        return BlockingSiteRules.RuleFor(call);
    }

    /// <summary>"System.Threading.LowLevelLock.Acquire" → "LowLevelLock.Acquire"; the frame's own name when it is not a known API.</summary>
    private static string? Short(string? frame)
    {
        if (frame is null)
        {
            return null;
        }

        var method = frame.LastIndexOf('.');
        var type = method <= 0 ? -1 : frame.LastIndexOf('.', method - 1);
        return type < 0 ? frame : frame[(type + 1)..];
    }
}
