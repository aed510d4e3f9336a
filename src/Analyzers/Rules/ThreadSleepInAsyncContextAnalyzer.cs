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

            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, thread), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol thread)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name != "Sleep" || !SymbolEqualityComparer.Default.Equals(method.ContainingType, thread))
        {
            return;
        }

        var syntax = invocation.Syntax;
        if (!AsyncContext.IsInAsyncContext(syntax)
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, syntax.SyntaxTree)
            || (invocation.SemanticModel is { } model && DualSyncAsyncPath.IsOnSynchronousBranch(syntax, model, context.CancellationToken)))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, syntax.GetLocation()));
    }
}
