using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1005: <c>Parallel.For</c>/<c>ForEach</c>/<c>Invoke</c>, or a PLINQ query being executed (<c>ToList</c>, <c>Sum</c>,
/// <c>ForAll</c>, <c>foreach</c> over it, ...), in async context.
/// </summary>
/// <remarks>
/// The calling thread, a thread-pool thread in an async method, blocks until every iteration has run, while the loop
/// queues its partitions to the same pool (Parallel.* with no degree limit keeps asking for more threads). Under load
/// each request takes a thread and asks for several more, so the pool starves and unrelated requests queue behind it.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ParallelLoopInAsyncContextAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.ParallelLoopInAsyncContext,
        title: "Parallel loop in async context",
        messageFormat: "'{0}' blocks the calling thread in async context while its parallel loop floods the thread pool",
        category: RuleCategories.Blocking,
        description: "Parallel.For, Parallel.ForEach, Parallel.Invoke and executed PLINQ queries block the calling thread until every "
            + "iteration has run, while queueing work to the same thread pool. In an async method that is a pool thread blocked per "
            + "request plus a burst of pool work items per request. Use await Parallel.ForEachAsync/ForAsync with a bounded "
            + "MaxDegreeOfParallelism, or move CPU-bound batch work off the request path.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Parallel is null && types.ParallelEnumerable is null)
            {
                return;
            }

            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, types), OperationKind.Invocation);
            if (types.ParallelQuery is not null)
            {
                start.RegisterOperationAction(operationContext => AnalyzeLoop(operationContext, types), OperationKind.Loop);
            }
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        string? name = null;
        if (method.Name is "For" or "ForEach" or "Invoke" && WellKnownTypes.Is(method.ContainingType, types.Parallel))
        {
            name = "Parallel." + method.Name;
        }
        else if (IsExecutingParallelQuery(invocation, types))
        {
            name = "PLINQ " + method.Name;
        }

        if (name is null || !AsyncContext.IsInAsyncContext(invocation.Syntax)
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, invocation.Syntax.SyntaxTree))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, ReportedSpan(invocation, isParallelClass: name.StartsWith("Parallel.", System.StringComparison.Ordinal)), name));
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, WellKnownTypes types)
    {
        if (context.Operation is not IForEachLoopOperation { IsAsynchronous: false } loop || !IsParallelSource(loop.Collection, types)
            || !AsyncContext.IsInAsyncContext(loop.Syntax)
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, loop.Syntax.SyntaxTree))
        {
            return;
        }

        var collection = loop.Syntax is ForEachStatementSyntax statement ? statement.Expression : loop.Collection.Syntax;
        context.ReportDiagnostic(Diagnostic.Create(Rule, collection.GetLocation(), "foreach over a PLINQ query"));
    }

    /// <summary><c>Parallel.ForEach</c> (the whole method reference) for Parallel.*; the operator's name for PLINQ (<c>ToList</c>).</summary>
    private static Location ReportedSpan(IInvocationOperation invocation, bool isParallelClass)
    {
        if (invocation.Syntax is not InvocationExpressionSyntax syntax)
        {
            return invocation.Syntax.GetLocation();
        }

        if (!isParallelClass && syntax.Expression is MemberAccessExpressionSyntax memberAccess)
        {
            return memberAccess.Name.GetLocation();
        }

        return syntax.Expression.GetLocation();
    }

    /// <summary>An operator that runs the query: any ParallelEnumerable or Enumerable method over a PLINQ source that does not return a lazy sequence.</summary>
    private static bool IsExecutingParallelQuery(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        var containing = method.ContainingType;
        if (!method.IsStatic || invocation.Arguments.Length == 0)
        {
            return false;
        }

        if (WellKnownTypes.Is(containing, types.ParallelEnumerable))
        {
            return method.Name is not ("AsSequential" or "AsEnumerable")
                && !WellKnownTypes.DerivesFrom(method.ReturnType, types.ParallelQuery)
                && IsParallelSource(invocation.Arguments[0].Value, types);
        }

        return WellKnownTypes.Is(containing, types.Enumerable) && !IsLazySequence(method.ReturnType)
            && IsParallelSource(invocation.Arguments[0].Value, types);
    }

    /// <summary>
    /// A PLINQ query: a <c>ParallelQuery</c>, or a sequence that still runs one when enumerated (<c>AsSequential()</c>,
    /// <c>AsEnumerable()</c>, or a lazy Enumerable operator over either).
    /// </summary>
    private static bool IsParallelSource(IOperation? operation, WellKnownTypes types)
    {
        for (var depth = 0; operation is not null && depth < 32; depth++)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            if (WellKnownTypes.DerivesFrom(operation.Type, types.ParallelQuery))
            {
                return true;
            }

            if (operation is not IInvocationOperation { TargetMethod.IsStatic: true } invocation || invocation.Arguments.Length == 0)
            {
                return false;
            }

            var method = invocation.TargetMethod;
            var lazyStep = (WellKnownTypes.Is(method.ContainingType, types.ParallelEnumerable) && method.Name is "AsSequential" or "AsEnumerable")
                || (WellKnownTypes.Is(method.ContainingType, types.Enumerable) && IsLazySequence(method.ReturnType));
            if (!lazyStep)
            {
                return false;
            }

            operation = invocation.Arguments[0].Value;
        }

        return false;
    }

    private static bool IsLazySequence(ITypeSymbol? type)
        => type is INamedTypeSymbol { IsGenericType: true } named
            && named.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
            || type is INamedTypeSymbol { Name: "IOrderedEnumerable", ContainingNamespace.Name: "Linq" };
}
