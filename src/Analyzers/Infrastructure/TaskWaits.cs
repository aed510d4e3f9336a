using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>The shapes of a blocking wait on a task (TG1001), without any judgement of whether the task is already complete.</summary>
public static class TaskWaits
{
    /// <summary><c>t.Result</c> on Task&lt;T&gt; or ValueTask&lt;T&gt;.</summary>
    public static bool IsBlockingResultRead(IPropertyReferenceOperation property, WellKnownTypes types)
    {
        if (property.Property.Name != "Result" || property.Instance is null)
        {
            return false;
        }

        var containing = property.Property.ContainingType;
        return WellKnownTypes.Is(containing, types.TaskOfT) || WellKnownTypes.Is(containing, types.ValueTaskOfT)
            || WellKnownTypes.DerivesFrom(containing, types.TaskOfT);
    }

    /// <summary>
    /// For a TG1001 shape, the operation that produces the task (or awaiter) being waited on: the receiver of <c>.Result</c>,
    /// <c>.Wait()</c> or <c>.GetResult()</c>. Null for <c>Task.WaitAll/WaitAny</c> and for anything that is not a blocking wait.
    /// Whether the wait can block at all (the task may be known complete there) is the caller's question, not this class's:
    /// the completion facts use these shapes, never the other way round.
    /// </summary>
    public static IOperation? GetWaitedTask(IOperation operation, WellKnownTypes types) => operation switch
    {
        IPropertyReferenceOperation property when IsBlockingResultRead(property, types) => property.Instance,
        IInvocationOperation { TargetMethod.IsStatic: false } invocation when IsBlockingWaitInvocation(invocation, types) => invocation.Instance,
        _ => null,
    };

    /// <summary><c>t.Wait(...)</c>, <c>t.GetAwaiter().GetResult()</c> (any task awaiter, configured or not), <c>Task.WaitAll/WaitAny</c>.</summary>
    public static bool IsBlockingWaitInvocation(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        switch (method.Name)
        {
            case "Wait" when !method.IsStatic:
                return WellKnownTypes.DerivesFrom(method.ContainingType, types.Task);
            case "WaitAll" or "WaitAny" when method.IsStatic:
                return WellKnownTypes.Is(method.ContainingType, types.Task);
            case "GetResult" when !method.IsStatic && method.Parameters.Length == 0:
                return types.IsTaskAwaiter(method.ContainingType);
            default:
                return false;
        }
    }
}
