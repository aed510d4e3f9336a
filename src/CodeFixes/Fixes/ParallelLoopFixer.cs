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
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG1005: <c>Parallel.ForEach(source[, options], body)</c> → <c>await Parallel.ForEachAsync(source[, options or token], (item, ct) =&gt; { body; return ValueTask.CompletedTask; })</c>,
/// and <c>Parallel.For(from, to[, options], body)</c> → <c>await Parallel.ForAsync(...)</c> the same way.
/// Offered only for a one-parameter <c>Action</c> body (no <c>ParallelLoopState</c>, no thread-local state), an
/// <c>IEnumerable&lt;T&gt;</c> source, a call whose <c>ParallelLoopResult</c> is discarded, and never where a lock may be held.
/// An <c>async</c> body (an async void lambda today) becomes an <c>async</c> ValueTask lambda that is really awaited.
/// Without <c>ParallelOptions</c>, the enclosing method's CancellationToken parameter is passed when there is one.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ParallelLoopFixer))]
[Shared]
public sealed class ParallelLoopFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ParallelLoopInAsyncContext);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

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
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
                || invocation.Expression.Span != diagnostic.Location.SourceSpan
                || model.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation operation)
            {
                continue;
            }

            var plan = Plan.Create(operation, invocation, model, context.CancellationToken);
            if (plan is null)
            {
                continue;
            }

            var asyncName = plan.AsyncMethodName;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use 'await Parallel." + asyncName + "'",
                    cancellationToken => ApplyAsync(context.Document, invocation, cancellationToken),
                    FixKeys.For(RuleIds.ParallelLoopInAsyncContext, asyncName)),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var model = editor.SemanticModel;
        if (model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
            || Plan.Create(operation, invocation, model, cancellationToken) is not { } plan)
        {
            return document;
        }

        editor.ReplaceNode(invocation, plan.Build(editor.Generator).WithTriviaFrom(invocation));
        return editor.GetChangedDocument();
    }

    /// <summary>Everything the rewrite needs, checked up front so the fix is offered only when the result compiles and means the same.</summary>
    private sealed class Plan
    {
        private readonly InvocationExpressionSyntax invocation;
        private readonly IReadOnlyList<ExpressionSyntax> leadingArguments;
        private readonly ExpressionSyntax? optionsOrToken;
        private readonly ExpressionSyntax body;
        private readonly SemanticModel model;
        private readonly INamedTypeSymbol valueTask;
        private readonly INamedTypeSymbol cancellationToken;

        private Plan(InvocationExpressionSyntax invocation, string asyncMethodName, IReadOnlyList<ExpressionSyntax> leadingArguments, ExpressionSyntax? optionsOrToken,
            ExpressionSyntax body, SemanticModel model, INamedTypeSymbol valueTask, INamedTypeSymbol cancellationToken)
        {
            this.invocation = invocation;
            AsyncMethodName = asyncMethodName;
            this.leadingArguments = leadingArguments;
            this.optionsOrToken = optionsOrToken;
            this.body = body;
            this.model = model;
            this.valueTask = valueTask;
            this.cancellationToken = cancellationToken;
        }

        public string AsyncMethodName { get; }

        public static Plan? Create(IInvocationOperation operation, InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
        {
            var method = operation.TargetMethod;
            var parallel = method.ContainingType;
            var asyncName = method.Name switch
            {
                "ForEach" => "ForEachAsync",
                "For" => "ForAsync",
                _ => null,
            };
            var valueTask = model.Compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
            var token = model.Compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            if (asyncName is null || valueTask is null || token is null || parallel.GetMembers(asyncName).IsEmpty
                || invocation.Expression is not (MemberAccessExpressionSyntax or IdentifierNameSyntax)
                || !IsResultDiscarded(invocation, model, cancellationToken)
                || !AwaitInsertion.CanAwaitAt(invocation, model, cancellationToken))
            {
                return null;
            }

            var parameters = method.Parameters;
            var arguments = new ExpressionSyntax[parameters.Length];
            foreach (var argument in operation.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Parameter is null || argument.Syntax is not ArgumentSyntax syntax)
                {
                    return null;
                }

                arguments[argument.Parameter.Ordinal] = syntax.Expression;
            }

            // ForEach(IEnumerable<T>, [ParallelOptions,] Action<T>) or For(from, to, [ParallelOptions,] Action<int or long>).
            var leadingCount = method.Name == "ForEach" ? 1 : 2;
            var bodyType = parameters[parameters.Length - 1].Type as INamedTypeSymbol;
            var hasOptions = parameters.Length == leadingCount + 2;
            if ((parameters.Length != leadingCount + 1 && !hasOptions)
                || bodyType?.OriginalDefinition.ToDisplayString() != "System.Action<T>"
                || (hasOptions && parameters[leadingCount].Type.Name != "ParallelOptions")
                || (method.Name == "ForEach" && parameters[0].Type.OriginalDefinition.SpecialType != SpecialType.System_Collections_Generic_IEnumerable_T))
            {
                return null;
            }

            var optionsOrToken = hasOptions
                ? arguments[leadingCount]
                : AwaitInsertion.FindCancellationToken(invocation, model, cancellationToken) is { } tokenName ? AwaitInsertion.Identifier(tokenName) : null;
            return new Plan(invocation, asyncName, arguments.Take(leadingCount).ToList(), optionsOrToken, arguments[arguments.Length - 1],
                model, valueTask, token);
        }

        public SyntaxNode Build(SyntaxGenerator generator)
        {
            var callee = invocation.Expression switch
            {
                MemberAccessExpressionSyntax memberAccess => (ExpressionSyntax)memberAccess.WithName(SyntaxFactory.IdentifierName(AsyncMethodName)),
                _ => SyntaxFactory.IdentifierName(AsyncMethodName),
            };
            var arguments = leadingArguments.Select(a => SyntaxFactory.Argument(a.WithoutTrivia())).ToList();
            if (optionsOrToken is not null)
            {
                arguments.Add(SyntaxFactory.Argument(optionsOrToken.WithoutTrivia()));
            }

            arguments.Add(SyntaxFactory.Argument(BuildBody(generator)));
            var call = SyntaxFactory.InvocationExpression(callee, SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments)));
            return SyntaxFactory.AwaitExpression(call).WithAdditionalAnnotations(Formatter.Annotation);
        }

        private ExpressionSyntax BuildBody(SyntaxGenerator generator)
        {
            var position = body.SpanStart;
            var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
            foreach (var token in body.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    taken.Add(token.ValueText);
                }
            }

            var tokenName = UniqueName(taken, "ct", "cancellationToken");
            var completed = (ExpressionSyntax)generator.MemberAccessExpression(generator.TypeExpression(valueTask, addImport: true), "CompletedTask");
            completed = completed.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

            if (body is AnonymousFunctionExpressionSyntax lambda && Parameters(lambda) is { Count: 1 } parameters)
            {
                var item = parameters[0];
                var tokenParameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(tokenName));
                if (item.Type is not null)
                {
                    tokenParameter = tokenParameter.WithType(((TypeSyntax)generator.TypeExpression(cancellationToken, addImport: true))
                        .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation));
                }

                var parameterList = SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(new[] { item.WithoutTrivia(), tokenParameter }));
                if (lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword))
                {
                    // An async void lambda becomes an awaited async ValueTask lambda; its body stays as it is.
                    return SyntaxFactory.ParenthesizedLambdaExpression(parameterList, lambda.Body)
                        .WithAsyncKeyword(lambda.AsyncKeyword)
                        .WithAdditionalAnnotations(Formatter.Annotation);
                }

                return SyntaxFactory.ParenthesizedLambdaExpression(parameterList, SynchronousBody(lambda.Body, completed))
                    .WithAdditionalAnnotations(Formatter.Annotation);
            }

            // A method group or a delegate value: call it with the item.
            var itemName = UniqueName(taken, "item", "element");
            var call = SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                body.WithoutTrivia(),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.IdentifierName(itemName))))));
            return SyntaxFactory.ParenthesizedLambdaExpression(
                    SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(new[]
                    {
                        SyntaxFactory.Parameter(SyntaxFactory.Identifier(itemName)),
                        SyntaxFactory.Parameter(SyntaxFactory.Identifier(tokenName)),
                    })),
                    MultiLineBlock(call, SyntaxFactory.ReturnStatement(completed)))
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        /// <summary>The body with every <c>return;</c> returning a completed ValueTask, and one at the end when the end is reachable.</summary>
        private BlockSyntax SynchronousBody(CSharpSyntaxNode lambdaBody, ExpressionSyntax completed)
        {
            if (lambdaBody is ExpressionSyntax expression)
            {
                return MultiLineBlock(SyntaxFactory.ExpressionStatement(expression.WithoutTrivia()), SyntaxFactory.ReturnStatement(completed));
            }

            var block = (BlockSyntax)lambdaBody;
            var endReachable = block.Statements.Count == 0
                || model.AnalyzeControlFlow(block.Statements.First(), block.Statements.Last())?.EndPointIsReachable != false;
            var returns = block.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                .OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression is null);
            var rewritten = block.ReplaceNodes(returns, (original, _) => original.WithExpression(completed.WithLeadingTrivia(SyntaxFactory.Space)));
            return endReachable ? rewritten.AddStatements(SyntaxFactory.ReturnStatement(completed)) : rewritten;
        }

        /// <summary>A new block laid out one statement per line (the formatter keeps a block on one line when nothing breaks it).</summary>
        private static BlockSyntax MultiLineBlock(params StatementSyntax[] statements)
            => SyntaxFactory.Block(
                SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed),
                SyntaxFactory.List(statements.Select(s => s.WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed))),
                SyntaxFactory.Token(SyntaxKind.CloseBraceToken));

        private static SeparatedSyntaxList<ParameterSyntax>? Parameters(AnonymousFunctionExpressionSyntax lambda) => lambda switch
        {
            SimpleLambdaExpressionSyntax simple => SyntaxFactory.SingletonSeparatedList(simple.Parameter),
            ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters,
            _ => null, // an anonymous method (delegate { }) may omit its parameter list
        };

        private static string UniqueName(HashSet<string> taken, string first, string second)
        {
            if (!taken.Contains(first))
            {
                return first;
            }

            if (!taken.Contains(second))
            {
                return second;
            }

            for (var i = 2; ; i++)
            {
                if (!taken.Contains(first + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                {
                    return first + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        /// <summary>The call is a statement, or the expression body of a function whose value is not used (async void, Task, ValueTask).</summary>
        private static bool IsResultDiscarded(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
        {
            switch (invocation.Parent)
            {
                case ExpressionStatementSyntax:
                    return true;
                case ArrowExpressionClauseSyntax { Parent: { } owner }:
                    return model.GetDeclaredSymbol(owner, cancellationToken) is IMethodSymbol method && ReturnsNothing(method);
                case AnonymousFunctionExpressionSyntax lambda when lambda.Body == invocation:
                    return model.GetSymbolInfo(lambda, cancellationToken).Symbol is IMethodSymbol function && ReturnsNothing(function);
                default:
                    return false;
            }
        }

        private static bool ReturnsNothing(IMethodSymbol method)
            => method.ReturnsVoid || method.ReturnType.ToDisplayString() is "System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask";
    }
}
