using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Finds loops in a function body that hold their thread for a long time: loops around blocking calls, and loops that never
/// end. Nested lambdas and local functions are not part of the body (they run when someone calls them).
/// </summary>
public static class LongWork
{
    /// <summary>
    /// Why <paramref name="body"/> is long blocking work ("the loop never ends", "the loop blocks in 'X.Y'"), or null.
    /// In an async body a loop that awaits releases its thread at every await, so only blocking calls count there.
    /// </summary>
    public static string? FindReason(IOperation body, bool isAsync, WellKnownTypes types)
    {
        foreach (var operation in InFunction(body))
        {
            if (operation is not ILoopOperation loop)
            {
                continue;
            }

            var blocking = FindBlockingCall(loop, types);
            if (blocking is not null)
            {
                return "the loop blocks in '" + blocking + "'";
            }

            if ((!isAsync || !ContainsAwait(loop)) && IsEndless(loop, types))
            {
                return "the loop never ends";
            }
        }

        return null;
    }

    /// <summary>Every operation under <paramref name="root"/>, in source order, without entering lambdas or local functions.</summary>
    public static IEnumerable<IOperation> InFunction(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            var children = new List<IOperation>(current.ChildOperations);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                if (children[i] is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(children[i]);
                }
            }
        }
    }

    /// <summary>The name of the first blocking call inside the loop (condition and collection included), or null.</summary>
    public static string? FindBlockingCall(ILoopOperation loop, WellKnownTypes types)
    {
        foreach (var operation in InFunction(loop))
        {
            if (operation is IInvocationOperation invocation && IsBlockingCollectionWait(invocation, types))
            {
                return invocation.TargetMethod.ContainingType.Name + "." + invocation.TargetMethod.Name;
            }

            if (operation is IInvocationOperation or IPropertyReferenceOperation && IsBlocking(operation, types))
            {
                return operation switch
                {
                    IInvocationOperation call => call.TargetMethod.ContainingType.Name + "." + call.TargetMethod.Name,
                    IPropertyReferenceOperation property => property.Property.ContainingType.Name + "." + property.Property.Name,
                    _ => operation.Syntax.ToString(),
                };
            }
        }

        return null;
    }

    /// <summary>
    /// A TG1001–TG1003 blocking call (<see cref="BlockingCalls.Classify"/>) that is not a zero-timeout poll:
    /// <c>semaphore.Wait(0)</c>, <c>handle.WaitOne(0)</c> or <c>task.Wait(TimeSpan.Zero)</c> return at once.
    /// </summary>
    public static bool IsBlocking(IOperation operation, WellKnownTypes types)
        => BlockingCalls.Classify(operation, types) != BlockingCallKind.None
            && !(operation is IInvocationOperation invocation && HasZeroTimeout(invocation));

    private static bool HasZeroTimeout(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name is "millisecondsTimeout" or "timeout")
            {
                return IsZero(argument.Value);
            }
        }

        return false;
    }

    /// <summary>
    /// <c>Take</c>, <c>TakeFromAny</c>, <c>GetConsumingEnumerable</c>, and <c>TryTake</c>/<c>TryTakeFromAny</c> with a timeout
    /// that is not zero (an infinite or positive timeout parks the thread; without a timeout they return at once).
    /// </summary>
    public static bool IsBlockingCollectionWait(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        if (!WellKnownTypes.Is(method.ContainingType, types.BlockingCollectionOfT))
        {
            return false;
        }

        switch (method.Name)
        {
            case "Take" or "TakeFromAny" or "GetConsumingEnumerable":
                return true;
            case "TryTake" or "TryTakeFromAny":
                return HasTimeout(invocation) && !HasZeroTimeout(invocation);
            default:
                return false;
        }
    }

    private static bool HasTimeout(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name is "millisecondsTimeout" or "timeout")
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsZero(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        if (value.ConstantValue is { HasValue: true, Value: int milliseconds })
        {
            return milliseconds == 0;
        }

        return value is IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.Name: "TimeSpan" } };
    }

    public static bool ContainsAwait(IOperation operation)
    {
        foreach (var node in InFunction(operation))
        {
            switch (node)
            {
                case IAwaitOperation:
                case IForEachLoopOperation { IsAsynchronous: true }:
                case IUsingOperation { IsAsynchronous: true }:
                case IUsingDeclarationOperation { IsAsynchronous: true }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A <c>while</c>, <c>do</c> or <c>for</c> loop that nothing inside it drives to an end: no condition, a constant true
    /// condition, or a condition over values the body never writes (a cancellation token, a flag set from outside), and every
    /// exit (<c>break</c>, <c>return</c>, <c>throw</c>) guarded by such a condition or inside a <c>catch</c>.
    /// </summary>
    public static bool IsEndless(ILoopOperation loop, WellKnownTypes types)
    {
        IOperation? condition;
        var written = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        switch (loop)
        {
            case IWhileLoopOperation whileLoop:
                condition = whileLoop.Condition;
                if (condition is null)
                {
                    return false;
                }

                break;
            case IForLoopOperation forLoop:
                condition = forLoop.Condition;
                foreach (var step in forLoop.AtLoopBottom)
                {
                    CollectWrites(step, written);
                }

                break;
            default:
                return false;
        }

        CollectWrites(loop.Body, written);
        if (condition is not null)
        {
            if (condition.ConstantValue is { HasValue: true, Value: false } || !IsExternal(condition, written, types))
            {
                return false;
            }
        }

        return AllExitsAreExternal(loop, written, types);
    }

    private static bool AllExitsAreExternal(ILoopOperation loop, HashSet<ISymbol> written, WellKnownTypes types)
    {
        foreach (var operation in InFunction(loop.Body))
        {
            var isExit = operation switch
            {
                IBranchOperation branch => branch.BranchKind == BranchKind.GoTo
                    || (branch.BranchKind == BranchKind.Break && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel)),
                IReturnOperation ret => ret.Kind != OperationKind.YieldReturn,
                IThrowOperation => true,
                _ => false,
            };
            if (isExit && !IsGuardedExternally(operation, loop, written, types))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsGuardedExternally(IOperation exit, ILoopOperation loop, HashSet<ISymbol> written, WellKnownTypes types)
    {
        for (var current = exit.Parent; current is not null && current != loop; current = current.Parent)
        {
            switch (current)
            {
                case ICatchClauseOperation:
                    return true;
                case IConditionalOperation conditional:
                    return IsExternal(conditional.Condition, written, types);
                case ISwitchCaseOperation:
                case ILoopOperation:
                    return false;
            }
        }

        return false;
    }

    /// <summary>True when nothing in the loop can change the value: constants, unwritten locals, fields and parameters, cancellation checks.</summary>
    private static bool IsExternal(IOperation operation, HashSet<ISymbol> written, WellKnownTypes types)
    {
        if (operation.ConstantValue.HasValue)
        {
            return true;
        }

        switch (operation)
        {
            case IConversionOperation conversion:
                return IsExternal(conversion.Operand, written, types);
            case IParenthesizedOperation parenthesized:
                return IsExternal(parenthesized.Operand, written, types);
            case IUnaryOperation unary:
                return IsExternal(unary.Operand, written, types);
            case IBinaryOperation binary:
                return IsExternal(binary.LeftOperand, written, types) && IsExternal(binary.RightOperand, written, types);
            case IInstanceReferenceOperation:
                return true;
            case ILocalReferenceOperation local:
                return !written.Contains(local.Local);
            case IParameterReferenceOperation parameter:
                return !written.Contains(parameter.Parameter);
            case IFieldReferenceOperation field:
                return !written.Contains(field.Field) && (field.Instance is null || IsExternal(field.Instance, written, types));
            case IPropertyReferenceOperation property:
                var isTokenState = property.Property.Name switch
                {
                    "IsCancellationRequested" => WellKnownTypes.Is(property.Property.ContainingType, types.CancellationToken)
                        || WellKnownTypes.Is(property.Property.ContainingType, types.CancellationTokenSource),
                    "Token" => WellKnownTypes.Is(property.Property.ContainingType, types.CancellationTokenSource),
                    _ => false,
                };
                return isTokenState && property.Instance is not null && IsExternal(property.Instance, written, types);
            case IInvocationOperation { TargetMethod.Name: "Read" } invocation
                when WellKnownTypes.Is(invocation.TargetMethod.ContainingType, types.Volatile) && invocation.Arguments.Length == 1:
                return IsExternal(invocation.Arguments[0].Value, written, types);
            default:
                return false;
        }
    }

    /// <summary>Every local, parameter, field or property the operation assigns, increments, or passes by ref/out (lambdas included).</summary>
    private static void CollectWrites(IOperation root, HashSet<ISymbol> written)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IAssignmentOperation assignment:
                    AddTargets(assignment.Target, written);
                    break;
                case IIncrementOrDecrementOperation increment:
                    AddTargets(increment.Target, written);
                    break;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                    AddTargets(argument.Value, written);
                    break;
            }
        }
    }

    private static void AddTargets(IOperation target, HashSet<ISymbol> written)
    {
        foreach (var operation in target.DescendantsAndSelf())
        {
            ISymbol? symbol = operation switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                IFieldReferenceOperation field => field.Field,
                IPropertyReferenceOperation property => property.Property,
                _ => null,
            };
            if (symbol is not null)
            {
                written.Add(symbol);
            }
        }
    }
}
