using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Analyzers;

/// <summary>
/// TG2001: a potentially long loop in async context whose body never awaits. Potentially long means: unbounded (nothing the
/// loop does brings it to an end, see <see cref="LoopBounds"/>), nested loops where two levels have non-constant bounds, or a
/// constant iteration count (multiplied over the nest) above <c>TG2001.max_constant_iterations</c>. Reported once, on the keyword
/// of the outermost loop that does not await.
/// </summary>
/// <remarks>
/// The .NET thread pool has no task budget (Tokio forces a yield when a task's budget runs out): a CPU-bound loop in an async
/// method holds its pool thread until it ends, and every continuation and request queued behind that thread waits. With a few
/// such loops running at once the pool starves, and the queueing delay lands in the P99.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoopWithoutYieldAnalyzer : DiagnosticAnalyzer
{
    public const string MaxConstantIterationsKey = RuleIds.LoopWithoutYield + ".max_constant_iterations";
    public const string YieldEveryKey = RuleIds.LoopWithoutYield + ".yield_every";

    /// <summary>Count logarithmic inner loops and traversals of the outer loop's element as non-constant levels (see <see cref="NestedLoopCost"/>).</summary>
    public const string ReportLinearNestingKey = RuleIds.LoopWithoutYield + ".report_linear_nesting";
    public const int DefaultMaxConstantIterations = 10_000;
    public const int DefaultYieldEvery = 1024;

    /// <summary>Diagnostic property carrying <c>TG2001.yield_every</c> to the code fix.</summary>
    public const string YieldEveryProperty = "YieldEvery";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.LoopWithoutYield,
        title: "Loop without a yield in async context",
        messageFormat: "This loop can hold its thread-pool thread for a long time without awaiting: {0}",
        category: RuleCategories.HotLoop,
        description: "The .NET thread pool never pre-empts a work item: a long CPU-bound loop in an async method keeps its thread until the loop ends, "
            + "and every request queued behind it waits. Await inside the loop (for example a budgeted 'await Task.Yield()'), or move the work "
            + "to a dedicated thread.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var busyWaits = BusyWaitAnalyzer.Detector.Create(start.Compilation, WellKnownTypes.Create(start.Compilation));
            start.RegisterSyntaxNodeAction(
                c => Analyze(c, busyWaits),
                SyntaxKind.WhileStatement,
                SyntaxKind.DoStatement,
                SyntaxKind.ForStatement,
                SyntaxKind.ForEachStatement,
                SyntaxKind.ForEachVariableStatement);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, BusyWaitAnalyzer.Detector? busyWaits)
    {
        var loop = (StatementSyntax)context.Node;
        if (!AsyncContext.IsInAsyncContext(loop) || LoopSyntax.ContainsSuspension(loop) || HasNonAwaitingEnclosingLoop(loop))
        {
            return;
        }

        var tree = loop.SyntaxTree;
        var maxConstant = TailGuardOptions.GetInt(context.Options, tree, MaxConstantIterationsKey, DefaultMaxConstantIterations);
        var reportLinear = TailGuardOptions.GetBool(context.Options, tree, ReportLinearNestingKey, defaultValue: false);
        var reason = FindLongChain(new LoopBounds(context.SemanticModel, context.CancellationToken), loop, parent: null, nonConstantLevels: 0, constantProduct: 1, maxConstant, reportLinear);
        if (reason is null)
        {
            return;
        }

        if (busyWaits?.Describe(loop, context.SemanticModel, context.CancellationToken) is not null)
        {
            return; // TG2002 reports it: the fix is a signal, not a yield
        }

        var yieldEvery = TailGuardOptions.GetInt(context.Options, tree, YieldEveryKey, DefaultYieldEvery);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(
            YieldEveryProperty, (yieldEvery > 0 ? yieldEvery : DefaultYieldEvery).ToString(CultureInfo.InvariantCulture));
        context.ReportDiagnostic(Diagnostic.Create(Rule, LoopSyntax.Keyword(loop).GetLocation(), properties, reason));
    }

    /// <summary>
    /// An enclosing loop (in the same function) that does not await either: it is the outermost candidate and reports the
    /// whole nest. Nesting only multiplies the iterations, so when this loop is long the enclosing one is too.
    /// </summary>
    private static bool HasNonAwaitingEnclosingLoop(StatementSyntax loop)
    {
        for (var current = loop.Parent; current is not null && !LoopSyntax.IsFunctionBoundary(current); current = current.Parent)
        {
            if (current is MemberDeclarationSyntax or CompilationUnitSyntax)
            {
                return false;
            }

            if (LoopSyntax.IsLoop(current) && !LoopSyntax.ContainsSuspension(current))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Walks every chain of nested loops from <paramref name="loop"/> down. A chain is long when one of its loops is unbounded,
    /// when two of its levels have non-constant bounds, or when the product of its constant counts exceeds the limit.
    /// A single loop over a collection or a non-constant range (one non-constant level) is not long by itself.
    /// </summary>
    private static string? FindLongChain(LoopBounds bounds, StatementSyntax loop, StatementSyntax? parent, int nonConstantLevels, double constantProduct, int maxConstant, bool reportLinear)
    {
        var bound = bounds.Classify(loop);
        if (!reportLinear && bound.Kind != LoopBoundKind.Constant && NestedLoopCost.IsLogarithmic(loop))
        {
            bound = new LoopBound(LoopBoundKind.Constant, NestedLoopCost.LogarithmicBound);
        }

        switch (bound.Kind)
        {
            case LoopBoundKind.Unbounded:
                return bound.Reason;
            case LoopBoundKind.NonConstant:
                // The inner loop over the element the outer loop is at adds no level: together they are linear in the input.
                if (reportLinear || parent is null || !NestedLoopCost.TraversesOuterElement(loop, parent))
                {
                    nonConstantLevels++;
                }

                break;
            default:
                constantProduct *= bound.Count < 1 ? 1 : bound.Count;
                break;
        }

        if (nonConstantLevels >= 2)
        {
            return "nested loops over non-constant ranges";
        }

        if (constantProduct > maxConstant)
        {
            var count = constantProduct.ToString("N0", CultureInfo.InvariantCulture);
            return nonConstantLevels == 0
                ? count + " iterations"
                : "a non-constant range times " + count + " iterations";
        }

        foreach (var child in LoopSyntax.DirectChildLoops(loop))
        {
            if (FindLongChain(bounds, child, loop, nonConstantLevels, constantProduct, maxConstant, reportLinear) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }
}
