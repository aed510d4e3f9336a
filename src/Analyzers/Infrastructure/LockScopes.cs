using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Answers "may this code hold a lock?" for code fixes that would insert an <c>await</c>: an await is illegal in a <c>lock</c>
/// body, cannot cross a <c>Lock.Scope</c> (a ref struct), and resumes on another thread that then calls <c>Monitor.Exit</c>
/// on a lock it does not own. Conservative: a <c>Monitor.Enter</c>/<c>Lock.Enter</c> anywhere before the node in an enclosing
/// block of the same function counts, even when a matching Exit also comes before it.
/// </summary>
public static class LockScopes
{
    public static bool MayHoldLock(SyntaxNode node, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        SyntaxNode child = node;
        for (var current = node.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case BaseMethodDeclarationSyntax:
                case AccessorDeclarationSyntax:
                case CompilationUnitSyntax:
                    return false;
                case LockStatementSyntax lockStatement when lockStatement.Statement == child:
                    return true;
                case UsingStatementSyntax usingStatement when usingStatement.Statement == child
                    && EntersLock((SyntaxNode?)usingStatement.Expression ?? usingStatement.Declaration, model, cancellationToken):
                    return true;
                case BlockSyntax block when PrecedingStatementEntersLock(block.Statements, child, model, cancellationToken):
                    return true;
                case SwitchSectionSyntax section when PrecedingStatementEntersLock(section.Statements, child, model, cancellationToken):
                    return true;
            }
        }

        return false;
    }

    private static bool PrecedingStatementEntersLock(SyntaxList<StatementSyntax> statements, SyntaxNode child, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            if (statement == child)
            {
                return false;
            }

            if (EntersLock(statement, model, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A call to <c>Monitor.Enter/TryEnter</c>, <c>Lock.Enter/TryEnter/EnterScope</c> in <paramref name="node"/>, outside nested functions.</summary>
    private static bool EntersLock(SyntaxNode? node, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        if (node is null)
        {
            return false;
        }

        foreach (var descendant in node.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (descendant is not InvocationExpressionSyntax invocation)
            {
                continue;
            }

            var name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax memberAccess => memberAccess.Name.Identifier.ValueText,
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                _ => null,
            };
            if (name is not ("Enter" or "TryEnter" or "EnterScope"))
            {
                continue;
            }

            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method
                && method.ContainingType is { ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } } type
                && type.Name is "Monitor" or "Lock")
            {
                return true;
            }
        }

        return false;
    }
}
