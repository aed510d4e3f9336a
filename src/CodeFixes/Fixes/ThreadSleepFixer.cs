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
using Microsoft.CodeAnalysis.Editing;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG1002: <c>Thread.Sleep(x)</c> → <c>await Task.Delay(x, ct)</c>, passing the CancellationToken parameter in scope if there is one;
/// <c>Thread.Sleep(0)</c> (a yield of the time slice) → <c>await Task.Yield()</c>. Not offered where await is illegal (inside a lock).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ThreadSleepFixer))]
[Shared]
public sealed class ThreadSleepFixer : CodeFixProvider
{
    private static readonly string EquivalenceKey = FixKeys.For(RuleIds.ThreadSleepInAsyncContext);

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ThreadSleepInAsyncContext);

    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) => await FixDocumentAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Plan(root, model, diagnostic, context.CancellationToken) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Await Task.Delay",
                    ct => FixDocumentAsync(context.Document, ImmutableArray.Create(diagnostic), ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private sealed class Replacement
    {
        public Replacement(InvocationExpressionSyntax invocation, string? token, bool yield)
        {
            Invocation = invocation;
            Token = token;
            Yield = yield;
        }

        public InvocationExpressionSyntax Invocation { get; }

        public string? Token { get; }

        public bool Yield { get; }
    }

    private static Replacement? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || invocation.ArgumentList.Arguments.Count != 1
            || !AwaitInsertion.CanAwaitAt(invocation, model, cancellationToken)
            // A task-returning method without async, or a synchronous delegate handed to an async method: an await there does not
            // compile, and making the function async means rewriting its returns; no fix is offered.
            || !AsyncContext.IsInAsyncContext(invocation))
        {
            return null;
        }

        var argument = invocation.ArgumentList.Arguments[0].Expression;
        var constant = model.GetConstantValue(argument, cancellationToken);
        var yield = constant.HasValue && constant.Value is int milliseconds && milliseconds == 0;
        var token = yield ? null : AwaitInsertion.FindCancellationToken(invocation, model, cancellationToken);
        return new Replacement(invocation, token, yield);
    }

    private static async Task<Document> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var plans = diagnostics.Select(d => Plan(root, model, d, cancellationToken)).Where(p => p is not null).Select(p => p!).ToList();
        if (plans.Count == 0)
        {
            return document;
        }

        var task = TaskTypeName.For(model, plans[0].Invocation.SpanStart);
        var editor = new SyntaxEditor(root, document.Project.Solution.Workspace.Services);
        foreach (var plan in plans)
        {
            editor.ReplaceNode(plan.Invocation, (current, _) =>
            {
                var sleep = (InvocationExpressionSyntax)current;
                ExpressionSyntax call;
                if (plan.Yield)
                {
                    call = SyntaxFactory.InvocationExpression(
                        SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, task.Syntax, SyntaxFactory.IdentifierName("Yield")));
                }
                else
                {
                    var delayArgument = SyntaxFactory.Argument(sleep.ArgumentList.Arguments[0].Expression.WithoutTrivia());
                    var arguments = SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(delayArgument));
                    if (plan.Token is not null)
                    {
                        arguments = AwaitInsertion.Append(arguments, SyntaxFactory.Argument(AwaitInsertion.Identifier(plan.Token)));
                    }

                    call = SyntaxFactory.InvocationExpression(
                        SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, task.Syntax, SyntaxFactory.IdentifierName("Delay")),
                        arguments);
                }

                return AwaitInsertion.Await(call, plan.Invocation);
            });
        }

        var newRoot = editor.GetChangedRoot();
        if (task.NeedsUsing && newRoot is CompilationUnitSyntax unit)
        {
            newRoot = TaskTypeName.AddUsing(unit);
        }

        return document.WithSyntaxRoot(newRoot);
    }
}
