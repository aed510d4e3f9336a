using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Answers "is this code running as part of an async function?". The innermost enclosing function decides:
/// a synchronous lambda or local function inside an async method is not async context, because it runs
/// wherever its caller runs it.
/// </summary>
public static class AsyncContext
{
    // Whether top-level statements contain an await is asked once per call site; scan each compilation unit only once.
    private static readonly ConditionalWeakTable<CompilationUnitSyntax, StrongBox<bool>> TopLevelAwait = new();

    /// <summary>The innermost function-like node (method, local function, lambda, accessor, ...) around <paramref name="node"/>.</summary>
    public static SyntaxNode? EnclosingFunction(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case BaseMethodDeclarationSyntax:
                case AccessorDeclarationSyntax:
                case ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax or IndexerDeclarationSyntax }:
                    return current;
                case CompilationUnitSyntax:
                    return current; // top-level statements
                case FieldDeclarationSyntax:
                case EventFieldDeclarationSyntax:
                case AttributeSyntax:
                case ParameterSyntax:
                    return null;
            }
        }

        return null;
    }

    public static bool IsAsyncFunction(SyntaxNode? function) => function switch
    {
        AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
        MethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
        // Top-level statements that contain an await compile to an async Main.
        CompilationUnitSyntax unit => TopLevelAwait.GetValue(unit, static u => new StrongBox<bool>(ContainsTopLevelAwait(u))).Value,
        _ => false,
    };

    /// <summary>True when the innermost enclosing function of <paramref name="node"/> is async.</summary>
    public static bool IsInAsyncContext(SyntaxNode node) => IsAsyncFunction(EnclosingFunction(node));

    /// <summary>True for code that runs once at process start: a <c>Main</c> method or top-level statements.</summary>
    public static bool IsInEntryPoint(SyntaxNode node, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        var function = EnclosingFunction(node);
        if (function is CompilationUnitSyntax)
        {
            return true;
        }

        if (function is MethodDeclarationSyntax method && method.Identifier.ValueText == "Main"
            && method.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            var symbol = model.GetDeclaredSymbol(method, cancellationToken);
            return symbol is not null && (symbol.ReturnsVoid || symbol.ReturnType.SpecialType == SpecialType.System_Int32
                || symbol.ReturnType.Name == "Task");
        }

        return false;
    }

    private static bool ContainsTopLevelAwait(CompilationUnitSyntax unit)
    {
        foreach (var member in unit.Members)
        {
            if (member is not GlobalStatementSyntax global)
            {
                continue;
            }

            foreach (var node in global.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax))
            {
                if (node is AwaitExpressionSyntax
                    || (node is ForEachStatementSyntax forEach && forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                    || (node is UsingStatementSyntax usingStatement && usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                    || (node is LocalDeclarationStatementSyntax local && local.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
