using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.CodeFixes;

/// <summary>What the fixes that turn a blocking call into an <c>await</c> need: where await is legal, which token to pass, how to parenthesize.</summary>
internal static class AwaitInsertion
{
    /// <summary>
    /// False where an <c>await</c> would not compile or would be wrong: inside a <c>lock</c>, an unsafe context, a query clause, a catch
    /// filter, a conditional access (<c>s?.Flush()</c> would await null), or after a <c>Monitor.Enter</c> or <c>Lock.EnterScope</c>
    /// in the same function (the lock is thread-affine and a <c>Lock.Scope</c> cannot live across an await).
    /// </summary>
    public static bool CanAwaitAt(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        if (invocation.Parent is ConditionalAccessExpressionSyntax || invocation.Expression is MemberBindingExpressionSyntax)
        {
            return false;
        }

        SyntaxNode? function = null;
        for (var node = invocation.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case LockStatementSyntax or UnsafeStatementSyntax or QueryExpressionSyntax or CatchFilterClauseSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax
                    or CompilationUnitSyntax:
                    function = node;
                    break;
            }

            if (function is not null)
            {
                break;
            }
        }

        if (function is MemberDeclarationSyntax member && member.Modifiers.Any(SyntaxKind.UnsafeKeyword))
        {
            return false;
        }

        return function is null || !EntersThreadAffineLockBefore(function, invocation, model, cancellationToken);
    }

    private static bool EntersThreadAffineLockBefore(SyntaxNode function, InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var candidate in function.DescendantNodes())
        {
            if (candidate.SpanStart >= invocation.SpanStart)
            {
                break;
            }

            if (candidate is not InvocationExpressionSyntax call)
            {
                continue;
            }

            var name = call.Expression switch
            {
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                _ => null,
            };
            if (name is not ("Enter" or "TryEnter" or "EnterScope"))
            {
                continue;
            }

            var type = (model.GetSymbolInfo(call, cancellationToken).Symbol as IMethodSymbol)?.ContainingType;
            if (type is { Name: "Monitor" or "Lock", ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A CancellationToken parameter visible at <paramref name="node"/>: of the innermost function, else of the functions around it
    /// (a non-static lambda or local function captures them).
    /// </summary>
    public static string? FindCancellationToken(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            System.Collections.Generic.IEnumerable<ParameterSyntax> parameters;
            var isStatic = false;
            switch (current)
            {
                case ParenthesizedLambdaExpressionSyntax lambda:
                    parameters = lambda.ParameterList.Parameters;
                    isStatic = lambda.Modifiers.Any(SyntaxKind.StaticKeyword);
                    break;
                case SimpleLambdaExpressionSyntax simple:
                    parameters = new[] { simple.Parameter };
                    isStatic = simple.Modifiers.Any(SyntaxKind.StaticKeyword);
                    break;
                case AnonymousMethodExpressionSyntax anonymous:
                    parameters = anonymous.ParameterList?.Parameters ?? default(SeparatedSyntaxList<ParameterSyntax>);
                    isStatic = anonymous.Modifiers.Any(SyntaxKind.StaticKeyword);
                    break;
                case LocalFunctionStatementSyntax local:
                    parameters = local.ParameterList.Parameters;
                    isStatic = local.Modifiers.Any(SyntaxKind.StaticKeyword);
                    break;
                case BaseMethodDeclarationSyntax method:
                    parameters = method.ParameterList.Parameters;
                    isStatic = true; // the outermost function: nothing further out is in scope
                    break;
                case AccessorDeclarationSyntax or TypeDeclarationSyntax or CompilationUnitSyntax:
                    return null;
                default:
                    continue;
            }

            foreach (var parameter in parameters)
            {
                if (model.GetDeclaredSymbol(parameter, cancellationToken) is { } symbol && IsCancellationToken(symbol.Type))
                {
                    return symbol.Name;
                }
            }

            if (isStatic)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>An identifier for <paramref name="name"/>, escaped with '@' when it is a keyword.</summary>
    public static IdentifierNameSyntax Identifier(string name)
        => SyntaxFactory.IdentifierName(SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name);

    private static bool IsCancellationToken(ITypeSymbol type)
        => type is { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } };

    /// <summary>
    /// <c>await <paramref name="awaited"/></c> carrying <paramref name="original"/>'s trivia, parenthesized when the original expression
    /// is the receiver of a member access, element access, invocation or postfix operator (<c>(await r.ReadToEndAsync()).Trim()</c>).
    /// </summary>
    public static ExpressionSyntax Await(ExpressionSyntax awaited, ExpressionSyntax original)
    {
        ExpressionSyntax result = SyntaxFactory.AwaitExpression(
            SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space),
            awaited.WithoutTrivia());
        if (NeedsParentheses(original))
        {
            result = SyntaxFactory.ParenthesizedExpression(result);
        }

        return result.WithTriviaFrom(original);
    }

    private static bool NeedsParentheses(ExpressionSyntax expression) => expression.Parent switch
    {
        MemberAccessExpressionSyntax access => access.Expression == expression,
        ConditionalAccessExpressionSyntax conditional => conditional.Expression == expression,
        ElementAccessExpressionSyntax element => element.Expression == expression,
        InvocationExpressionSyntax call => call.Expression == expression,
        PostfixUnaryExpressionSyntax => true,
        _ => false,
    };

    /// <summary><paramref name="list"/> with <paramref name="argument"/> appended after a ", " separator.</summary>
    public static ArgumentListSyntax Append(ArgumentListSyntax list, ArgumentSyntax argument)
    {
        var nodes = new System.Collections.Generic.List<ArgumentSyntax>(list.Arguments) { argument };
        var separators = new System.Collections.Generic.List<SyntaxToken>(list.Arguments.GetSeparators());
        if (list.Arguments.Count > 0)
        {
            separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return list.WithArguments(SyntaxFactory.SeparatedList(nodes, separators));
    }
}
