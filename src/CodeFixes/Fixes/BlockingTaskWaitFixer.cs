using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Formatting;
using TailGuard.Analyzers;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG1001 fixes. In async context: "Await the task" — <c>t.Result</c> → <c>(await t)</c> (parentheses only where needed),
/// <c>t.Wait()</c> → <c>await t</c>, <c>t.Wait(ct)</c> → <c>await t.WaitAsync(ct)</c>, <c>x.GetAwaiter().GetResult()</c> → <c>await x</c>,
/// <c>Task.WaitAll(...)</c> → <c>await Task.WhenAll(...)</c>, and <c>Task.WaitAny(...)</c> → <c>await Task.WhenAny(...)</c> only as a
/// statement (its index result has no drop-in equivalent).
/// Outside async context: "Make the method async and await", only where no caller can notice the change of signature: a method or
/// local function that already returns Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt; without <c>async</c>; its returns become
/// <c>return v;</c> (from <c>Task.FromResult(v)</c>), <c>return;</c> (from <c>Task.CompletedTask</c>) or <c>return await x;</c>.
/// Void- or value-returning methods are not offered the fix: their callers would have to change too.
/// No fix is offered where <c>await</c> is illegal or wrong: inside <c>lock</c>, a catch filter, a query, unsafe code, after
/// <c>Monitor.Enter</c>, or while a ref struct local (e.g. a <c>Lock.Scope</c>) is alive.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingTaskWaitFixer))]
[Shared]
public sealed class BlockingTaskWaitFixer : CodeFixProvider
{
    private static readonly string AwaitKey = FixKeys.For(RuleIds.BlockingTaskWait, "Await");
    private static readonly string MakeAsyncKey = FixKeys.For(RuleIds.BlockingTaskWait, "MakeAsync");

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.BlockingTaskWait);

    public override FixAllProvider GetFixAllProvider()
        => FixAllProvider.Create(async (context, document, diagnostics) =>
            await ApplyAsync(document, diagnostics, context.CodeActionEquivalenceKey == MakeAsyncKey, context.CancellationToken).ConfigureAwait(false));

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
            var plan = Plan(root, model, diagnostic, context.CancellationToken);
            if (plan is null)
            {
                continue;
            }

            var makeAsync = plan.Value.Function is not null;
            context.RegisterCodeFix(
                CodeAction.Create(
                    makeAsync ? "Make the method async and await" : "Await the task",
                    ct => ApplyAsync(context.Document, ImmutableArray.Create(diagnostic), makeAsync, ct),
                    makeAsync ? MakeAsyncKey : AwaitKey),
                diagnostic);
        }
    }

    /// <summary>What to do for one diagnostic: the node to replace, its replacement, and the function to make async (if any).</summary>
    private readonly struct FixPlan
    {
        public FixPlan(ExpressionSyntax node, ExpressionSyntax awaited, SyntaxNode? function)
        {
            Node = node;
            Awaited = awaited;
            Function = function;
        }

        public ExpressionSyntax Node { get; }

        /// <summary>The expression to await (from the original tree; the editor re-reads it from the current tree).</summary>
        public ExpressionSyntax Awaited { get; }

        public SyntaxNode? Function { get; }
    }

    private static async Task<Document> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, bool makeAsync, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var editor = new SyntaxEditor(root, document.Project.Solution.Workspace.Services);
        var functions = new List<SyntaxNode>();
        foreach (var diagnostic in diagnostics.OrderByDescending(d => d.Location.SourceSpan.Start))
        {
            if (Plan(root, model, diagnostic, cancellationToken) is not { } plan || (plan.Function is not null) != makeAsync)
            {
                continue;
            }

            var awaitedPath = RelativePath(plan.Node, plan.Awaited);
            editor.ReplaceNode(plan.Node, (current, _) => BuildAwait(current, awaitedPath));
            if (plan.Function is not null && !functions.Contains(plan.Function))
            {
                functions.Add(plan.Function);
            }
        }

        foreach (var function in functions)
        {
            MakeAsync(editor, model, function, cancellationToken);
        }

        return document.WithSyntaxRoot(Flatten(editor.GetChangedRoot()));
    }

    /// <summary>Marks a block made from one statement (<c>await x; return;</c>) to be spliced into its parent block when it has one.</summary>
    private static readonly SyntaxAnnotation FlattenAnnotation = new("TailGuard.FlattenBlock");

    private static SyntaxNode Flatten(SyntaxNode root)
    {
        while (root.GetAnnotatedNodes(FlattenAnnotation).OfType<BlockSyntax>().FirstOrDefault(b => b.Parent is BlockSyntax) is { } block)
        {
            var statements = block.Statements.ToList();
            statements[0] = statements[0].WithLeadingTrivia(block.GetLeadingTrivia());
            statements[statements.Count - 1] = statements[statements.Count - 1].WithTrailingTrivia(block.GetTrailingTrivia());
            root = root.ReplaceNode(block, statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)));
        }

        return root;
    }

    private static FixPlan? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax found)
        {
            return null;
        }

        var node = found.AncestorsAndSelf().OfType<ExpressionSyntax>().FirstOrDefault(e => e.Span == diagnostic.Location.SourceSpan);
        if (node is null || !diagnostic.Properties.TryGetValue(BlockingTaskWaitAnalyzer.ShapeProperty, out var shape)
            || Awaited(node, shape, model, cancellationToken) is not { } awaited
            || !AwaitIsAllowedAt(node, model, cancellationToken))
        {
            return null;
        }

        var function = AsyncContext.EnclosingFunction(node);
        if (AsyncContext.IsAsyncFunction(function))
        {
            return new FixPlan(node, awaited, null);
        }

        return function is not null && CanMakeAsync(function, model, cancellationToken) ? new FixPlan(node, awaited, function) : null;
    }

    /// <summary>
    /// The expression that replaces the blocking call, before <c>await</c> is put in front of it, or null when no faithful rewrite exists.
    /// </summary>
    private static ExpressionSyntax? Awaited(ExpressionSyntax node, string? shape, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (shape)
        {
            case nameof(BlockingTaskWaitShape.Result) when node is MemberAccessExpressionSyntax result:
                return result.Expression;

            case nameof(BlockingTaskWaitShape.GetResult)
                when node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: InvocationExpressionSyntax getAwaiter } }
                    && getAwaiter.ArgumentList.Arguments.Count == 0
                    && getAwaiter.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } awaiterAccess:
                return awaiterAccess.Expression;

            case nameof(BlockingTaskWaitShape.Wait)
                when node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax wait } invocation
                    && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method && method.ReturnsVoid:
                if (method.Parameters.Length == 0)
                {
                    return wait.Expression;
                }

                // t.Wait(ct) -> await t.WaitAsync(ct): same cancellation, without the parked thread.
                return method.Parameters.Length == 1 && method.Parameters[0].Type.Name == "CancellationToken"
                    ? invocation.WithExpression(wait.WithName(IdentifierName("WaitAsync")))
                    : null;

            case nameof(BlockingTaskWaitShape.WaitAll) or nameof(BlockingTaskWaitShape.WaitAny)
                when node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax whenAccess } invocation
                    && invocation.Parent is ExpressionStatementSyntax
                    && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method
                    && method.Parameters.All(p => p.Type.SpecialType != SpecialType.System_Int32 && p.Type.Name is not ("TimeSpan" or "CancellationToken")):
                var name = shape == nameof(BlockingTaskWaitShape.WaitAll) ? "WhenAll" : "WhenAny";
                return invocation.WithExpression(whenAccess.WithName(IdentifierName(name).WithTriviaFrom(whenAccess.Name)));

            default:
                return null;
        }
    }

    private static ExpressionSyntax BuildAwait(SyntaxNode current, (bool FromNode, int[] Path) awaitedPath)
    {
        var awaited = Resolve(current, awaitedPath).WithoutTrivia();
        ExpressionSyntax replacement = AwaitExpression(awaited);
        if (NeedsParentheses(current))
        {
            replacement = ParenthesizedExpression(replacement);
        }

        return replacement.WithTriviaFrom(current);
    }

    /// <summary>
    /// The awaited expression is either a sub-node of the blocking call (<c>t</c> in <c>t.Result</c>) or a rewritten call
    /// (<c>Task.WhenAll(...)</c>); it is found again in the current tree by its child-index path, so nested fixes compose.
    /// </summary>
    private static (bool FromNode, int[] Path) RelativePath(SyntaxNode node, ExpressionSyntax awaited)
    {
        if (!node.Span.Contains(awaited.Span) || !awaited.AncestorsAndSelf().Contains(node))
        {
            return (false, new[] { -1 });
        }

        var path = new List<int>();
        for (SyntaxNode current = awaited; current != node; current = current.Parent!)
        {
            path.Insert(0, IndexInParent(current));
        }

        return (true, path.ToArray());
    }

    private static int IndexInParent(SyntaxNode node)
    {
        var index = 0;
        foreach (var child in node.Parent!.ChildNodes())
        {
            if (child == node)
            {
                return index;
            }

            index++;
        }

        return -1;
    }

    private static ExpressionSyntax Resolve(SyntaxNode current, (bool FromNode, int[] Path) awaitedPath)
    {
        if (!awaitedPath.FromNode)
        {
            // Rewritten calls (WhenAll, WhenAny, WaitAsync) replace the whole node: rename the method on the current node.
            var invocation = (InvocationExpressionSyntax)current;
            var access = (MemberAccessExpressionSyntax)invocation.Expression;
            var name = access.Name.Identifier.ValueText switch
            {
                "WaitAll" => "WhenAll",
                "WaitAny" => "WhenAny",
                _ => "WaitAsync",
            };
            return invocation.WithExpression(access.WithName(IdentifierName(name).WithTriviaFrom(access.Name)));
        }

        var node = current;
        foreach (var index in awaitedPath.Path)
        {
            node = node.ChildNodes().ElementAt(index);
        }

        return (ExpressionSyntax)node;
    }

    private static bool NeedsParentheses(SyntaxNode node) => node.Parent switch
    {
        MemberAccessExpressionSyntax access => access.Expression == node,
        ConditionalAccessExpressionSyntax access => access.Expression == node,
        ElementAccessExpressionSyntax access => access.Expression == node,
        InvocationExpressionSyntax invocation => invocation.Expression == node,
        PostfixUnaryExpressionSyntax => true,
        SwitchExpressionSyntax switchExpression => switchExpression.GoverningExpression == node,
        WithExpressionSyntax with => with.Expression == node,
        _ => false,
    };

    /// <summary>Places where <c>await</c> is illegal, or legal but wrong (a monitor released on another thread).</summary>
    private static bool AwaitIsAllowedAt(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = AsyncContext.EnclosingFunction(node);
        for (var current = node.Parent; current is not null && current != function; current = current.Parent)
        {
            if (current is LockStatementSyntax or CatchFilterClauseSyntax or QueryExpressionSyntax or UnsafeStatementSyntax
                or FixedStatementSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return false;
            }

            if (current is UsingStatementSyntax { Expression: { } resource }
                && model.GetTypeInfo(resource, cancellationToken).Type is { IsRefLikeType: true })
            {
                return false;
            }

            if (current is BlockSyntax block && HasRefLikeLocalOrMonitorEnterBefore(block, node, model, cancellationToken))
            {
                return false;
            }
        }

        return function switch
        {
            BaseMethodDeclarationSyntax method => !method.Modifiers.Any(SyntaxKind.UnsafeKeyword) && !IsInUnsafeType(method),
            LocalFunctionStatementSyntax local => !local.Modifiers.Any(SyntaxKind.UnsafeKeyword) && !IsInUnsafeType(local),
            AnonymousFunctionExpressionSyntax lambda => !IsInUnsafeType(lambda),
            _ => false,
        };
    }

    private static bool IsInUnsafeType(SyntaxNode node)
        => node.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => t.Modifiers.Any(SyntaxKind.UnsafeKeyword))
            || node.Ancestors().OfType<BaseMethodDeclarationSyntax>().Any(m => m.Modifiers.Any(SyntaxKind.UnsafeKeyword));

    private static bool HasRefLikeLocalOrMonitorEnterBefore(BlockSyntax block, SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var statement in block.Statements)
        {
            if (statement.SpanStart >= node.SpanStart)
            {
                break;
            }

            foreach (var descendant in statement.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax))
            {
                if (descendant is VariableDeclaratorSyntax declarator
                    && model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol { } local
                    && (local.Type.IsRefLikeType || local.IsRef))
                {
                    return true;
                }

                if (descendant is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Enter" or "TryEnter" } } enter
                    && model.GetSymbolInfo(enter, cancellationToken).Symbol is IMethodSymbol { ContainingType.Name: "Monitor" or "SpinLock" })
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// "Make async" is safe only when callers cannot tell: the function already returns Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;,
    /// has a body, and nothing in its signature or body is illegal in an async function.
    /// </summary>
    private static bool CanMakeAsync(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
    {
        SyntaxTokenList modifiers;
        SyntaxNode? body;
        switch (function)
        {
            case MethodDeclarationSyntax method:
                modifiers = method.Modifiers;
                body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
                break;
            case LocalFunctionStatementSyntax local:
                modifiers = local.Modifiers;
                body = (SyntaxNode?)local.Body ?? local.ExpressionBody;
                break;
            default:
                return false;
        }

        if (body is null || modifiers.Any(SyntaxKind.UnsafeKeyword) || modifiers.Any(SyntaxKind.AsyncKeyword)
            || model.GetDeclaredSymbol(function, cancellationToken) is not IMethodSymbol symbol
            || ReturnKind(symbol.ReturnType) == TaskReturn.None
            || symbol.ReturnsByRef || symbol.ReturnsByRefReadonly
            || symbol.Parameters.Any(p => p.RefKind != RefKind.None || p.Type.IsRefLikeType || p.Type is IPointerTypeSymbol))
        {
            return false;
        }

        foreach (var node in body.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax))
        {
            if (node is YieldStatementSyntax or UnsafeStatementSyntax or FixedStatementSyntax or StackAllocArrayCreationExpressionSyntax
                or RefExpressionSyntax or RefTypeSyntax)
            {
                return false;
            }

            // A span (or other ref struct) local may not live across an await.
            if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                && model.GetDeclaredSymbol(node, cancellationToken) is ILocalSymbol { Type.IsRefLikeType: true })
            {
                return false;
            }
        }

        return true;
    }

    private enum TaskReturn
    {
        None,
        Void,
        Value,
    }

    private static TaskReturn ReturnKind(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { ContainingNamespace: { } ns } named || ns.ToDisplayString() != "System.Threading.Tasks")
        {
            return TaskReturn.None;
        }

        return named.Name switch
        {
            "Task" or "ValueTask" => named.Arity == 0 ? TaskReturn.Void : TaskReturn.Value,
            _ => TaskReturn.None,
        };
    }

    private static void MakeAsync(SyntaxEditor editor, SemanticModel model, SyntaxNode function, CancellationToken cancellationToken)
    {
        if (model.GetDeclaredSymbol(function, cancellationToken) is not IMethodSymbol symbol)
        {
            return;
        }

        var kind = ReturnKind(symbol.ReturnType);
        var body = function switch
        {
            MethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody,
            LocalFunctionStatementSyntax local => (SyntaxNode?)local.Body ?? local.ExpressionBody,
            _ => null,
        };
        if (body is ArrowExpressionClauseSyntax arrow)
        {
            RewriteReturnedExpression(editor, model, arrow.Expression, kind, cancellationToken);
        }
        else if (body is BlockSyntax block)
        {
            foreach (var statement in block.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax)
                .OfType<ReturnStatementSyntax>())
            {
                RewriteReturn(editor, model, block, statement, kind, cancellationToken);
            }
        }

        editor.ReplaceNode(function, (current, _) => current switch
        {
            MethodDeclarationSyntax method => method.WithModifiers(AddAsync(method.Modifiers, method.ReturnType)).WithReturnType(method.ReturnType.WithoutLeadingTrivia()),
            LocalFunctionStatementSyntax local => local.WithModifiers(AddAsync(local.Modifiers, local.ReturnType)).WithReturnType(local.ReturnType.WithoutLeadingTrivia()),
            _ => current,
        });
    }

    private static SyntaxTokenList AddAsync(SyntaxTokenList modifiers, TypeSyntax returnType)
    {
        // The async keyword goes last among the modifiers; when there are none it takes the return type's leading trivia.
        var asyncToken = modifiers.Count == 0
            ? Token(returnType.GetLeadingTrivia(), SyntaxKind.AsyncKeyword, TriviaList(Space))
            : Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space);
        return modifiers.Add(asyncToken);
    }

    private static void RewriteReturn(SyntaxEditor editor, SemanticModel model, BlockSyntax body, ReturnStatementSyntax statement, TaskReturn kind, CancellationToken cancellationToken)
    {
        if (statement.Expression is not { } expression)
        {
            return;
        }

        if (kind == TaskReturn.Value)
        {
            RewriteReturnedExpression(editor, model, expression, kind, cancellationToken);
            return;
        }

        // Task / ValueTask: `return Task.CompletedTask;` -> `return;` (dropped when last); `return x;` -> `await x; return;`.
        var isLast = statement.Parent == body && body.Statements.Last() == statement;
        if (IsCompletedTask(expression, model, cancellationToken))
        {
            if (isLast)
            {
                var keepComments = statement.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia));
                editor.RemoveNode(statement, keepComments ? SyntaxRemoveOptions.KeepLeadingTrivia : SyntaxRemoveOptions.KeepNoTrivia);
            }
            else
            {
                editor.ReplaceNode(statement, (current, _) => ((ReturnStatementSyntax)current).WithExpression(null)
                    .WithReturnKeyword(((ReturnStatementSyntax)current).ReturnKeyword.WithTrailingTrivia()));
            }

            return;
        }

        editor.ReplaceNode(statement, (current, _) =>
        {
            var currentReturn = (ReturnStatementSyntax)current;
            var awaitStatement = ExpressionStatement(AwaitExpression(currentReturn.Expression!.WithoutTrivia()));
            if (isLast)
            {
                return awaitStatement.WithTriviaFrom(currentReturn);
            }

            return Block(awaitStatement, ReturnStatement()).WithTriviaFrom(currentReturn).WithAdditionalAnnotations(FlattenAnnotation);
        });
    }

    private static void RewriteReturnedExpression(SyntaxEditor editor, SemanticModel model, ExpressionSyntax expression, TaskReturn kind, CancellationToken cancellationToken)
    {
        if (kind == TaskReturn.Value && CompletedValue(expression, model, cancellationToken) is { } valueIndex)
        {
            // Task.FromResult(v) -> v
            editor.ReplaceNode(expression, (current, _) => ArgumentAt(current, valueIndex).WithTriviaFrom(current));
            return;
        }

        editor.ReplaceNode(expression, (current, _) => AwaitExpression(((ExpressionSyntax)current).WithoutTrivia()).WithTriviaFrom(current));
    }

    private static ExpressionSyntax ArgumentAt(SyntaxNode current, int index) => current switch
    {
        InvocationExpressionSyntax invocation => invocation.ArgumentList.Arguments[index].Expression,
        ObjectCreationExpressionSyntax creation => creation.ArgumentList!.Arguments[index].Expression,
        ImplicitObjectCreationExpressionSyntax creation => creation.ArgumentList.Arguments[index].Expression,
        _ => (ExpressionSyntax)current,
    };

    /// <summary><c>Task.FromResult(v)</c>, <c>ValueTask.FromResult(v)</c>, <c>new ValueTask&lt;T&gt;(v)</c>: the index of <c>v</c>.</summary>
    private static int? CompletedValue(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        var symbol = model.GetSymbolInfo(expression, cancellationToken).Symbol as IMethodSymbol;
        if (symbol is null || symbol.Parameters.Length != 1 || ReturnKind(symbol.ContainingType) == TaskReturn.None)
        {
            return null;
        }

        var isFromResult = symbol is { IsStatic: true, Name: "FromResult" };
        var isValueConstructor = symbol.MethodKind == MethodKind.Constructor && symbol.ContainingType.Name == "ValueTask"
            && ReturnKind(symbol.Parameters[0].Type) == TaskReturn.None && symbol.Parameters[0].Type.Name != "IValueTaskSource";
        return isFromResult || isValueConstructor ? 0 : null;
    }

    private static bool IsCompletedTask(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
        => expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } && model.GetTypeInfo(expression, cancellationToken).ConvertedType?.Name == "ValueTask"
            || model.GetSymbolInfo(expression, cancellationToken).Symbol is IPropertySymbol { IsStatic: true, Name: "CompletedTask" } property
                && ReturnKind(property.ContainingType) != TaskReturn.None;
}
