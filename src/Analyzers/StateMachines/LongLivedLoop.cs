using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// An async function whose state machine is allocated once per connection, channel or worker, not once per operation: a long-lived
/// dispatch loop. TG3001 and TG3002 leave it out by default, since its size is paid once for the loop's whole life, not per request.
/// The recognised shape, decided from syntax alone:
/// <list type="bullet">
/// <item>the function returns no value (<c>Task</c>, <c>ValueTask</c> or <c>void</c>): a loop that produces a result serves one caller's operation;</item>
/// <item>its own body (lambdas and local functions aside) holds a loop that awaits and runs until it is stopped:
/// <c>while (true)</c>, <c>for (;;)</c>, <c>do … while (true)</c>; a condition that reads <c>IsCancellationRequested</c>
/// (<c>while (!ct.IsCancellationRequested)</c>, <c>while (!_disposed &amp;&amp; !token.IsCancellationRequested)</c>); a channel read loop
/// <c>while (await reader.WaitToReadAsync(ct))</c>; or <c>await foreach</c> over <c>ReadAllAsync(…)</c>;</item>
/// <item>the loop is not a retry loop: no <c>return</c> inside a <c>try</c> in its body (<c>while (true) { try { await op(); return; } catch … }</c>).</item>
/// </list>
/// A stream copy loop (<c>while ((n = await s.ReadAsync(buffer)) &gt; 0)</c>) is not one: a request's body copy is per operation.
/// </summary>
public static class LongLivedLoop
{
    public static bool IsDispatchLoopFunction(SyntaxNode function)
    {
        var (returnType, body) = function switch
        {
            MethodDeclarationSyntax method => (method.ReturnType, (SyntaxNode?)method.Body ?? method.ExpressionBody),
            LocalFunctionStatementSyntax local => (local.ReturnType, (SyntaxNode?)local.Body ?? local.ExpressionBody),
            AnonymousFunctionExpressionSyntax lambda => (null, lambda.Body),
            _ => (null, null),
        };

        if (body is null || (returnType is not null && ReturnsValue(returnType)))
        {
            return false;
        }

        foreach (var node in body.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (IsLongLivedLoop(node))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c> (or any other generic task-like) return a value; <c>Task</c>, <c>ValueTask</c>, <c>void</c> do not.</summary>
    private static bool ReturnsValue(TypeSyntax returnType)
    {
        var simple = returnType is QualifiedNameSyntax qualified ? qualified.Right : returnType as SimpleNameSyntax;
        return simple is GenericNameSyntax || (simple is null && returnType is not PredefinedTypeSyntax);
    }

    private static bool IsLongLivedLoop(SyntaxNode node)
    {
        var (condition, loopBody, awaitsInHeader) = node switch
        {
            WhileStatementSyntax loop => (loop.Condition, (SyntaxNode)loop.Statement, false),
            DoStatementSyntax loop => (loop.Condition, loop.Statement, false),
            ForStatementSyntax { Condition: null } loop => ((ExpressionSyntax?)null, loop.Statement, false),
            ForEachStatementSyntax loop when loop.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword) => (null, loop.Statement, IsReadAll(loop.Expression)),
            _ => (null, null, false),
        };

        if (loopBody is null)
        {
            return false;
        }

        var runsUntilStopped = node switch
        {
            ForStatementSyntax => true,
            ForEachStatementSyntax => awaitsInHeader,
            _ => condition is not null && IsUntilStoppedCondition(condition),
        };

        if (!runsUntilStopped || IsRetryLoop(loopBody))
        {
            return false;
        }

        return awaitsInHeader || condition is AwaitExpressionSyntax || ContainsAwait(loopBody);
    }

    private static bool IsUntilStoppedCondition(ExpressionSyntax condition)
    {
        if (condition.IsKind(SyntaxKind.TrueLiteralExpression))
        {
            return true;
        }

        // `await reader.WaitToReadAsync(ct)`, possibly `.ConfigureAwait(false)`.
        if (condition is AwaitExpressionSyntax awaited && awaited.ToString().Contains("WaitToReadAsync"))
        {
            return true;
        }

        foreach (var name in condition.DescendantNodesAndSelf())
        {
            if (name is IdentifierNameSyntax { Identifier.ValueText: "IsCancellationRequested" })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsReadAll(ExpressionSyntax expression)
    {
        for (var current = expression; current is not null;)
        {
            switch (current)
            {
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member }:
                    if (member.Name.Identifier.ValueText == "ReadAllAsync")
                    {
                        return true;
                    }

                    current = member.Expression;
                    break;
                case MemberAccessExpressionSyntax member:
                    current = member.Expression;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static bool IsRetryLoop(SyntaxNode loopBody)
    {
        foreach (var node in loopBody.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (node is ReturnStatementSyntax && node.FirstAncestorOrSelf<TryStatementSyntax>() is { } tryStatement
                && tryStatement.Block.Span.Contains(node.Span) && loopBody.Span.Contains(tryStatement.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsAwait(SyntaxNode loopBody)
    {
        foreach (var node in loopBody.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (node is AwaitExpressionSyntax
                || (node is ForEachStatementSyntax forEach && forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                || (node is UsingStatementSyntax usingStatement && usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                || (node is LocalDeclarationStatementSyntax local && local.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)))
            {
                return true;
            }
        }

        return false;
    }
}
