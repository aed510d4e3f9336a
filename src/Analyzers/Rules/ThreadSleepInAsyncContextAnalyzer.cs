using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1002: <c>Thread.Sleep(...)</c> whose innermost enclosing function is async (method, lambda or local function).
/// </summary>
/// <remarks>
/// An async method runs on a thread-pool thread between awaits. Sleeping there parks that thread for the whole delay, so the
/// pool has one thread fewer for every concurrent request doing it; under load the pool starves, grows at about one thread
/// per second, and queued requests wait behind the sleepers. <c>await Task.Delay</c> gives the thread back for the delay.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ThreadSleepInAsyncContextAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.ThreadSleepInAsyncContext,
        title: "Thread.Sleep in async context",
        messageFormat: "'Thread.Sleep' holds a thread-pool thread for the whole delay in async code; await 'Task.Delay' instead",
        category: RuleCategories.Blocking,
        description: "Thread.Sleep in an async method, lambda or local function blocks the thread-pool thread that runs it for the whole delay. "
            + "Concurrent requests doing the same starve the pool and every queued request waits. Use 'await Task.Delay(...)', passing the "
            + "method's CancellationToken.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var thread = start.Compilation.GetTypeByMetadataName("System.Threading.Thread");
            if (thread is null)
            {
                return;
            }

            var types = WellKnownTypes.Create(start.Compilation);
            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, thread, types), OperationKind.Invocation);

            // A private synchronous method handed as a delegate to an async method of the type: a fact across the type's methods,
            // gathered in a symbol-start action so the IDE still runs it live (not at compilation end, and without other trees' models).
            start.RegisterSymbolStartAction(symbolStart => DelegatedSleeps.Register(symbolStart, thread, types), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol thread, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!IsThreadSleep(invocation, thread))
        {
            return;
        }

        var syntax = invocation.Syntax;
        var model = invocation.SemanticModel;
        var function = AsyncContext.EnclosingFunction(syntax);
        var inAsyncContext = AsyncContext.IsAsyncFunction(function)
            || (model is not null && (AwaitedContext.IsTaskReturningWithoutAsync(function, model, types, context.CancellationToken)
                || DelegatesToAsyncMethods.IsLambdaArgumentOfSourceAsyncMethod(function, model, types, context.CancellationToken)));
        if (inAsyncContext && !IsExempt(invocation, context.ContainingSymbol, context.Options, context.CancellationToken))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, syntax.GetLocation()));
        }
    }

    internal static bool IsThreadSleep(IInvocationOperation invocation, INamedTypeSymbol thread)
        => invocation.TargetMethod.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, thread);

    internal static bool IsExempt(IInvocationOperation invocation, ISymbol containingSymbol, AnalyzerOptions options, System.Threading.CancellationToken cancellationToken)
    {
        var syntax = invocation.Syntax;
        return TestCode.ShouldSkip(containingSymbol, options, syntax.SyntaxTree)
            || (invocation.SemanticModel is { } model && (DualSyncAsyncPath.IsOnSynchronousBranch(syntax, model, cancellationToken)
                || AsyncContext.RunsBeforeFirstAwaitOfEntryPoint(syntax, model, cancellationToken)));
    }
}
