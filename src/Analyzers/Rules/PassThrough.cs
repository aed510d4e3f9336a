using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// TG3003's default: a pure pass-through, where eliding <c>async</c> changes nothing but the allocation. The tail await is the
/// function's only statement (local function declarations aside, they run only when called), and nothing it evaluates before the
/// awaited call starts can throw on its own: the awaited call's arguments hold no call, object creation or throw expression
/// (lambdas aside, they run later), as in an overload forwarding its arguments, <c>=&gt; await _next(context)</c> or
/// <c>return await SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);</c>. Anything before the await (argument
/// validation, reading a body, a blocking call) throws synchronously once <c>async</c> is gone, instead of through the task.
/// </summary>
internal static class PassThrough
{
    public static bool IsPure(SyntaxNode function, AwaitExpressionSyntax tail)
    {
        var body = function switch
        {
            MethodDeclarationSyntax method => method.Body,
            LocalFunctionStatementSyntax local => local.Body,
            _ => null,
        };

        if (body is not null)
        {
            foreach (var statement in body.Statements)
            {
                if (statement is not LocalFunctionStatementSyntax && !statement.Span.Contains(tail.Span))
                {
                    return false;
                }
            }
        }

        var call = tail.Expression;
        if (call is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner } })
        {
            call = inner;
        }

        if (call is not InvocationExpressionSyntax invocation)
        {
            return call is IdentifierNameSyntax or MemberAccessExpressionSyntax;
        }

        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            foreach (var node in argument.Expression.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax))
            {
                if (node is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or ThrowExpressionSyntax
                    && !IsNameof(node))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsNameof(SyntaxNode node)
        => node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } };
}
