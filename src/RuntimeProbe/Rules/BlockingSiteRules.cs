namespace TailGuard.RuntimeProbe.Rules;

/// <summary>
/// Interprets the stack of a blocked thread: which frame is the user's call site, which blocking API it called, and which
/// TailGuard rule catches that pattern at compile time.
/// </summary>
public static class BlockingSiteRules
{
    // First match wins; frames are "Namespace.Type.Method" (generic instantiations stripped, nested types joined with '+').
    // Api is the public call the user wrote: the JIT inlines get_Result into some callers and not others, so a stack shows
    // either it or GetResultCore, and both are the same site.
    private static readonly (string Fragment, string Rule, string? Api)[] Map =
    [
        ("Tasks.Task.WaitAll", RuleIds.BlockingTaskWait, "Task.WaitAll"),
        ("Tasks.Task.WaitAny", RuleIds.BlockingTaskWait, "Task.WaitAny"),
        ("Tasks.Task.Wait", RuleIds.BlockingTaskWait, "Task.Wait"),
        // GetAwaiter().GetResult(): GetResult and ValidateEnd are inlined into the caller, HandleNonSuccessAndDebuggerNotification
        // never is.
        ("TaskAwaiter.HandleNonSuccessAndDebuggerNotification", RuleIds.BlockingTaskWait, "GetAwaiter().GetResult()"),
        ("TaskAwaiter.ValidateEnd", RuleIds.BlockingTaskWait, "GetAwaiter().GetResult()"),
        // A stack that goes from the user's method straight to Task.InternalWait had its public call inlined whole: Task.Wait
        // keeps a frame of its own (Task.Wait(int, CancellationToken)) and GetResult keeps HandleNonSuccessAndDebuggerNotification,
        // so the call that leaves none is .Result (get_Result and GetResultCore both inlined).
        ("Tasks.Task.InternalWait", RuleIds.BlockingTaskWait, "Task<TResult>.Result"),
        ("Tasks.Task`1.get_Result", RuleIds.BlockingTaskWait, "Task<TResult>.Result"),
        ("Tasks.Task`1.GetResultCore", RuleIds.BlockingTaskWait, "Task<TResult>.Result"),
        ("Tasks.ValueTask`1.get_Result", RuleIds.BlockingTaskWait, "ValueTask<TResult>.Result"),
        ("Awaiter.GetResult", RuleIds.BlockingTaskWait, "GetAwaiter().GetResult()"),
        ("Awaiter`1.GetResult", RuleIds.BlockingTaskWait, "GetAwaiter().GetResult()"),
        ("Task.Wait", RuleIds.BlockingTaskWait, null),
        ("Task`1.get_Result", RuleIds.BlockingTaskWait, null),
        ("Thread.Sleep", RuleIds.ThreadSleepInAsyncContext, "Thread.Sleep"),
        ("SemaphoreSlim.Wait", RuleIds.SynchronousApiInAsyncContext, "SemaphoreSlim.Wait"),
        ("ManualResetEventSlim.Wait", RuleIds.SynchronousApiInAsyncContext, "ManualResetEventSlim.Wait"),
        ("Monitor.Wait", RuleIds.SynchronousApiInAsyncContext, "Monitor.Wait"),
        ("WaitHandle.WaitAll", RuleIds.SynchronousApiInAsyncContext, "WaitHandle.WaitAll"),
        ("WaitHandle.WaitAny", RuleIds.SynchronousApiInAsyncContext, "WaitHandle.WaitAny"),
        ("WaitHandle.Wait", RuleIds.SynchronousApiInAsyncContext, "WaitHandle.WaitOne"),
        ("Stream.Read", RuleIds.SynchronousApiInAsyncContext, null),
        ("Stream.Write", RuleIds.SynchronousApiInAsyncContext, null),
        ("File.Read", RuleIds.SynchronousApiInAsyncContext, null),
        ("File.Write", RuleIds.SynchronousApiInAsyncContext, null),
        ("Parallel.For", RuleIds.ParallelLoopInAsyncContext, null),
        ("SpinWait", RuleIds.BusyWait, null),

        // The public names above, so that a site already named by its API maps to the same rule.
        ("Task<TResult>.Result", RuleIds.BlockingTaskWait, null),
        ("GetAwaiter().GetResult()", RuleIds.BlockingTaskWait, null),
    ];

