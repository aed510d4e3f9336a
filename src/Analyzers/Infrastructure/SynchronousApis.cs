using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The shapes TG1003 looks for: a synchronous method with an async twin on its receiver type, or a blocking wait primitive.
/// </summary>
public static class SynchronousApis
{
    public static BlockingCallKind Classify(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        if (IsBlockingWaitPrimitive(invocation, types))
        {
            return BlockingCallKind.BlockingWaitPrimitive;
        }

        if (method.Name.EndsWith("Async", StringComparison.Ordinal) || method.ReturnType is null || types.IsTaskLike(method.ReturnType))
        {
            return BlockingCallKind.None;
        }

        if (IsNonBlockingReceiver(invocation, types))
        {
            return BlockingCallKind.None;
        }

        return FindAsyncTwin(method, types) is not null ? BlockingCallKind.SynchronousApiWithAsyncTwin : BlockingCallKind.None;
    }

    /// <summary>
    /// The async twin of <paramref name="method"/>: a method named <c>MAsync</c> on the same type (or a base type) with the same
    /// parameter types, optionally followed by a trailing CancellationToken, returning a task-like type.
    /// </summary>
    public static IMethodSymbol? FindAsyncTwin(IMethodSymbol method, WellKnownTypes types)
    {
        var name = method.Name + "Async";
        for (var type = method.ContainingType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers(name))
            {
                if (member is IMethodSymbol candidate && candidate.IsStatic == method.IsStatic && types.IsTaskLike(candidate.ReturnType)
                    && ParametersMatch(method, candidate, types))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool ParametersMatch(IMethodSymbol method, IMethodSymbol candidate, WellKnownTypes types)
    {
        var count = method.Parameters.Length;
        if (candidate.Parameters.Length != count
            && !(candidate.Parameters.Length == count + 1 && WellKnownTypes.Is(candidate.Parameters[count].Type, types.CancellationToken)))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(method.Parameters[i].Type, candidate.Parameters[i].Type)
                || method.Parameters[i].RefKind != candidate.Parameters[i].RefKind)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNonBlockingReceiver(IInvocationOperation invocation, WellKnownTypes types)
    {
        var receiverType = invocation.Instance?.Type ?? invocation.TargetMethod.ContainingType;
        return WellKnownTypes.DerivesFrom(receiverType, types.MemoryStream)
            || WellKnownTypes.DerivesFrom(receiverType, types.StringReader)
            || WellKnownTypes.DerivesFrom(receiverType, types.StringWriter);
    }

    private static bool IsBlockingWaitPrimitive(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        return method.Name switch
        {
            "Wait" => WellKnownTypes.Is(type, types.ManualResetEventSlim) || WellKnownTypes.Is(type, types.CountdownEvent)
                || (WellKnownTypes.Is(type, types.Monitor) && method.IsStatic),
            "WaitOne" or "WaitAll" or "WaitAny" => WellKnownTypes.DerivesFrom(type, types.WaitHandle),
            "SignalAndWait" => WellKnownTypes.Is(type, types.Barrier) || WellKnownTypes.Is(type, types.WaitHandle),
            "Join" => WellKnownTypes.Is(type, types.Thread),
            _ => false,
        };
    }
}
