using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Facts that reach into a LINQ lambda from the function that writes it. A lambda passed to a <c>System.Linq.Enumerable</c>
/// operator runs while the query is enumerated, after the point where it is written, and completion is monotonic: what holds
/// there about a captured, never-reassigned task variable holds whenever the lambda runs. A lambda stored or returned is still
/// checked on its own (it may run anywhere).
/// </summary>
internal static class QueryLambdaFacts
{
    /// <summary>
    /// <c>await Task.WhenAll(lookups); items.Where((item, i) =&gt; lookups[i].Result)</c>: a LINQ lambda that reads a task it captures
    /// from the enclosing function.
    /// </summary>
    public static bool HoldsWhereLambdaIsWritten(SemanticModel model, WellKnownTypes types, SyntaxNode function, List<TaskKey> keys, CancellationToken cancellationToken)
    {
        if (function is not AnonymousFunctionExpressionSyntax lambda
            || lambda.Parent is not ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call }
            || model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation
            || invocation.TargetMethod.ContainingType?.ToDisplayString() != "System.Linq.Enumerable"
            || AsyncContext.EnclosingFunction(lambda) is not { } outer)
        {
            return false;
        }

        var captured = new List<TaskKey>();
        foreach (var key in keys)
        {
            if (!IsDeclaredWithin(key.Symbol, lambda))
            {
                captured.Add(key);
            }
        }

        if (captured.Count == 0)
        {
            return false;
        }

        var outerVariables = new TaskVariables(model, types, outer, cancellationToken);
        foreach (var key in captured)
        {
            if (outerVariables.Mutations.IsReassignedAnywhere(key.Symbol))
            {
                return false;
            }
        }

        return DominanceWalk.HoldsAt(outerVariables, lambda, captured);
    }

    /// <summary>
    /// <c>await Task.WhenAll(tasks); tasks.Select(t => t.Result)</c>: the parameter of a LINQ lambda over a collection is one of its
    /// elements, so the facts about the collection's elements at the point where the lambda is created apply (a query built before the
    /// fact and enumerated after it is still reported: the lambda is checked where it is written).
    /// </summary>
    public static bool IsElementOfCompletedSource(SemanticModel model, WellKnownTypes types, List<TaskKey> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            if (key is not { IsElement: false, Symbol: IParameterSymbol { Ordinal: 0, ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol } }
                || lambdaSymbol.DeclaringSyntaxReferences.Length != 1
                || lambdaSymbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not AnonymousFunctionExpressionSyntax lambda
                || lambda.Parent is not ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call }
                || model.GetOperation(call, cancellationToken) is not IInvocationOperation { Instance: null, Arguments.Length: > 1 } invocation
                || invocation.TargetMethod.ContainingType?.ToDisplayString() != "System.Linq.Enumerable"
                || invocation.Arguments[0].Syntax.Span.Contains(lambda.Span)
                || AsyncContext.EnclosingFunction(lambda) is not { } outer)
            {
                continue;
            }

            var outerVariables = new TaskVariables(model, types, outer, cancellationToken);
            if (outerVariables.KeyOf(invocation.Arguments[0].Value) is { IsElement: false } source
                && !outerVariables.Mutations.IsReassignedAnywhere(key.Symbol)
                && DominanceWalk.HoldsAt(outerVariables, lambda, new List<TaskKey> { new(source.Symbol, isElement: true) }))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDeclaredWithin(ISymbol symbol, SyntaxNode node)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == node.SyntaxTree && node.Span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }
}
