using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// Estimates the state machine the C# compiler generates for an async method, local function or lambda, from the
/// function's control-flow graph:
/// <list type="bullet">
/// <item>the state (<c>int</c>) and the method builder (whose size depends on the result type for ValueTask builders);</item>
/// <item><c>this</c> and every parameter the body uses;</item>
/// <item>in Release, every local (and every hidden local: foreach enumerators, using resources, values captured for control
/// flow inside an expression) that is read on some path after an await without being written since: the same
/// "unassigned after each await" flow analysis the compiler runs; locals of one type in disjoint scopes share a field;</item>
/// <item>in Debug, every local (the state machine is then a class);</item>
/// <item>operands evaluated before an await in the same expression (spills), closure objects, the pending exception of
/// a try whose catch or finally awaits;</item>
/// <item>one field per distinct awaiter type, reference-type awaiters sharing one <c>object</c> field.</item>
/// </list>
/// Field sizes follow <see cref="TypeLayout"/>, and the fields are laid out as the runtime lays out the struct.
/// </summary>
/// <remarks>
/// This class is the entry point and the per-compilation cache; the work is done in steps, one class each:
/// <see cref="FunctionGraphs"/> finds the function's graph, <see cref="HoistingVisitor"/> turns its operations into reads,
/// writes and awaits of <see cref="FlowVariables"/>, <see cref="LivenessSolver"/> finds those live across an await,
/// <see cref="FieldAllocator"/> lays out the fields and <see cref="EstimateNotes"/> says which sizes are guesses.
/// </remarks>
public static class StateMachineEstimator
{
    /// <summary>The syntax kinds of functions that can be async: what an analyzer registers for to see every state machine.</summary>
    public static ImmutableArray<SyntaxKind> FunctionSyntaxKinds { get; } = ImmutableArray.Create(
        SyntaxKind.MethodDeclaration,
        SyntaxKind.LocalFunctionStatement,
        SyntaxKind.ParenthesizedLambdaExpression,
        SyntaxKind.SimpleLambdaExpression,
        SyntaxKind.AnonymousMethodExpression);

    public static bool IsAsyncFunctionSyntax(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword) && (method.Body is not null || method.ExpressionBody is not null),
        LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword) && (local.Body is not null || local.ExpressionBody is not null),
        AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        _ => false,
    };

    // TG3001 and TG3002 both need the estimate of every async function; the control-flow graph and the flow analysis behind it
    // are the most expensive work TailGuard does, so each function is estimated once per compilation and the two rules share it.
    // Keyed weakly by the compilation: nothing outlives it, and a new compilation starts empty.
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(SyntaxNode Function, bool Debug), Lazy<StateMachineEstimate?>>> Shared = new();

    /// <summary>
    /// <see cref="Estimate(SyntaxNode, SemanticModel, OptimizationLevel, CancellationToken)"/>, computed once per function and
    /// optimization level in the model's compilation and shared by every caller (the analyzers).
    /// </summary>
    public static StateMachineEstimate? EstimateShared(SyntaxNode function, SemanticModel model, OptimizationLevel optimization, CancellationToken cancellationToken = default)
    {
        if (!IsAsyncFunctionSyntax(function))
        {
            return null;
        }

        var cache = Shared.GetValue(model.Compilation, static _ => new ConcurrentDictionary<(SyntaxNode, bool), Lazy<StateMachineEstimate?>>());
        var key = (function, optimization == OptimizationLevel.Debug);
        var lazy = cache.GetOrAdd(key, _ => new Lazy<StateMachineEstimate?>(
            () => Estimate(function, model, optimization, cancellationToken), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (OperationCanceledException)
        {
            // A cancelled computation must not poison the cache for the next request.
            cache.TryRemove(key, out _);
            throw;
        }
    }

    private static readonly ConditionalWeakTable<Compilation, StateMachineBound.Cache> SharedBounds = new();

    /// <summary>
    /// A cheap upper bound of the estimate (<see cref="StateMachineBound"/>), once per function and compilation: the rules
    /// ask for the estimate only when the bound says they could report.
    /// </summary>
    internal static StateMachineBound? BoundShared(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken = default)
    {
        if (!IsAsyncFunctionSyntax(function))
        {
            return null;
        }

        var cache = SharedBounds.GetValue(model.Compilation, static _ => new StateMachineBound.Cache());
        if (!cache.Bounds.TryGetValue(function, out var bound))
        {
            // Cheap and idempotent: two threads may both compute it, and either answer is the same.
            bound = StateMachineBound.Compute(function, model, cache, cancellationToken);
            cache.Bounds.TryAdd(function, bound);
        }

        return bound;
    }

    /// <summary>Estimates with the compilation's own optimization level.</summary>
    public static StateMachineEstimate? Estimate(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken = default)
        => Estimate(function, model, model.Compilation.Options.OptimizationLevel, cancellationToken);

    /// <summary>
    /// Returns null when <paramref name="function"/> is not an async method, local function or lambda with a body, is an
    /// async iterator, or cannot be bound.
    /// </summary>
    public static StateMachineEstimate? Estimate(SyntaxNode function, SemanticModel model, OptimizationLevel optimization, CancellationToken cancellationToken = default)
    {
        if (!IsAsyncFunctionSyntax(function))
        {
            return null;
        }

        var method = StateMachineSymbols.FunctionSymbol(function, model, cancellationToken);
        if (method is null || !method.IsAsync || IsAsyncIterator(method))
        {
            return null;
        }

        var graph = FunctionGraphs.Find(function, model, cancellationToken);
        if (graph is null)
        {
            return null;
        }

        var debug = optimization == OptimizationLevel.Debug;
        var flow = HoistingVisitor.Collect(graph, function, method, model, cancellationToken);
        var hoisted = LivenessSolver.Solve(graph, flow, cancellationToken);
        var fields = new FieldAllocator(model.Compilation, method, debug, flow, hoisted).Allocate(graph);
        return new StateMachineEstimate(debug, fields, EstimateNotes.For(fields, debug));
    }

    private static bool IsAsyncIterator(IMethodSymbol method)
        => method.ReturnType is INamedTypeSymbol { Arity: 1 } returnType
            && returnType.Name is "IAsyncEnumerable" or "IAsyncEnumerator"
            && returnType.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic";
}
