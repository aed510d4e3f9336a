using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>Shapes of loops shared by the hot-loop rules (TG2001, TG2002) and their fixes.</summary>
public static class LoopSyntax
{
    public static bool IsLoop(SyntaxNode node)
        => node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax;

    /// <summary>Lambdas and local functions: code inside them runs when they are called, not as part of the loop.</summary>
    public static bool IsFunctionBoundary(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    /// <summary>The keyword the rules report on: <c>while</c>, <c>do</c>, <c>for</c> or <c>foreach</c>.</summary>
    public static SyntaxToken Keyword(StatementSyntax loop) => loop switch
    {
        WhileStatementSyntax whileLoop => whileLoop.WhileKeyword,
        DoStatementSyntax doLoop => doLoop.DoKeyword,
        ForStatementSyntax forLoop => forLoop.ForKeyword,
        CommonForEachStatementSyntax forEach => forEach.ForEachKeyword,
        _ => loop.GetFirstToken(),
    };

    public static StatementSyntax? Body(SyntaxNode loop) => loop switch
    {
        WhileStatementSyntax whileLoop => whileLoop.Statement,
        DoStatementSyntax doLoop => doLoop.Statement,
        ForStatementSyntax forLoop => forLoop.Statement,
        CommonForEachStatementSyntax forEach => forEach.Statement,
        _ => null,
    };

    /// <summary>The condition of a <c>while</c>, <c>do</c> or <c>for</c> loop; null for <c>for (;;)</c> and <c>foreach</c>.</summary>
    public static ExpressionSyntax? Condition(SyntaxNode loop) => loop switch
    {
        WhileStatementSyntax whileLoop => whileLoop.Condition,
        DoStatementSyntax doLoop => doLoop.Condition,
        ForStatementSyntax forLoop => forLoop.Condition,
        _ => null,
    };

    /// <summary>Descendants of <paramref name="node"/> that run as part of it: lambdas and local functions are not entered.</summary>
    public static IEnumerable<SyntaxNode> DescendantsInSameFunction(SyntaxNode node)
        => node.DescendantNodes(n => n == node || !IsFunctionBoundary(n));

    /// <summary>
    /// True when the iterations of <paramref name="loop"/> can give the thread back: an <c>await</c> in its condition, body or
    /// incrementors, <c>await foreach</c>, <c>await using</c>, or a <c>yield return</c> (an async iterator hands control to its
    /// consumer). An await in the parts evaluated once, before the first iteration (the collection of a <c>foreach</c>, the
    /// initializers of a <c>for</c>), does not count: <c>foreach (var x in await LoadAsync())</c> never yields while it iterates.
    /// </summary>
    public static bool ContainsSuspension(SyntaxNode loop)
    {
        if (IsSuspension(loop))
        {
            return true;
        }

        var once = loop switch
        {
            CommonForEachStatementSyntax forEach => forEach.Expression.Span,
            ForStatementSyntax { Declaration: { } declaration } => declaration.Span,
            ForStatementSyntax { Initializers.Count: > 0 } forLoop => forLoop.Initializers.Span,
            _ => default(Microsoft.CodeAnalysis.Text.TextSpan?),
        };
        return DescendantsInSameFunction(loop).Any(n => IsSuspension(n) && !(once is { } span && span.Contains(n.Span)));
    }

    /// <summary>Loops directly nested in <paramref name="loop"/>'s body (not inside a further loop, lambda or local function).</summary>
    public static IEnumerable<StatementSyntax> DirectChildLoops(SyntaxNode loop)
    {
        var body = Body(loop);
        if (body is null)
        {
            return Enumerable.Empty<StatementSyntax>();
        }

        return body.DescendantNodesAndSelf(n => n == body || (!IsLoop(n) && !IsFunctionBoundary(n)))
            .Where(IsLoop)
            .Cast<StatementSyntax>();
    }

    private static bool IsSuspension(SyntaxNode node) => node switch
    {
        AwaitExpressionSyntax => true,
        CommonForEachStatementSyntax forEach => forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        UsingStatementSyntax usingStatement => usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        LocalDeclarationStatementSyntax local => local.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        YieldStatementSyntax yieldStatement => yieldStatement.IsKind(SyntaxKind.YieldReturnStatement),
        _ => false,
    };
}
