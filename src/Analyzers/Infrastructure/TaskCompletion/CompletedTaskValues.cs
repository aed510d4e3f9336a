using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The half of the fact catalogue that needs no dominance: values that are complete wherever they are read.
/// <c>Task.FromResult</c>, <c>Task.CompletedTask</c> and friends; the winner of an awaited <c>Task.WhenAny</c> (also through a
/// never-reassigned local); the antecedent parameter of a <c>ContinueWith</c>/<c>ContinueWhenAll</c>/<c>ContinueWhenAny</c>
/// continuation.
/// </summary>
internal static class CompletedTaskValues
{
    public static bool IsTriviallyComplete(IOperation? task, WellKnownTypes types)
    {
        switch (task)
        {
            case IInvocationOperation invocation when invocation.TargetMethod.IsStatic
                && invocation.TargetMethod.Name is "FromResult" or "FromException" or "FromCanceled":
                return types.IsTaskLike(invocation.TargetMethod.ContainingType);
            case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "CompletedTask" } property }:
                return types.IsTaskLike(property.ContainingType);
            case IObjectCreationOperation creation when WellKnownTypes.Is(creation.Type, types.ValueTaskOfT):
                // new ValueTask<T>(value) is complete; new ValueTask<T>(task) is not.
                return creation.Arguments.Length == 1 && !types.IsTaskLike(creation.Arguments[0].Value.Type)
                    && creation.Arguments[0].Value.Type?.Name != "IValueTaskSource";
            case IDefaultValueOperation defaultValue:
                return WellKnownTypes.Is(defaultValue.Type, types.ValueTask) || WellKnownTypes.Is(defaultValue.Type, types.ValueTaskOfT);
            case IAwaitOperation:
                // (await Task.WhenAny(a, b)).Result: the winner has completed.
                return IsAwaitedWhenAny(task, types);
            default:
                return false;
        }
    }

    /// <summary><c>await Task.WhenAny(...)</c> (through ConfigureAwait): the task it returns has completed.</summary>
    public static bool IsAwaitedWhenAny(IOperation? operation, WellKnownTypes types)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation is IAwaitOperation awaitOperation
            && AwaitableChain.Unwrap(awaitOperation.Operation, forAwait: true) is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WhenAny" } whenAny }
            && WellKnownTypes.Is(whenAny.ContainingType, types.Task);
    }

    /// <summary><c>var winner = await Task.WhenAny(a, b); ... winner.Result</c> with <c>winner</c> never reassigned.</summary>
    public static bool IsWhenAnyWinnerLocal(TaskVariables variables, List<TaskKey> keys)
    {
        foreach (var key in keys)
        {
            if (key is { IsElement: false, Symbol: ILocalSymbol local } && IsWhenAnyWinner(variables, local))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>await Task.WhenAny(...)</c> or a local holding its never-reassigned result.</summary>
    public static bool IsWhenAnyResult(TaskVariables variables, IOperation operation)
    {
        if (IsAwaitedWhenAny(operation, variables.Types))
        {
            return true;
        }

        return AwaitableChain.Unwrap(operation, forAwait: false) is ILocalReferenceOperation { Local: { } local } && IsWhenAnyWinner(variables, local);
    }

    /// <summary>The parameter of a ContinueWith / ContinueWhenAll / ContinueWhenAny continuation is already complete.</summary>
    public static bool IsContinuationAntecedent(TaskVariables variables, List<TaskKey> keys)
    {
        var types = variables.Types;
        foreach (var key in keys)
        {
            if (key.Symbol is not IParameterSymbol { Ordinal: 0 } parameter
                || parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }
                || variables.Mutations.Has(parameter, m => m.Kind is MutationKind.Reassign or MutationKind.ElementSet))
            {
                continue;
            }

            var lambda = parameter.ContainingSymbol.DeclaringSyntaxReferences.Length == 1
                ? parameter.ContainingSymbol.DeclaringSyntaxReferences[0].GetSyntax(variables.CancellationToken)
                : null;
            if (lambda?.Parent is not ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call }
                || variables.GetOperation(call) is not IInvocationOperation invocation)
            {
                continue;
            }

            var method = invocation.TargetMethod;
            var isContinueWith = method.Name == "ContinueWith" && WellKnownTypes.DerivesFrom(method.ContainingType, types.Task);
            var isContinueWhen = method.Name is "ContinueWhenAll" or "ContinueWhenAny"
                && (WellKnownTypes.Is(method.ContainingType, types.TaskFactory)
                    || method.ContainingType?.Name == "TaskFactory");
            if (isContinueWith && !key.IsElement)
            {
                return true;
            }

            if (isContinueWhen && (key.IsElement == (method.Name == "ContinueWhenAll")))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWhenAnyWinner(TaskVariables variables, ILocalSymbol local)
        => local.DeclaringSyntaxReferences.Length == 1
            && local.DeclaringSyntaxReferences[0].GetSyntax(variables.CancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
            && IsAwaitedWhenAny(variables.GetOperation(initializer), variables.Types)
            && !variables.Mutations.Has(local, m => m.Kind == MutationKind.Reassign);
}
