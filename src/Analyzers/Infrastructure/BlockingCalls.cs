using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>What kind of blocking a call is, independent of where it is (the rules add the context).</summary>
public enum BlockingCallKind
{
    None,

    /// <summary>TG1001: <c>.Result</c>, <c>.Wait()</c>, <c>GetAwaiter().GetResult()</c>, <c>Task.WaitAll/WaitAny</c>.</summary>
    TaskWait,

    /// <summary>TG1002: <c>Thread.Sleep</c>.</summary>
    ThreadSleep,

    /// <summary>TG1003: a synchronous method whose receiver type offers an async twin (<c>Read</c> → <c>ReadAsync</c>).</summary>
    SynchronousApiWithAsyncTwin,

    /// <summary>TG1003: a blocking wait primitive with no async twin (<c>WaitHandle.WaitOne</c>, <c>Thread.Join</c>, ...).</summary>
    BlockingWaitPrimitive,
}

/// <summary>
/// Classifies an operation as one of the blocking call patterns TG1001–TG1003 look for. This is only the shape of the call;
/// whether it is reported depends on the rule (async context, task known complete, test code, options).
/// TG1004 and TG1006 use it to find the same blocking calls inside pool work items and lock regions.
/// </summary>
public static class BlockingCalls
{
    public static BlockingCallKind Classify(IOperation operation, WellKnownTypes types)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation property:
                return TaskWaits.IsBlockingResultRead(property, types) ? BlockingCallKind.TaskWait : BlockingCallKind.None;

            case IInvocationOperation invocation:
                if (TaskWaits.IsBlockingWaitInvocation(invocation, types))
                {
                    return BlockingCallKind.TaskWait;
                }

                if (invocation.TargetMethod.Name == "Sleep" && WellKnownTypes.Is(invocation.TargetMethod.ContainingType, types.Thread))
                {
                    return BlockingCallKind.ThreadSleep;
                }

                return SynchronousApis.Classify(invocation, types);

            default:
                return BlockingCallKind.None;
        }
    }
}
