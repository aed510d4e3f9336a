using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// A helper of the same compilation that returns only completed tasks, most often cached ones:
/// <code>
/// private static readonly Task&lt;bool&gt; True = Task.FromResult(true), False = Task.FromResult(false);
/// internal static Task&lt;bool&gt; FromBool(bool value) => value ? True : False;
/// </code>
/// Every return of the (non-async, non-virtual) helper is <c>Task.CompletedTask</c>, <c>default</c>, or a static readonly field of the
/// helper's type (or an enclosing type) initialized to <c>Task.FromResult(...)</c>/<c>FromException</c>/<c>FromCanceled</c>/<c>CompletedTask</c>, through <c>?:</c>,
/// <c>??</c> and switch expressions. Decided on the helper's syntax and symbols only (never another tree's semantic model, RS1030),
/// once per helper.
/// </summary>
internal static class CachedCompletedTasks
{
    private static readonly ConditionalWeakTable<IMethodSymbol, StrongBox<bool>> Helpers = new();

    /// <summary>True when <paramref name="task"/> is a call of a source method that returns only completed tasks.</summary>
    public static bool IsCallOfCompletedTaskHelper(IOperation? task, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (task is not IInvocationOperation { TargetMethod: { } method }
            || method.DeclaringSyntaxReferences.Length != 1
            || !types.IsTaskLike(method.ReturnType)
            || method.IsAsync || method.IsVirtual || method.IsAbstract || method.IsOverride)
        {
            return false;
        }

        var definition = method.OriginalDefinition;
        return Helpers.GetValue(definition, m => new StrongBox<bool>(ReturnsOnlyCompleted(m, cancellationToken))).Value;
    }

    private static bool ReturnsOnlyCompleted(IMethodSymbol method, CancellationToken cancellationToken)
    {
        if (method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not MethodDeclarationSyntax declaration)
        {
            return false;
        }

        if (declaration.ExpressionBody is { } arrow)
        {
            return IsCompletedValue(arrow.Expression, method, depth: 0, cached: false, cancellationToken);
        }

        if (declaration.Body is not { } body)
        {
            return false;
        }

        var returns = 0;
        foreach (var node in body.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax))
        {
            if (node is ReturnStatementSyntax returnStatement)
            {
                if (returnStatement.Expression is not { } value || !IsCompletedValue(value, method, depth: 0, cached: false, cancellationToken))
                {
                    return false;
                }

                returns++;
            }
        }

        return returns > 0;
    }

    /// <summary>
    /// <paramref name="cached"/>: inside a field's initializer. A helper's own <c>return Task.FromResult(x)</c> is not taken: the issue is
    /// helpers that hand out cached tasks, and a stub that computes its result today may do I/O tomorrow.
    /// </summary>
    private static bool IsCompletedValue(ExpressionSyntax expression, IMethodSymbol method, int depth, bool cached, CancellationToken cancellationToken)
    {
        if (depth > 8)
        {
            return false;
        }

        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return IsCompletedValue(parenthesized.Expression, method, depth + 1, cached, cancellationToken);
            case ConditionalExpressionSyntax conditional:
                return IsCompletedValue(conditional.WhenTrue, method, depth + 1, cached, cancellationToken)
                    && IsCompletedValue(conditional.WhenFalse, method, depth + 1, cached, cancellationToken);
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.CoalesceExpression):
                return IsCompletedValue(binary.Left, method, depth + 1, cached, cancellationToken)
                    && IsCompletedValue(binary.Right, method, depth + 1, cached, cancellationToken);
            case SwitchExpressionSyntax switchExpression:
                foreach (var arm in switchExpression.Arms)
                {
                    if (!IsCompletedValue(arm.Expression, method, depth + 1, cached, cancellationToken))
                    {
                        return false;
                    }
                }

                return switchExpression.Arms.Count > 0;
            case LiteralExpressionSyntax literal:
                return literal.IsKind(SyntaxKind.DefaultLiteralExpression);
            case DefaultExpressionSyntax:
                return true;
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Task" or "ValueTask" }, Name.Identifier.ValueText: "CompletedTask" }:
                return true;
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: var owner, Name.Identifier.ValueText: "FromResult" or "FromException" or "FromCanceled" } }:
                return cached && owner is IdentifierNameSyntax { Identifier.ValueText: "Task" or "ValueTask" };
            case IdentifierNameSyntax identifier:
                return IsCachedCompletedField(identifier.Identifier.ValueText, method, depth, cancellationToken);
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner, Name: IdentifierNameSyntax name }
                when IsOwnOrEnclosingType(owner.Identifier.ValueText, method.ContainingType):
                return IsCachedCompletedField(name.Identifier.ValueText, method, depth, cancellationToken);
            default:
                return false;
        }
    }

    private static bool IsOwnOrEnclosingType(string name, INamedTypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A <c>static readonly</c> field of the helper's type or an enclosing type, initialized to a completed task.</summary>
    private static bool IsCachedCompletedField(string name, IMethodSymbol method, int depth, CancellationToken cancellationToken)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            foreach (var member in type.GetMembers(name))
            {
                return member is IFieldSymbol { IsStatic: true, IsReadOnly: true, DeclaringSyntaxReferences.Length: 1 } field
                    && field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                    && initializer is not IdentifierNameSyntax
                    && IsCompletedValue(initializer, method, depth + 1, cached: true, cancellationToken);
            }
        }

        return false;
    }
}
