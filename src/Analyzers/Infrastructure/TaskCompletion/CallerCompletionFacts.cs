using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// A fact across methods: a private method whose task parameter is complete at every call, because every caller passes the
/// antecedent of a <c>ContinueWith</c> continuation or a task it has already awaited, or hands the method itself to
/// <c>ContinueWith</c> as the continuation:
/// <code>
/// send.ContinueWith(t => OnSent(t), TaskScheduler.Default);        // or send.ContinueWith(OnSent)
/// private void OnSent(Task&lt;int&gt; sent) => Log(sent.Result);            // not reported
/// </code>
/// </summary>
/// <remarks>
/// Asked only for a wait that would otherwise be reported, on the method's own parameter. Every use of a private method is inside
/// its type's declaration; when that declaration is a single one in the wait's own syntax tree, the uses are found there and judged
/// with the wait's own semantic model: live in the IDE, no compilation-end action, no other tree's semantic model (RS1030). A partial
/// type declared in several files is not judged (the wait is reported). A symbol-start action on every type was measured as the
/// alternative: it adds a callback per invocation of the whole compilation for a fact asked a handful of times.
/// </remarks>
public static class CallerCompletionFacts
{
    /// <summary>
    /// True when <paramref name="task"/> (the waited task, in <paramref name="containingSymbol"/>) is a never-reassigned parameter of
    /// a private method that every use in its type passes a completed task.
    /// </summary>
    public static bool IsCompleteAtEveryCall(IOperation? task, ISymbol? containingSymbol, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (AwaitableChain.Unwrap(task, forAwait: false) is not IParameterReferenceOperation { Parameter: { } parameter, SemanticModel: { } model }
            || containingSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Private } method
            || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
            || method.ContainingType is not { DeclaringSyntaxReferences.Length: 1 } type
            || method.DeclaringSyntaxReferences.Length != 1
            || type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not { } typeSyntax
            || typeSyntax.SyntaxTree != model.SyntaxTree
            || IsReassigned(method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken), parameter.Name))
        {
            return false;
        }

        var uses = 0;
        foreach (var node in typeSyntax.DescendantNodes())
        {
            if (node is not IdentifierNameSyntax identifier || identifier.Identifier.ValueText != method.Name)
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
            if (symbol is not IMethodSymbol used || !SymbolEqualityComparer.Default.Equals(used.OriginalDefinition, method.OriginalDefinition))
            {
                if (symbol is null && model.GetSymbolInfo(identifier, cancellationToken).CandidateSymbols.Length > 0)
                {
                    return false; // an overload the compiler could not pick: it may be this method
                }

                continue;
            }

            if (!IsCompleteUse(identifier, parameter.Ordinal, model, types, cancellationToken))
            {
                return false;
            }

            uses++;
        }

        return uses > 0;
    }

    private static bool IsCompleteUse(IdentifierNameSyntax identifier, int ordinal, SemanticModel model, WellKnownTypes types, CancellationToken cancellationToken)
    {
        SyntaxNode callee = identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier ? access : identifier;
        if (callee.Parent is InvocationExpressionSyntax call && call.Expression == callee)
        {
            if (model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation)
            {
                return false;
            }

            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == ordinal)
                {
                    return TaskCompletionFacts.IsKnownComplete(argument.Value, types, cancellationToken);
                }
            }

            return false;
        }

        // A method group: complete only as the continuation of t.ContinueWith(Method), whose first parameter is the antecedent.
        if (ordinal != 0 || model.GetOperation(callee, cancellationToken) is not IMethodReferenceOperation reference)
        {
            return false;
        }

        var parent = reference.Parent;
        while (parent is IDelegateCreationOperation or IConversionOperation)
        {
            parent = parent.Parent;
        }

        return parent is IArgumentOperation { Parameter.Ordinal: 0, Parent: IInvocationOperation { TargetMethod.Name: "ContinueWith" } continuation }
            && WellKnownTypes.DerivesFrom(continuation.TargetMethod.ContainingType, types.Task);
    }

    private static bool IsReassigned(SyntaxNode method, string name)
    {
        foreach (var node in method.DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: var assigned } } && assigned == name)
            {
                return true;
            }
        }

        return false;
    }
}
