using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1001: a blocking wait on a task — <c>.Result</c>, <c>.Wait(...)</c>, <c>.GetAwaiter().GetResult()</c>,
/// <c>Task.WaitAll/WaitAny</c> — on Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;, in any code, unless the task is known
/// to be complete there (see <see cref="TaskCompletionFacts"/>), the code is an entry point or test code, the read is in <c>nameof</c>,
/// or the wait is synchronous by design (a sync twin over its async twin, a wait helper, <c>Dispose</c> over <c>DisposeAsync</c>: see
/// <see cref="SyncBridges"/>; <c>TG1001.report_sync_bridges = true</c> reports those too).
/// </summary>
/// <remarks>
/// A waiting thread-pool thread does nothing while it holds its slot. When requests block faster than the pool's hill-climbing
/// injects threads (about one or two per second past the minimum), queued work — including the continuations that would complete the
/// very tasks being waited on — waits behind them: thread-pool starvation, and seconds of P99 latency from a few blocked requests.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingTaskWaitAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the shape, so the code fix need not re-derive it.</summary>
    internal const string ShapeProperty = "Shape";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.BlockingTaskWait,
        title: "Blocking wait on a task",
        messageFormat: "'{0}' blocks a thread until the task completes; await it instead",
        category: RuleCategories.Blocking,
        description: "Waiting synchronously on a task (.Result, .Wait(), .GetAwaiter().GetResult(), Task.WaitAll/WaitAny) parks a thread "
            + "until the task completes. On the thread pool that thread serves no other request, and when enough requests block, the pool "
            + "starves: new threads are injected slowly, queued work (including the continuations the waits depend on) stalls, and tail "
            + "latency explodes. Await the task instead.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Task is null)
            {
                return;
            }

            start.RegisterOperationAction(c => Analyze(c, types), OperationKind.PropertyReference, OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, WellKnownTypes types)
    {
        var (shape, task, display) = Classify(context.Operation, types);
        if (shape is { } found && ShouldReport(context, types, task, found, display) is { } diagnostic)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    private static (BlockingTaskWaitShape? Shape, IOperation? Task, string Display) Classify(IOperation operation, WellKnownTypes types)
    {
        if (operation is IPropertyReferenceOperation property)
        {
            return TaskWaits.IsBlockingResultRead(property, types)
                ? (BlockingTaskWaitShape.Result, TaskWaits.GetWaitedTask(property, types), property.Property.ContainingType.Name + ".Result")
                : (null, null, string.Empty);
        }

        if (operation is not IInvocationOperation invocation || !TaskWaits.IsBlockingWaitInvocation(invocation, types))
        {
            return (null, null, string.Empty);
        }

        return invocation.TargetMethod.Name switch
        {
            "Wait" => (BlockingTaskWaitShape.Wait, TaskWaits.GetWaitedTask(invocation, types), "Task.Wait"),
            "GetResult" => (BlockingTaskWaitShape.GetResult, TaskWaits.GetWaitedTask(invocation, types), "GetAwaiter().GetResult()"),
            "WaitAll" => (BlockingTaskWaitShape.WaitAll, null, "Task.WaitAll"),
            "WaitAny" => (BlockingTaskWaitShape.WaitAny, null, "Task.WaitAny"),
            _ => (null, null, string.Empty),
        };
    }

    private static Diagnostic? ShouldReport(OperationAnalysisContext context, WellKnownTypes types, IOperation? taskReference, BlockingTaskWaitShape shape, string display)
    {
        var operation = context.Operation;
        var syntax = operation.Syntax;
        if (IsInNameOf(operation)
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, syntax.SyntaxTree)
            || operation.SemanticModel is not { } model
            || AsyncContext.IsInEntryPoint(syntax, model, context.CancellationToken))
        {
            return null;
        }

        if (taskReference is not null
            && (TaskCompletionFacts.IsKnownComplete(taskReference, types, context.CancellationToken)
                || CallerCompletionFacts.IsCompleteAtEveryCall(taskReference, context.ContainingSymbol, types, context.CancellationToken)))
        {
            return null;
        }

        // Asked last: only waits that would be reported pay for it.
        if (!TailGuardOptions.GetBool(context.Options, syntax.SyntaxTree, SyncBridges.ReportSyncBridgesOption, defaultValue: false)
            && SyncBridges.Classify(operation, taskReference, types, context.CancellationToken) != SyncBridgeKind.None)
        {
            return null;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape.ToString());
        return Diagnostic.Create(Rule, syntax.GetLocation(), properties, display);
    }

    private static bool IsInNameOf(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The shapes TG1001 reports; the code fix rewrites each differently.</summary>
internal enum BlockingTaskWaitShape
{
    Result,
    Wait,
    GetResult,
    WaitAll,
    WaitAny,
}
