using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The half of the fact catalogue that holds from a point on: operations after which a task has completed. <c>await t</c>
/// (through <c>ConfigureAwait</c>/<c>WaitAsync</c>), <c>await Task.WhenAll(..., t, ...)</c>, <c>t.Wait()</c>,
/// <c>Task.WaitAll(..., t, ...)</c>, an earlier blocking read of <c>t</c> (<c>.Result</c>, <c>GetResult()</c>) and
/// <c>Debug.Assert</c>/<c>Trace.Assert</c> of a completion condition, and an unbounded <c>ManualResetEventSlim.Wait()</c> on an
/// event the task's awaiter sets on completion (<see cref="SignalledOnCompletion"/>). <see cref="DominanceWalk"/> decides where they reach.
/// </summary>
internal static class CompletingOperations
{
    /// <summary>True when, once <paramref name="operation"/> has run, a task in <paramref name="keys"/> is complete.</summary>
    public static bool IsFact(TaskVariables variables, IOperation? operation, List<TaskKey> keys)
    {
        var types = variables.Types;
        var position = operation?.Syntax.SpanStart ?? 0;
        switch (operation)
        {
            case IAwaitOperation awaitOperation:
            {
                var awaited = AwaitableChain.Unwrap(awaitOperation.Operation, forAwait: true);
                if (variables.Matches(variables.KeyOf(awaited), keys, position))
                {
                    return true;
                }

                return awaited is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WhenAll" } whenAll } all
                    && WellKnownTypes.Is(whenAll.ContainingType, types.Task)
                    && TaskCollections.ArgumentsContain(variables, all, keys, position);
            }

            case IInvocationOperation invocation:
            {
                var method = invocation.TargetMethod;
                switch (method.Name)
                {
                    case "Wait" when !method.IsStatic && method.ReturnsVoid && WellKnownTypes.DerivesFrom(method.ContainingType, types.Task):
                        return variables.Matches(variables.KeyOf(invocation.Instance), keys, position);
                    case "Wait" when !method.IsStatic && method.ReturnsVoid && WellKnownTypes.Is(method.ContainingType, types.ManualResetEventSlim):
                        return SignalledOnCompletion.IsSignalledByAwaiter(variables, invocation, keys);
                    case "WaitAll" when method.IsStatic && method.ReturnsVoid && WellKnownTypes.Is(method.ContainingType, types.Task):
                        return TaskCollections.ArgumentsContain(variables, invocation, keys, position);
                    case "GetResult" when !method.IsStatic && types.IsTaskAwaiter(method.ContainingType):
                        return variables.Matches(variables.KeyOf(AwaitableChain.Unwrap(invocation.Instance, forAwait: false)), keys, position);
                    case "Assert" when method.IsStatic && invocation.Arguments.Length > 0
                        && (WellKnownTypes.Is(method.ContainingType, types.Debug) || method.ContainingType?.ToDisplayString() == "System.Diagnostics.Trace"):
                        return CompletionConditions.Holds(variables, ArgumentValue(invocation, 0), true, keys, position);
                    default:
                        return false;
                }
            }

            case IPropertyReferenceOperation property when TaskWaits.IsBlockingResultRead(property, types):
                return variables.Matches(variables.KeyOf(property.Instance), keys, position);
            default:
                return false;
        }
    }

    private static IOperation? ArgumentValue(IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument.Value;
            }
        }

        return null;
    }
}