    public static string? RuleFor(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Find(frame)?.Rule;
    }

    /// <summary>The public API a blocking frame belongs to (<c>Task&lt;TResult&gt;.Result</c> for <c>Task`1.GetResultCore</c>), or the frame itself.</summary>
    public static string ApiFor(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Find(frame)?.Api ?? frame;
    }

    private static (string Rule, string? Api)? Find(string frame)
    {
        foreach (var (fragment, rule, api) in Map)
        {
            if (frame.Contains(fragment, StringComparison.Ordinal))
            {
                return (rule, api);
            }
        }

        return null;
    }

    /// <summary>
    /// The call site of a blocked thread's stack (innermost frame first; null for native or unresolved frames): the first
    /// frame outside the framework and generated code (<see cref="FrameNames.IsGenerated"/>), named as the user wrote it
    /// (<see cref="FrameNames.AsWritten"/>), and the outermost framework frame below it that is a known blocking API (the one
    /// the user called: <c>Task`1.get_Result</c> rather than the <c>Monitor.Wait</c> it ends in), named by <see cref="ApiFor"/>;
    /// when no frame below it is a known API, the outermost framework frame below it, as <c>Type.Method</c> (a wait no rule
    /// covers). Without a user frame the blocking API's frame itself is the site. Null when neither is found.
    /// </summary>
    public static (string Frame, string? BlockingCall)? Classify(IReadOnlyList<string?> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        string? call = null;
        string? outermostFramework = null;
        foreach (var frame in frames)
        {
            if (frame is null || FrameNames.IsGenerated(frame))
            {
                continue;
            }

            if (!IsFramework(frame))
            {
                return (FrameNames.AsWritten(frame), call is not null ? ApiFor(call) : outermostFramework is null ? null : ShortName(outermostFramework));
            }

            outermostFramework = frame;
            if (RuleFor(frame) is not null)
            {
                call = frame;
            }
        }

        return call is null ? null : (call, ApiFor(call));
    }

    /// <summary>
    /// Why a site's blocking call or rule is missing, in words for the report; null when the site has both. <paramref name="frame"/>
    /// is a framework frame when no method of the application was on the stack.
    /// </summary>
    public static string? WhyIncomplete(string frame, string? blockingCall, string? rule)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (IsFramework(frame))
        {
            return "No method of the application is on the stack: it was inlined into generated code (an expression-tree " +
                   "delegate such as ASP.NET Core's request delegates) or the wait is the framework's own.";
        }

        if (blockingCall is null)
        {
            return "The frames between this method and the wait are native or unresolved (no rundown, or code loaded without " +
                   "method events), so the blocking call is unknown.";
        }

        return rule is null ? $"No TailGuard rule covers {blockingCall}." : null;
    }

    /// <summary>"System.Threading.LowLevelLock.Acquire" → "LowLevelLock.Acquire".</summary>
    private static string ShortName(string frame)
    {
        var method = frame.LastIndexOf('.');
        var type = method <= 0 ? -1 : frame.LastIndexOf('.', method - 1);
        return type < 0 ? frame : frame[(type + 1)..];
    }

    /// <summary>The runtime's and the framework's own code, which is never the user's call site.</summary>
    public static bool IsFramework(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame.StartsWith("System.", StringComparison.Ordinal)
            || frame.StartsWith("Microsoft.", StringComparison.Ordinal)
            || frame.StartsWith("Internal.", StringComparison.Ordinal)
            || frame.StartsWith("Interop", StringComparison.Ordinal);
    }

    /// <summary>Frames that only a thread-pool worker's stack has at its base.</summary>
    public static bool IsThreadPoolDispatch(string frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame.StartsWith("System.Threading.ThreadPoolWorkQueue.Dispatch", StringComparison.Ordinal)
            || frame.StartsWith("System.Threading.PortableThreadPool+WorkerThread.", StringComparison.Ordinal);
    }
}
