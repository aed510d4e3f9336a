using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The completion side of the drivers' dual sync/async path (<see cref="DualSyncAsyncPath"/> recognises the guards): drivers
/// implement both APIs with one method that takes an async flag and only awaits when it is true, so the task it returns for a
/// false flag has completed when the call returns, and blocking on it cannot block.
/// </summary>
internal static class SynchronousPathCalls
{
    /// <summary>
    /// True when <paramref name="task"/> is a call whose async-flag argument (a <c>bool</c> parameter named as
    /// <see cref="DualSyncAsyncPath.IsAsyncFlagName"/> accepts: <c>async</c>, <c>isAsync</c>, <c>useAsync</c>, <c>_async</c>, ...) is
    /// the constant <c>false</c> (named or positional, or a default value). Also when the argument is the caller's own async flag and the
    /// call sits on the synchronous branch of a guard on that flag
    /// (<c>if (async) await Core(async); else Core(async).GetAwaiter().GetResult();</c>): there the flag is false.
    /// </summary>
    public static bool IsSynchronousPathCall(IOperation? task, CancellationToken cancellationToken)
    {
        var unwrapped = AwaitableChain.Unwrap(task, forAwait: false);
        if (unwrapped is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
        {
            // (simple ? Simple(async: false) : Extended(async: false)).GetAwaiter().GetResult()
            return IsSynchronousPathCall(conditional.WhenTrue, cancellationToken) && IsSynchronousPathCall(whenFalse, cancellationToken);
        }

        if (unwrapped is not IInvocationOperation invocation)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && DualSyncAsyncPath.IsAsyncFlag(parameter))
            {
                if (IsConstantFalse(argument.Value))
                {
                    return true;
                }

                var value = argument.Value.ConstantValue;
                if (value.HasValue)
                {
                    return value.Value is false;
                }

                return IsFlagKnownFalse(argument.Value, invocation, cancellationToken);
            }
        }

        return false;
    }

    /// <summary><c>false</c>, also through <c>?:</c> whose branches are both <c>false</c>.</summary>
    private static bool IsConstantFalse(IOperation value)
    {
        while (value is IConversionOperation or IParenthesizedOperation)
        {
            value = value is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)value).Operand;
        }

        return value.ConstantValue is { HasValue: true, Value: false }
            || (value is IConditionalOperation { WhenFalse: { } whenFalse } conditional && IsConstantFalse(conditional.WhenTrue) && IsConstantFalse(whenFalse));
    }

    /// <summary><c>var t = OpenCore(async: false, ct); ... t.GetAwaiter().GetResult();</c> with <c>t</c> never reassigned.</summary>
    public static bool IsSynchronousPathLocal(TaskVariables variables, List<TaskKey> keys)
    {
        foreach (var key in keys)
        {
            if (key is { IsElement: false, Symbol: ILocalSymbol local }
                && local.DeclaringSyntaxReferences.Length == 1
                && local.DeclaringSyntaxReferences[0].GetSyntax(variables.CancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                && IsSynchronousPathCall(variables.GetOperation(initializer), variables.CancellationToken)
                && !variables.Mutations.Has(local, m => m.Kind == MutationKind.Reassign))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsFlagKnownFalse(IOperation value, IInvocationOperation invocation, CancellationToken cancellationToken)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        ISymbol? flag = value switch
        {
            IParameterReferenceOperation parameter => parameter.Parameter,
            ILocalReferenceOperation local => local.Local,
            // A flag field behind a guard of the method's own: if (_async) throw new InvalidOperationException(...);
            IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
            _ => null,
        };
        if (flag is null || invocation.SemanticModel is not { } model
            || !DualSyncAsyncPath.IsOnSynchronousBranch(invocation.Syntax, model, flag, cancellationToken)
            || AsyncContext.EnclosingFunction(invocation.Syntax) is not { } function)
        {
            return false;
        }

        // A flag assigned anywhere in the function may no longer say what the guard tested.
        foreach (var assignment in function.DescendantNodes().OfType<AssignmentExpressionSyntax>())
        {
            if (assignment.Left is IdentifierNameSyntax { Identifier.ValueText: var name } && name == flag.Name)
            {
                return false;
            }
        }

        return true;
    }
}
