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
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG1004: gives the loop a dedicated thread.
/// <list type="bullet">
/// <item><c>Task.Run(body[, token])</c> → <c>Task.Factory.StartNew(body, token or CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)</c>.</item>
/// <item><c>factory.StartNew(...)</c>: merges <c>LongRunning</c> into the options passed, or adds it (with <c>TaskScheduler.Default</c>
/// when a token forces the four-argument overload, only on <c>Task.Factory</c> whose scheduler is known).</item>
/// <item><c>ThreadPool.QueueUserWorkItem(callback[, state])</c> as a statement → <c>new Thread(callback) { IsBackground = true }.Start([state])</c>.</item>
/// </list>
/// No fix for an async body, or a body that returns a task: <c>LongRunning</c> only covers it until its first await, and
/// <c>StartNew</c> would return a <c>Task&lt;Task&gt;</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LongBlockingWorkFixer))]
[Shared]
public sealed class LongBlockingWorkFixer : CodeFixProvider
{
    private const string StartNewTitle = "Start with TaskCreationOptions.LongRunning";
    private const string ThreadTitle = "Run on a dedicated background thread";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.LongBlockingWorkOnThreadPool);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.TryGetValue(LongBlockingWorkOnThreadPoolAnalyzer.AsyncBodyProperty, out var isAsync) && isAsync == "true")
            {
                continue;
            }

            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                continue;
            }

            var invocation = FindInvocation(root, diagnostic);
            if (invocation is null || model.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation operation)
            {
                continue;
            }

            var method = operation.TargetMethod;
            var rewrite = method.Name switch
            {
                "Run" => RewriteTaskRun(operation, model),
                "StartNew" => RewriteStartNew(operation, model),
                "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" => RewriteQueueUserWorkItem(operation, model),
                _ => null,
            };
            if (rewrite is null)
            {
                continue;
            }

            var isThread = method.Name.EndsWith("QueueUserWorkItem", System.StringComparison.Ordinal);
            var target = isThread ? invocation.Parent! : invocation;
            var title = isThread ? ThreadTitle : StartNewTitle;
            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    cancellationToken => ReplaceAsync(context.Document, target, rewrite, cancellationToken),
                    FixKeys.For(RuleIds.LongBlockingWorkOnThreadPool, isThread ? "Thread" : "LongRunning")),
                diagnostic);
        }
    }

    private static InvocationExpressionSyntax? FindInvocation(SyntaxNode root, Diagnostic diagnostic)
    {
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current is InvocationExpressionSyntax invocation && invocation.Expression.Span == diagnostic.Location.SourceSpan)
            {
                return invocation;
            }
        }

        return null;
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode target, System.Func<SyntaxGenerator, SyntaxNode> rewrite, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var replacement = rewrite(editor.Generator)
            .WithTriviaFrom(target)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        editor.ReplaceNode(target, replacement);
        return editor.GetChangedDocument();
    }

    private static System.Func<SyntaxGenerator, SyntaxNode>? RewriteTaskRun(IInvocationOperation operation, SemanticModel model)
    {
        var body = ArgumentOfKind(operation, a => a.Parameter?.Type.TypeKind == TypeKind.Delegate);
        var token = ArgumentOfKind(operation, a => IsType(a.Parameter?.Type, "System.Threading.CancellationToken"));
        var types = FixTypes.Resolve(model.Compilation);
        if (body is null || types is null || operation.Arguments.Length != (token is null ? 1 : 2))
        {
            return null;
        }

        var typeArguments = ((InvocationExpressionSyntax)operation.Syntax).Expression is MemberAccessExpressionSyntax { Name: GenericNameSyntax generic }
            ? generic.TypeArgumentList
            : null;
        return generator =>
        {
            var startNew = StartNewName(typeArguments);
            var factory = generator.MemberAccessExpression(generator.TypeExpression(types.Task, addImport: true), "Factory");
            return generator.InvocationExpression(
                generator.MemberAccessExpression(factory, startNew),
                Argument(body),
                token is null ? CancellationTokenNone(generator, types) : Argument(token),
                LongRunning(generator, types),
                SchedulerDefault(generator, types));
        };
    }

    private static System.Func<SyntaxGenerator, SyntaxNode>? RewriteStartNew(IInvocationOperation operation, SemanticModel model)
    {
        var types = FixTypes.Resolve(model.Compilation);
        var syntax = (InvocationExpressionSyntax)operation.Syntax;
        if (types is null || syntax.Expression is not MemberAccessExpressionSyntax memberAccess)
        {
            return null;
        }

        var body = ArgumentOfKind(operation, a => a.Parameter?.Type.TypeKind == TypeKind.Delegate);
        var state = ArgumentOfKind(operation, a => a.Parameter?.Name == "state");
        var token = ArgumentOfKind(operation, a => IsType(a.Parameter?.Type, "System.Threading.CancellationToken"));
        var options = ArgumentOfKind(operation, a => IsType(a.Parameter?.Type, "System.Threading.Tasks.TaskCreationOptions"));
        var scheduler = ArgumentOfKind(operation, a => IsType(a.Parameter?.Type, "System.Threading.Tasks.TaskScheduler"));
        if (body is null)
        {
            return null;
        }

        if (options is not null)
        {
            return generator =>
            {
                var merged = options.Value.ConstantValue is { HasValue: true, Value: 0 }
                    ? LongRunning(generator, types)
                    : generator.BitwiseOrExpression(Argument(options), LongRunning(generator, types));
                return syntax.ReplaceNode(
                    ((ArgumentSyntax)options.Syntax).Expression,
                    ((ExpressionSyntax)merged).WithTriviaFrom(((ArgumentSyntax)options.Syntax).Expression));
            };
        }

        var arguments = new List<IArgumentOperation> { body };
        if (state is not null)
        {
            arguments.Add(state);
        }

        if (token is null)
        {
            return generator => generator.InvocationExpression(
                memberAccess,
                arguments.Select(Argument).Append(LongRunning(generator, types)));
        }

        // The overload with a token and options also takes a scheduler. Only Task.Factory's is known (the default, or Current).
        if (scheduler is not null || !IsTaskFactoryProperty(operation.Instance))
        {
            return null;
        }

        return generator => generator.InvocationExpression(
            memberAccess,
            arguments.Select(Argument).Append(Argument(token)).Append(LongRunning(generator, types)).Append(SchedulerDefault(generator, types)));
    }

    private static System.Func<SyntaxGenerator, SyntaxNode>? RewriteQueueUserWorkItem(IInvocationOperation operation, SemanticModel model)
    {
        var types = FixTypes.Resolve(model.Compilation);
        var method = operation.TargetMethod;
        if (types is null || method.IsGenericMethod || operation.Parent is not IExpressionStatementOperation
            || operation.Arguments.Length is < 1 or > 2)
        {
            return null;
        }

        var callback = ArgumentOfKind(operation, a => IsType(a.Parameter?.Type, "System.Threading.WaitCallback"));
        var state = ArgumentOfKind(operation, a => a.Parameter?.Name == "state");
        // A lambda, anonymous method or method group converts to ParameterizedThreadStart as well; a WaitCallback instance does not.
        if (callback?.Value is not IDelegateCreationOperation { IsImplicit: true } || operation.Arguments.Length != (state is null ? 1 : 2))
        {
            return null;
        }

        var start = method.Name == "UnsafeQueueUserWorkItem" ? "UnsafeStart" : "Start";
        if (types.Thread.GetMembers(start).IsEmpty)
        {
            return null;
        }

        return generator =>
        {
            var thread = (ObjectCreationExpressionSyntax)generator.ObjectCreationExpression(generator.TypeExpression(types.Thread, addImport: true), Argument(callback!));
            thread = thread.WithInitializer(SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(
                    SyntaxFactory.AssignmentExpression(
                        SyntaxKind.SimpleAssignmentExpression,
                        SyntaxFactory.IdentifierName("IsBackground"),
                        SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression)))));
            var startCall = generator.InvocationExpression(
                generator.MemberAccessExpression(thread, start),
                state is null ? System.Array.Empty<SyntaxNode>() : new[] { Argument(state) });
            return generator.ExpressionStatement(startCall);
        };
    }

    private static bool IsTaskFactoryProperty(IOperation? instance)
        => instance is IPropertyReferenceOperation { Property: { Name: "Factory", IsStatic: true } property }
            && property.ContainingType.OriginalDefinition.ToDisplayString() is "System.Threading.Tasks.Task" or "System.Threading.Tasks.Task<TResult>";

    private static IArgumentOperation? ArgumentOfKind(IInvocationOperation operation, System.Func<IArgumentOperation, bool> predicate)
    {
        foreach (var argument in operation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.Explicit && predicate(argument))
            {
                return argument;
            }
        }

        return null;
    }

    private static bool IsType(ITypeSymbol? type, string fullName) => type?.ToDisplayString() == fullName;

    /// <summary>The argument's expression without its name, so rebuilt argument lists are positional.</summary>
    private static SyntaxNode Argument(IArgumentOperation argument)
        => argument.Syntax is ArgumentSyntax syntax ? syntax.Expression.WithoutTrivia() : argument.Value.Syntax.WithoutTrivia();

    private static SimpleNameSyntax StartNewName(TypeArgumentListSyntax? typeArguments)
        => typeArguments is null
            ? SyntaxFactory.IdentifierName("StartNew")
            : SyntaxFactory.GenericName(SyntaxFactory.Identifier("StartNew"), typeArguments);

    private static SyntaxNode CancellationTokenNone(SyntaxGenerator generator, FixTypes types)
        => generator.MemberAccessExpression(generator.TypeExpression(types.CancellationToken, addImport: true), "None");

    private static SyntaxNode LongRunning(SyntaxGenerator generator, FixTypes types)
        => generator.MemberAccessExpression(generator.TypeExpression(types.TaskCreationOptions, addImport: true), "LongRunning");

    private static SyntaxNode SchedulerDefault(SyntaxGenerator generator, FixTypes types)
        => generator.MemberAccessExpression(generator.TypeExpression(types.TaskScheduler, addImport: true), "Default");

    private sealed class FixTypes
    {
        private FixTypes(INamedTypeSymbol task, INamedTypeSymbol cancellationToken, INamedTypeSymbol taskCreationOptions, INamedTypeSymbol taskScheduler, INamedTypeSymbol thread)
        {
            Task = task;
            CancellationToken = cancellationToken;
            TaskCreationOptions = taskCreationOptions;
            TaskScheduler = taskScheduler;
            Thread = thread;
        }

        public INamedTypeSymbol Task { get; }

        public INamedTypeSymbol CancellationToken { get; }

        public INamedTypeSymbol TaskCreationOptions { get; }

        public INamedTypeSymbol TaskScheduler { get; }

        public INamedTypeSymbol Thread { get; }

        public static FixTypes? Resolve(Compilation compilation)
        {
            var task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
            var token = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            var options = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskCreationOptions");
            var scheduler = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskScheduler");
            var thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
            return task is null || token is null || options is null || scheduler is null || thread is null
                ? null
                : new FixTypes(task, token, options, scheduler, thread);
        }
    }
}
