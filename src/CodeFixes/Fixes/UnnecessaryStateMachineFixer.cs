using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG3003 fix: removes <c>async</c>, turns <c>return await x;</c> and a final <c>await x;</c> into <c>return x;</c> and
/// <c>=&gt; await x</c> into <c>=&gt; x</c>, dropping a <c>.ConfigureAwait(...)</c> that no longer has a continuation to configure.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnnecessaryStateMachineFixer))]
[Shared]
public sealed class UnnecessaryStateMachineFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.UnnecessaryStateMachine);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var function = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            if (function is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax) || UnnecessaryStateMachineAnalyzer.TailAwait(function) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Return the task without async/await",
                    ct => ApplyAsync(context.Document, function.Span, ct),
                    FixKeys.For(RuleIds.UnnecessaryStateMachine)),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var function = root?.FindNode(span);
        if (root is null || model is null || function is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax)
            || UnnecessaryStateMachineAnalyzer.TailAwait(function) is not { } tail)
        {
            return document;
        }

        var task = UnnecessaryStateMachineAnalyzer.AwaitedTask(tail, model, cancellationToken).WithoutTrivia();
        SyntaxNode updated = tail.Parent switch
        {
            ReturnStatementSyntax returnStatement => function.ReplaceNode(returnStatement, returnStatement.WithExpression(task)),
            ExpressionStatementSyntax statement => function.ReplaceNode(
                statement,
                SyntaxFactory.ReturnStatement(task).WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(statement.GetTrailingTrivia())),
            _ => function.ReplaceNode(tail, task.WithTriviaFrom(tail)),
        };

        updated = updated switch
        {
            MethodDeclarationSyntax method => method.WithModifiers(RemoveAsync(method.Modifiers, out var leading)).WithReturnType(PrependTrivia(method.ReturnType, method.Modifiers, leading)),
            LocalFunctionStatementSyntax local => local.WithModifiers(RemoveAsync(local.Modifiers, out var leading)).WithReturnType(PrependTrivia(local.ReturnType, local.Modifiers, leading)),
            _ => updated,
        };

        return document.WithSyntaxRoot(root.ReplaceNode(function, updated));
    }

    private static SyntaxTokenList RemoveAsync(SyntaxTokenList modifiers, out SyntaxTriviaList movedTrivia)
    {
        var index = modifiers.IndexOf(SyntaxKind.AsyncKeyword);
        movedTrivia = default;
        if (index < 0)
        {
            return modifiers;
        }

        var asyncKeyword = modifiers[index];
        var result = modifiers.RemoveAt(index);
        if (index == 0)
        {
            if (result.Count > 0)
            {
                result = result.Replace(result[0], result[0].WithLeadingTrivia(asyncKeyword.LeadingTrivia));
            }
            else
            {
                movedTrivia = asyncKeyword.LeadingTrivia; // the return type becomes the first token
            }
        }

        return result;
    }

    private static TypeSyntax PrependTrivia(TypeSyntax returnType, SyntaxTokenList originalModifiers, SyntaxTriviaList trivia)
        => originalModifiers.Count == 1 && trivia.Count > 0 ? returnType.WithLeadingTrivia(trivia) : returnType;
}
