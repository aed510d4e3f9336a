using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
public static class StateMachineEstimator
{
    /// <summary>The function-like nodes the estimator accepts.</summary>
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

        var method = FunctionSymbol(function, model, cancellationToken);
        if (method is null || !method.IsAsync || IsAsyncIterator(method))
        {
            return null;
        }

        var graph = FindGraph(function, model, cancellationToken);
        if (graph is null)
        {
            return null;
        }

        var debug = optimization == OptimizationLevel.Debug;
        var analysis = new Analysis(graph, model, function, method, debug, cancellationToken);
        analysis.Run();
        return analysis.Build();
    }

    /// <summary>The method, local function or lambda that <paramref name="function"/> declares.</summary>
    internal static IMethodSymbol? FunctionSymbol(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => function is AnonymousFunctionExpressionSyntax
            ? model.GetSymbolInfo(function, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;

    /// <summary>
    /// The awaiter type the compiler stores for <paramref name="await"/>: the compiler's own answer for an await expression
    /// (extension GetAwaiter included), else the awaited type's GetAwaiter (the implicit awaits of await foreach and using).
    /// </summary>
    internal static ITypeSymbol? AwaiterType(IAwaitOperation await, SemanticModel model)
    {
        if (await.Syntax is AwaitExpressionSyntax syntax && syntax.SyntaxTree == model.SyntaxTree
            && model.GetAwaitExpressionInfo(syntax).GetAwaiterMethod?.ReturnType is { } awaiter)
        {
            return awaiter;
        }

        return AwaiterOf(await.Operation.Type);
    }

    /// <summary>The return type of the instance GetAwaiter() of <paramref name="awaitable"/> or its base types.</summary>
    internal static ITypeSymbol? AwaiterOf(ITypeSymbol? awaitable)
    {
        for (var current = awaitable; current is not null; current = current.BaseType)
        {
            var found = current.GetMembers("GetAwaiter").OfType<IMethodSymbol>().FirstOrDefault(m => !m.IsStatic && m.Parameters.Length == 0);
            if (found is not null)
            {
                return found.ReturnType;
            }
        }

        return null;
    }

    private static bool IsAsyncIterator(IMethodSymbol method)
        => method.ReturnType is INamedTypeSymbol { Arity: 1 } returnType
            && returnType.Name is "IAsyncEnumerable" or "IAsyncEnumerator"
            && returnType.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic";

    private static ControlFlowGraph? FindGraph(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(function, cancellationToken);
        if (operation is null)
        {
            return null;
        }

        var root = operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var graph = RootGraphs.TryGetValue(root, out var cached) ? cached : CreateGraph(root, cancellationToken);
        if (graph is not null && cached is null)
        {
            // The async lambdas of one method all start from the method's graph: build it once (as long as its operation tree lives).
            graph = RootGraphs.GetValue(root, _ => graph);
        }

        return graph is null ? null : FindNested(graph, function, cancellationToken, depth: 0);
    }

    private static readonly ConditionalWeakTable<IOperation, ControlFlowGraph> RootGraphs = new();

    private static ControlFlowGraph? CreateGraph(IOperation root, CancellationToken cancellationToken) => root switch
    {
        IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
        IBlockOperation block => ControlFlowGraph.Create(block, cancellationToken),
        IConstructorBodyOperation ctor => ControlFlowGraph.Create(ctor, cancellationToken),
        IFieldInitializerOperation field => ControlFlowGraph.Create(field, cancellationToken),
        IPropertyInitializerOperation property => ControlFlowGraph.Create(property, cancellationToken),
        IParameterInitializerOperation parameter => ControlFlowGraph.Create(parameter, cancellationToken),
        _ => null,
    };

    private static ControlFlowGraph? FindNested(ControlFlowGraph graph, SyntaxNode function, CancellationToken cancellationToken, int depth)
    {
        if (IsGraphOf(graph, function))
        {
            return graph;
        }

        if (depth > 32)
        {
            return null;
        }

        foreach (var localFunction in AllRegions(graph.Root).SelectMany(r => r.LocalFunctions))
        {
            var nested = graph.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken);
            var found = FindNested(nested, function, cancellationToken, depth + 1);
            if (found is not null)
            {
                return found;
            }
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in BlockOperations(block))
            {
                foreach (var lambda in operation.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                {
                    if (!lambda.Syntax.Span.Contains(function.Span))
                    {
                        continue;
                    }

                    var nested = graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken);
                    var found = FindNested(nested, function, cancellationToken, depth + 1);
                    if (found is not null)
                    {
                        return found;
                    }
                }
            }
        }

        return null;
    }

    private static bool IsGraphOf(ControlFlowGraph graph, SyntaxNode function)
    {
        var syntax = graph.OriginalOperation.Syntax;
        return syntax == function
            || (graph.OriginalOperation is ILocalFunctionOperation or IAnonymousFunctionOperation && syntax.Span == function.Span)
            || (graph.OriginalOperation is IMethodBodyOperation && syntax == function);
    }

    internal static IEnumerable<IOperation> BlockOperations(BasicBlock block)
    {
        foreach (var operation in block.Operations)
        {
            yield return operation;
        }

        if (block.BranchValue is not null)
        {
            yield return block.BranchValue;
        }
    }

    internal static IEnumerable<ControlFlowRegion> AllRegions(ControlFlowRegion region)
    {
        yield return region;
        foreach (var nested in region.NestedRegions)
        {
            foreach (var descendant in AllRegions(nested))
            {
                yield return descendant;
            }
        }
    }

    /// <summary>Finds the builder type the compiler uses for <paramref name="method"/>.</summary>
    internal static ITypeSymbol? BuilderType(IMethodSymbol method, Compilation compilation)
    {
        var fromAttribute = BuilderFromAttributes(method.GetAttributes(), method.ReturnType);
        if (fromAttribute is not null)
        {
            return fromAttribute;
        }

        if (method.ReturnsVoid)
        {
            return compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.AsyncVoidMethodBuilder");
        }

        if (method.ReturnType is not INamedTypeSymbol returnType)
        {
            return null;
        }

        var name = TypeLayout.MetadataName(returnType.OriginalDefinition);
        var builderName = name switch
        {
            "System.Threading.Tasks.Task" => "System.Runtime.CompilerServices.AsyncTaskMethodBuilder",
            "System.Threading.Tasks.Task`1" => "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1",
            "System.Threading.Tasks.ValueTask" => "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder",
            "System.Threading.Tasks.ValueTask`1" => "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder`1",
            _ => null,
        };
        if (builderName is not null)
        {
            var builder = compilation.GetTypeByMetadataName(builderName);
            return builder is null ? null : Construct(builder, returnType);
        }

        return BuilderFromAttributes(returnType.OriginalDefinition.GetAttributes(), returnType);
    }

    private static ITypeSymbol? BuilderFromAttributes(ImmutableArray<AttributeData> attributes, ITypeSymbol returnType)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.AttributeClass?.Name == "AsyncMethodBuilderAttribute" && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is INamedTypeSymbol builder)
            {
                return Construct(builder, returnType);
            }
        }

        return null;
    }

    private static INamedTypeSymbol Construct(INamedTypeSymbol builder, ITypeSymbol returnType)
    {
        var definition = builder.IsUnboundGenericType ? builder.OriginalDefinition : builder;
        if (definition.IsGenericType && definition.Equals(definition.OriginalDefinition, SymbolEqualityComparer.Default)
            && returnType is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == definition.Arity)
        {
            return definition.Construct(named.TypeArguments.ToArray());
        }

        return definition;
    }

    internal static string Display(ITypeSymbol? type) => type?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "?";

    /// <summary>One pass over one function's graph.</summary>
    private sealed class Analysis
    {
        private readonly ControlFlowGraph graph;
        private readonly SemanticModel model;
        private readonly SyntaxNode function;
        private readonly IMethodSymbol method;
        private readonly bool debug;
        private readonly CancellationToken cancellationToken;

        private readonly Dictionary<int, List<Event>> events = new();
        private readonly HashSet<ILocalSymbol> ownLocals = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, ControlFlowRegion> displayRegionOf = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ControlFlowRegion, DisplayKey> displayKeys = new();
        private readonly Dictionary<CaptureId, ITypeSymbol?[]> captureTypes = new();
        private readonly HashSet<CaptureId> assignmentTargetCaptures = new();
        private readonly Dictionary<CaptureId, ILocalSymbol> capturedTargetLocals = new();
        private readonly HashSet<IParameterSymbol> usedParameters = new(SymbolEqualityComparer.Default);
        private readonly List<(ITypeSymbol? Type, bool IsReference)> awaiters = new();
        private readonly Dictionary<ControlFlowRegion, List<List<ITypeSymbol?>>> spillGroups = new();
        private readonly HashSet<object> hoisted = new();
        private readonly HashSet<ControlFlowRegion> regionsWithAwait = new();
        private bool usesThis;

        public Analysis(ControlFlowGraph graph, SemanticModel model, SyntaxNode function, IMethodSymbol method, bool debug, CancellationToken cancellationToken)
        {
            this.graph = graph;
            this.model = model;
            this.function = function;
            this.method = method;
            this.debug = debug;
            this.cancellationToken = cancellationToken;
        }

        public void Run()
        {
            foreach (var region in AllRegions(graph.Root))
            {
                foreach (var local in region.Locals)
                {
                    ownLocals.Add(local);
                }
            }

            FindCapturedVariables();
            FindAssignmentTargetCaptures();

            foreach (var block in graph.Blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var list = new List<Event>();
                foreach (var key in DisplayKeysStartingAt(block))
                {
                    list.Add(Event.Write(key));
                }

                foreach (var operation in BlockOperations(block))
                {
                    var statement = new StatementState();
                    Visit(operation, list, statement);
                    if (statement.Spills.Count > 0)
                    {
                        AddSpillGroup(block.EnclosingRegion, statement.Spills);
                    }
                }

                if (list.Any(e => e.Kind == EventKind.Await))
                {
                    for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
                    {
                        regionsWithAwait.Add(region);
                    }
                }

                events[block.Ordinal] = list;
            }

            Solve();
        }

        // When the assigned value has control flow (an object initializer, ?:), the graph captures the assignment's target
        // first: `capture = quote; ...; capture = value`. That capture is a place to write, not a read of the local.
        private void FindAssignmentTargetCaptures()
        {
            foreach (var block in graph.Blocks)
            {
                foreach (var operation in BlockOperations(block))
                {
                    foreach (var assignment in operation.DescendantsAndSelf().OfType<ISimpleAssignmentOperation>())
                    {
                        var target = assignment.Target;
                        while (target is IFieldReferenceOperation { Instance: { Type.IsValueType: true } instance })
                        {
                            target = instance;
                        }

                        if (target is IFlowCaptureReferenceOperation capture)
                        {
                            assignmentTargetCaptures.Add(capture.Id);
                        }
                    }
                }
            }
        }

        private void AddSpillGroup(ControlFlowRegion region, List<ITypeSymbol?> spills)
        {
            if (!spillGroups.TryGetValue(region, out var groups))
            {
                spillGroups[region] = groups = new List<List<ITypeSymbol?>>();
            }

            groups.Add(spills);
        }

        private void FindCapturedVariables()
        {
            // Variables captured by lambdas (or local functions) live in a closure object created where their scope starts;
            // the closure, not the variable, is what the state machine hoists.
            var body = function switch
            {
                MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody?.Expression,
                LocalFunctionStatementSyntax l => (SyntaxNode?)l.Body ?? l.ExpressionBody?.Expression,
                AnonymousFunctionExpressionSyntax a => a.Body,
                _ => null,
            };
            // Only lambdas, local functions and query clauses (lambdas too) capture: without one, the flow analysis (a whole
            // pass of the compiler's data-flow walker) has nothing to find.
            if (body is null || !body.DescendantNodes().Any(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or QueryExpressionSyntax))
            {
                return;
            }

            DataFlowAnalysis? flow = body switch
            {
                StatementSyntax statement => model.AnalyzeDataFlow(statement),
                ExpressionSyntax expression => model.AnalyzeDataFlow(expression),
                _ => null,
            };
            if (flow is null || !flow.Succeeded)
            {
                return;
            }

            foreach (var symbol in flow.Captured)
            {
                if (symbol is IParameterSymbol { IsThis: true })
                {
                    usesThis = true;
                    continue;
                }

                if (symbol is IParameterSymbol captured && SymbolEqualityComparer.Default.Equals(captured.ContainingSymbol, method))
                {
                    usedParameters.Add(captured);
                }

                ControlFlowRegion? region = symbol switch
                {
                    ILocalSymbol local when ownLocals.Contains(local) => AllRegions(graph.Root).FirstOrDefault(r => r.Locals.Contains(local)),
                    IParameterSymbol parameter when SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method) => graph.Root,
                    _ => null,
                };
                if (region is null)
                {
                    continue;
                }

                displayRegionOf[symbol] = region;
                if (!displayKeys.ContainsKey(region))
                {
                    displayKeys[region] = new DisplayKey(region);
                }
            }
        }

        private IEnumerable<DisplayKey> DisplayKeysStartingAt(BasicBlock block)
            => displayKeys.Where(pair => pair.Key.FirstBlockOrdinal == block.Ordinal
                || (pair.Key == graph.Root && block.Kind == BasicBlockKind.Entry)).Select(pair => pair.Value);

        private object KeyOf(ILocalSymbol local)
            => displayRegionOf.TryGetValue(local, out var region) ? displayKeys[region] : local;

        private void Visit(IOperation operation, List<Event> list, StatementState statement)
        {
            switch (operation)
            {
                case IFlowAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    foreach (var key in displayKeys.Values)
                    {
                        list.Add(Event.Read(key));
                    }

                    return;

                case ILocalReferenceOperation local:
                    if (ownLocals.Contains(local.Local))
                    {
                        list.Add(Event.Read(KeyOf(local.Local)));
                    }
                    else
                    {
                        usesThis = true; // a captured variable of an enclosing function lives in this closure
                    }

                    return;

                case IParameterReferenceOperation parameter:
                    if (SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, method))
                    {
                        usedParameters.Add(parameter.Parameter);
                        if (displayRegionOf.TryGetValue(parameter.Parameter, out var region))
                        {
                            list.Add(Event.Read(displayKeys[region]));
                        }
                    }
                    else
                    {
                        usesThis = true;
                    }

                    return;

                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                    usesThis = true;
                    return;

                case IFlowCaptureOperation { Value: ILocalReferenceOperation targetLocal } targetCapture
                    when assignmentTargetCaptures.Contains(targetCapture.Id) && ownLocals.Contains(targetLocal.Local):
                    capturedTargetLocals[targetCapture.Id] = targetLocal.Local;
                    return;

                case IFlowCaptureReferenceOperation targetReference when capturedTargetLocals.TryGetValue(targetReference.Id, out var capturedLocal):
                    list.Add(Event.Read(KeyOf(capturedLocal)));
                    return;

                case IFlowCaptureReferenceOperation captureReference:
                    list.Add(Event.Read(captureReference.Id));
                    return;

                case IFlowCaptureOperation capture:
                    Visit(capture.Value, list, statement);
                    captureTypes[capture.Id] = CapturedTypes(capture.Value);
                    list.Add(Event.Write(capture.Id));
                    return;

                case ISimpleAssignmentOperation assignment when WrittenLocal(assignment.Target) is { } target:
                    VisitTargetInstance(assignment.Target, list, statement);
                    Visit(assignment.Value, list, statement);
                    list.Add(Event.Write(KeyOf(target)));
                    return;

                case IDeconstructionAssignmentOperation deconstruction:
                    Visit(deconstruction.Value, list, statement);
                    foreach (var local in DeconstructedLocals(deconstruction.Target))
                    {
                        list.Add(Event.Write(KeyOf(local)));
                    }

                    return;

                case ICompoundAssignmentOperation or ICoalesceAssignmentOperation or IIncrementOrDecrementOperation
                    when LocalTarget(operation) is { } readWrite:
                    list.Add(Event.Read(KeyOf(readWrite)));
                    statement.Pending.Add(new Pending(readWrite.Type, spillable: true));
                    foreach (var child in operation.ChildOperations.Skip(1))
                    {
                        Visit(child, list, statement);
                    }

                    statement.Pending.RemoveAt(statement.Pending.Count - 1);
                    list.Add(Event.Write(KeyOf(readWrite)));
                    return;

                case IArgumentOperation { Parameter.RefKind: RefKind.Out, Value: ILocalReferenceOperation outLocal } when ownLocals.Contains(outLocal.Local):
                    list.Add(Event.Write(KeyOf(outLocal.Local)));
                    return;

                case IArgumentOperation { Value: IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } } when ownLocals.Contains(declared.Local):
                    list.Add(Event.Write(KeyOf(declared.Local)));
                    return;

                case ISimpleAssignmentOperation or ICompoundAssignmentOperation or ICoalesceAssignmentOperation:
                    VisitAssignmentToPlace(operation, list, statement);
                    return;

                case IInterpolatedStringOperation interpolated when ContainsAwait(interpolated):
                    VisitInterpolatedStringWithAwait(interpolated, list, statement);
                    return;

                case IAwaitOperation await:
                    Visit(await.Operation, list, statement);
                    SpillPending(statement);
                    RecordAwaiter(await);
                    list.Add(Event.Await());
                    return;
            }

            var children = operation.ChildOperations.ToList();
            var pushed = 0;
            for (var i = 0; i < children.Count; i++)
            {
                Visit(children[i], list, statement);
                if (i < children.Count - 1)
                {
                    statement.Pending.Add(PendingValue(children[i]));
                    pushed++;
                }
            }

            statement.Pending.RemoveRange(statement.Pending.Count - pushed, pushed);

            if (operation is IPatternOperation pattern && DeclaredLocal(pattern) is { } patternLocal && ownLocals.Contains(patternLocal))
            {
                list.Add(Event.Write(KeyOf(patternLocal)));
            }
        }

        // `place = value` where the place is an indexer, property, field of an object or array element: the receiver and
        // the indices are evaluated first and spilled if the value awaits; a compound assignment also reads the place.
        private void VisitAssignmentToPlace(IOperation operation, List<Event> list, StatementState statement)
        {
            var children = operation.ChildOperations.ToList();
            if (children.Count != 2)
            {
                foreach (var child in children)
                {
                    Visit(child, list, statement);
                }

                return;
            }

            var target = children[0];
            var pushed = 0;
            foreach (var part in target.ChildOperations)
            {
                Visit(part, list, statement);
                statement.Pending.Add(PendingValue(part));
                pushed++;
            }

            if (operation is not ISimpleAssignmentOperation)
            {
                statement.Pending.Add(new Pending(target.Type, spillable: true));
                pushed++;
            }

            Visit(children[1], list, statement);
            statement.Pending.RemoveRange(statement.Pending.Count - pushed, pushed);
        }

        // With an await inside, an interpolated string cannot use a (ref struct) handler: the compiler calls string.Concat
        // when every hole is a plain string and string.Format otherwise, passing up to 4 (Concat) or 3 (Format) arguments
        // directly and more through an inline array that is hoisted as a whole.
        private void VisitInterpolatedStringWithAwait(IInterpolatedStringOperation interpolated, List<Event> list, StatementState statement)
        {
            var parts = interpolated.Parts;
            var holes = parts.OfType<IInterpolationOperation>().ToList();
            var concat = holes.All(h => h.Expression.Type?.SpecialType == SpecialType.System_String && h.Alignment is null && h.FormatString is null);
            var arguments = concat ? parts.Length : holes.Count;
            var elementType = model.Compilation.GetSpecialType(concat ? SpecialType.System_String : SpecialType.System_Object);
            if (arguments > (concat ? 4 : 3))
            {
                var awaitAfterFirst = parts.Skip(1).Any(ContainsAwait);
                foreach (var part in parts)
                {
                    Visit(part, list, statement);
                }

                if (awaitAfterFirst)
                {
                    for (var i = 0; i < arguments; i++)
                    {
                        statement.Spills.Add(elementType);
                    }
                }

                return;
            }

            var pushed = 0;
            foreach (var part in parts)
            {
                Visit(part, list, statement);
                statement.Pending.Add(part is IInterpolationOperation ? new Pending(elementType, spillable: true) : new Pending(null, spillable: false));
                pushed++;
            }

            statement.Pending.RemoveRange(statement.Pending.Count - pushed, pushed);
        }

        // The graph models every foreach with GetEnumerator; the compiler walks arrays and strings by index instead, keeping
        // the array or string and an int.
        private ITypeSymbol?[] CapturedTypes(IOperation value)
        {
            if (value is IInvocationOperation { TargetMethod.Name: "GetEnumerator", Instance: { } instance })
            {
                while (instance is IConversionOperation { IsImplicit: true } conversion)
                {
                    instance = conversion.Operand;
                }

                if (instance.Type is IArrayTypeSymbol { Rank: 1 } || instance.Type?.SpecialType == SpecialType.System_String)
                {
                    return new[] { instance.Type, model.Compilation.GetSpecialType(SpecialType.System_Int32) };
                }
            }

            return new[] { value.Type };
        }

        private static bool ContainsAwait(IOperation operation)
            => operation.DescendantsAndSelf().Any(o => o is IAwaitOperation);

        private void VisitTargetInstance(IOperation target, List<Event> list, StatementState statement)
        {
            // `s.Field = value` on a struct local writes part of the local; only the instance chain is evaluated.
            if (target is IFieldReferenceOperation { Instance: { } instance } && instance is not ILocalReferenceOperation)
            {
                VisitTargetInstance(instance, list, statement);
            }
        }

        private ILocalSymbol? WrittenLocal(IOperation target) => target switch
        {
            ILocalReferenceOperation local when ownLocals.Contains(local.Local) && local.Local.RefKind == RefKind.None => local.Local,
            IFieldReferenceOperation { Instance: { Type.IsValueType: true } instance } => WrittenLocal(instance),
            IFlowCaptureReferenceOperation capture when capturedTargetLocals.TryGetValue(capture.Id, out var local) => local,
            _ => null,
        };

        private ILocalSymbol? LocalTarget(IOperation operation)
        {
            var target = operation switch
            {
                ICompoundAssignmentOperation compound => compound.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                _ => null,
            };
            return target is ILocalReferenceOperation local && ownLocals.Contains(local.Local) ? local.Local : null;
        }

        private static IEnumerable<ILocalSymbol> DeconstructedLocals(IOperation target)
        {
            switch (target)
            {
                case ILocalReferenceOperation local:
                    yield return local.Local;
                    break;
                case IDeclarationExpressionOperation declaration:
                    foreach (var nested in DeconstructedLocals(declaration.Expression))
                    {
                        yield return nested;
                    }

                    break;
                case ITupleOperation tuple:
                    foreach (var element in tuple.Elements)
                    {
                        foreach (var nested in DeconstructedLocals(element))
                        {
                            yield return nested;
                        }
                    }

                    break;
            }
        }

        private static ILocalSymbol? DeclaredLocal(IPatternOperation pattern) => pattern switch
        {
            IDeclarationPatternOperation declaration => declaration.DeclaredSymbol as ILocalSymbol,
            IRecursivePatternOperation recursive => recursive.DeclaredSymbol as ILocalSymbol,
            IListPatternOperation list => list.DeclaredSymbol as ILocalSymbol,
            _ => null,
        };

        private static Pending PendingValue(IOperation operation)
        {
            var value = operation is IArgumentOperation argument ? argument.Value : operation;
            var spillable = value.Type is not null
                && !value.ConstantValue.HasValue
                && value is not (IInstanceReferenceOperation or ITypeOfOperation or IDefaultValueOperation or IDeclarationExpressionOperation)
                && !(operation is IArgumentOperation { Parameter.RefKind: not RefKind.None })
                && !(value.Type.SpecialType == SpecialType.System_Void);
            return new Pending(value.Type, spillable);
        }

        private static void SpillPending(StatementState statement)
        {
            foreach (var pending in statement.Pending)
            {
                if (pending.Spillable && !pending.Spilled)
                {
                    pending.Spilled = true;
                    statement.Spills.Add(pending.Type);
                }
            }
        }

        private void RecordAwaiter(IAwaitOperation await)
        {
            var awaiter = AwaiterType(await, model);
            var isReference = awaiter is null || !awaiter.IsValueType || awaiter.TypeKind == TypeKind.Dynamic;
            if (isReference)
            {
                if (!awaiters.Any(a => a.IsReference))
                {
                    awaiters.Add((awaiter, true));
                }

                return;
            }

            if (!awaiters.Any(a => !a.IsReference && SymbolEqualityComparer.Default.Equals(a.Type, awaiter)))
            {
                awaiters.Add((awaiter, false));
            }
        }

        // "Assigned since the last await" on every path, the compiler's own test: a variable read where it is not is
        // live across an await and must be hoisted. Null stands for "every variable" (not yet reached).
        private void Solve()
        {
            var blocks = graph.Blocks;
            var inStates = new HashSet<object>?[blocks.Length];
            inStates[0] = new HashSet<object>();
            var finallyContinuations = new Dictionary<ControlFlowRegion, List<BasicBlock?>>();

            var changed = true;
            var guard = 0;
            while (changed && guard++ < 1000)
            {
                cancellationToken.ThrowIfCancellationRequested();
                changed = false;
                foreach (var block in blocks)
                {
                    var inState = inStates[block.Ordinal];
                    if (inState is null)
                    {
                        continue;
                    }

                    var outState = Transfer(block, inState, report: false);
                    foreach (var branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
                    {
                        if (branch is null)
                        {
                            continue;
                        }

                        var targets = new List<BasicBlock?>();
                        if (branch.FinallyRegions.Length > 0)
                        {
                            targets.Add(blocks[branch.FinallyRegions[0].FirstBlockOrdinal]);
                            for (var i = 0; i < branch.FinallyRegions.Length; i++)
                            {
                                var next = i + 1 < branch.FinallyRegions.Length ? blocks[branch.FinallyRegions[i + 1].FirstBlockOrdinal] : branch.Destination;
                                if (!finallyContinuations.TryGetValue(branch.FinallyRegions[i], out var continuations))
                                {
                                    finallyContinuations[branch.FinallyRegions[i]] = continuations = new List<BasicBlock?>();
                                }

                                if (!continuations.Contains(next))
                                {
                                    continuations.Add(next);
                                    changed = true;
                                }
                            }
                        }
                        else if (branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling
                            && block.EnclosingRegion.Kind == ControlFlowRegionKind.Finally
                            && finallyContinuations.TryGetValue(block.EnclosingRegion, out var after))
                        {
                            targets.AddRange(after);
                        }
                        else
                        {
                            targets.Add(branch.Destination);
                        }

                        foreach (var target in targets)
                        {
                            if (target is not null)
                            {
                                changed |= Meet(inStates, target.Ordinal, outState);
                            }
                        }
                    }
                }

                // Handlers can be entered from any point of their try: the try's entry state, or nothing after an await in it.
                foreach (var region in AllRegions(graph.Root))
                {
                    if (region.Kind is not (ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally) || region.NestedRegions.Length < 2)
                    {
                        continue;
                    }

                    var tryRegion = region.NestedRegions[0];
                    var tryEntry = inStates[tryRegion.FirstBlockOrdinal];
                    if (tryEntry is null)
                    {
                        continue;
                    }

                    var exceptional = regionsWithAwait.Contains(tryRegion) ? new HashSet<object>() : tryEntry;
                    foreach (var handler in region.NestedRegions.Skip(1))
                    {
                        changed |= Meet(inStates, handler.FirstBlockOrdinal, exceptional);
                    }
                }
            }

            foreach (var block in blocks)
            {
                if (inStates[block.Ordinal] is { } inState)
                {
                    Transfer(block, inState, report: true);
                }
            }
        }

        private static bool Meet(HashSet<object>?[] inStates, int ordinal, HashSet<object> incoming)
        {
            var current = inStates[ordinal];
            if (current is null)
            {
                inStates[ordinal] = new HashSet<object>(incoming);
                return true;
            }

            var before = current.Count;
            current.IntersectWith(incoming);
            return current.Count != before;
        }

        private HashSet<object> Transfer(BasicBlock block, HashSet<object> inState, bool report)
        {
            var state = new HashSet<object>(inState);
            foreach (var e in events[block.Ordinal])
            {
                switch (e.Kind)
                {
                    case EventKind.Write:
                        state.Add(e.Key!);
                        break;
                    case EventKind.Await:
                        state.Clear();
                        break;
                    case EventKind.Read when report && !state.Contains(e.Key!):
                        hoisted.Add(e.Key!);
                        break;
                }
            }

            return state;
        }

        public StateMachineEstimate Build()
        {
            var compilation = model.Compilation;
            var fields = ImmutableArray.CreateBuilder<HoistedField>();
            var notes = ImmutableArray.CreateBuilder<string>();

            var intType = compilation.GetSpecialType(SpecialType.System_Int32);
            var objectType = compilation.GetSpecialType(SpecialType.System_Object);
            fields.Add(Field("<>1__state", HoistedFieldKind.State, intType));

            var builder = BuilderType(method, compilation);
            fields.Add(Field("<>t__builder", HoistedFieldKind.Builder, builder));

            // Debug builds hoist `this` and every parameter whether the body uses them or not.
            if ((usesThis || debug) && !method.IsStatic)
            {
                var containing = method.ContainingType;
                var thisType = method.MethodKind is MethodKind.LambdaMethod or MethodKind.LocalFunction ? null : containing;
                // A lambda's or local function's `this` is its closure object (or the instance it captured).
                var thisField = thisType is { IsValueType: true }
                    ? Field("this", HoistedFieldKind.This, thisType)
                    : new HoistedField(thisType is null ? "closure" : "this", HoistedFieldKind.This, thisType, thisType is null ? "closure" : Display(thisType), TypeSize.Reference, ImmutableArray<ISymbol>.Empty);
                fields.Add(thisField);
            }

            foreach (var parameter in method.Parameters)
            {
                if (debug || usedParameters.Contains(parameter))
                {
                    fields.Add(Field(parameter.Name, HoistedFieldKind.Parameter, parameter.Type, parameter));
                }
            }

            foreach (var slot in Allocate(graph.Root))
            {
                fields.Add(slot);
            }

            foreach (var (type, isReference) in awaiters)
            {
                fields.Add(isReference
                    ? new HoistedField("awaiter " + (type is null ? "object" : Display(type)), HoistedFieldKind.Awaiter, objectType, "object", TypeSize.Reference, ImmutableArray<ISymbol>.Empty)
                    : Field("awaiter " + Display(type), HoistedFieldKind.Awaiter, type));
            }

            foreach (var field in fields)
            {
                if (field.Size.IsExact)
                {
                    continue;
                }

                notes.Add(field.Type is ITypeParameterSymbol
                    ? $"'{field.Name}' has the type parameter {field.TypeName}: sized as 8 bytes, its real size depends on the instantiation"
                    : $"the size of '{field.Name}' ({field.TypeName}) is estimated: its layout is not visible in the referenced assembly");
            }

            if (debug)
            {
                notes.Add("Debug build: the state machine is a class and every local is hoisted");
            }

            return new StateMachineEstimate(debug, fields.ToImmutable(), notes.ToImmutable());
        }

        private static HoistedField Field(string name, HoistedFieldKind kind, ITypeSymbol? type, ISymbol? symbol = null)
            => new(name, kind, type, Display(type), TypeLayout.SizeOf(type), symbol is null ? ImmutableArray<ISymbol>.Empty : ImmutableArray.Create(symbol));

        /// <summary>
        /// Hoisted variables of a region get fields; nested regions reuse the fields of the same type that earlier sibling
        /// regions used (Release), so a region needs its own variables plus the most any one child needs.
        /// </summary>
        private List<HoistedField> Allocate(ControlFlowRegion root)
        {
            var slots = AllocateRegion(root);
            return slots.SelectMany(pair => pair.Value.Select(slot => slot.ToField(pair.Key))).ToList();
        }

        private Dictionary<string, List<Slot>> AllocateRegion(ControlFlowRegion region)
        {
            var own = new Dictionary<string, List<Slot>>();

            void AddOwn(Item item)
            {
                var key = item.TypeKey;
                if (!own.TryGetValue(key, out var list))
                {
                    own[key] = list = new List<Slot>();
                }

                list.Add(new Slot(item));
            }

            foreach (var local in region.Locals)
            {
                if (displayRegionOf.ContainsKey(local))
                {
                    continue;
                }

                if (debug || hoisted.Contains(local))
                {
                    AddOwn(new Item(local.Name, HoistedFieldKind.Local, local.Type, local));
                }
            }

            foreach (var capture in region.CaptureIds)
            {
                if (hoisted.Contains(capture) && captureTypes.TryGetValue(capture, out var types))
                {
                    foreach (var type in types)
                    {
                        AddOwn(new Item(HiddenName(region), HoistedFieldKind.HiddenLocal, type, null));
                    }
                }
            }

            if (displayKeys.TryGetValue(region, out var display) && (debug || hoisted.Contains(display)))
            {
                AddOwn(new Item("closure", HoistedFieldKind.Closure, null, null));
            }

            if (region.Kind is ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally
                && region.NestedRegions.Skip(1).Any(regionsWithAwait.Contains))
            {
                var objectType = model.Compilation.GetSpecialType(SpecialType.System_Object);
                var intType = model.Compilation.GetSpecialType(SpecialType.System_Int32);
                AddOwn(new Item("pending exception", HoistedFieldKind.ExceptionState, objectType, null));
                AddOwn(new Item("pending branch", HoistedFieldKind.ExceptionState, intType, null));
            }

            var ownCounts = own.ToDictionary(pair => pair.Key, pair => pair.Value.Count);
            var children = new List<Dictionary<string, List<Slot>>>();
            foreach (var nested in region.NestedRegions)
            {
                children.Add(AllocateRegion(nested));
            }

            if (spillGroups.TryGetValue(region, out var groups))
            {
                foreach (var group in groups)
                {
                    var spill = new Dictionary<string, List<Slot>>();
                    foreach (var type in group)
                    {
                        var item = new Item("spilled operand", HoistedFieldKind.Spill, type, null);
                        if (!spill.TryGetValue(item.TypeKey, out var list))
                        {
                            spill[item.TypeKey] = list = new List<Slot>();
                        }

                        list.Add(new Slot(item));
                    }

                    children.Add(spill);
                }
            }

            foreach (var child in children)
            {
                foreach (var pair in child)
                {
                    if (!own.TryGetValue(pair.Key, out var list))
                    {
                        own[pair.Key] = list = new List<Slot>();
                    }

                    // Release reuses a field of the same type once the scope that used it has ended; Debug never does.
                    var start = ownCounts.TryGetValue(pair.Key, out var count) ? count : 0;
                    for (var i = 0; i < pair.Value.Count; i++)
                    {
                        if (!debug && start + i < list.Count)
                        {
                            list[start + i].Merge(pair.Value[i]);
                        }
                        else
                        {
                            list.Add(pair.Value[i]);
                        }
                    }
                }
            }

            return own;
        }

        private static string HiddenName(ControlFlowRegion region)
        {
            var syntax = region.Locals.Length > 0 ? region.Locals[0].DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() : null;
            return syntax?.FirstAncestorOrSelf<ForEachStatementSyntax>() is not null ? "foreach enumerator" : "hidden local";
        }
    }

    private sealed class DisplayKey
    {
        public DisplayKey(ControlFlowRegion region) => Region = region;

        public ControlFlowRegion Region { get; }
    }

    private enum EventKind
    {
        Read,
        Write,
        Await,
    }

    private readonly struct Event
    {
        private Event(EventKind kind, object? key)
        {
            Kind = kind;
            Key = key;
        }

        public EventKind Kind { get; }

        public object? Key { get; }

        public static Event Read(object key) => new(EventKind.Read, key);

        public static Event Write(object key) => new(EventKind.Write, key);

        public static Event Await() => new(EventKind.Await, null);
    }

    private sealed class Pending
    {
        public Pending(ITypeSymbol? type, bool spillable)
        {
            Type = type;
            Spillable = spillable;
        }

        public ITypeSymbol? Type { get; }

        public bool Spillable { get; }

        public bool Spilled { get; set; }
    }

    private sealed class StatementState
    {
        public List<Pending> Pending { get; } = new();

        public List<ITypeSymbol?> Spills { get; } = new();
    }

    private sealed class Item
    {
        public Item(string name, HoistedFieldKind kind, ITypeSymbol? type, ISymbol? symbol)
        {
            Name = name;
            Kind = kind;
            Type = type;
            Symbol = symbol;
            TypeKey = type is null ? "ref" : KeyOf(type);
        }

        public string Name { get; }

        public HoistedFieldKind Kind { get; }

        public ITypeSymbol? Type { get; }

        public ISymbol? Symbol { get; }

        public string TypeKey { get; }

        public static string KeyOf(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
    }

    private sealed class Slot
    {
        private readonly List<Item> items = new();

        public Slot(Item item) => items.Add(item);

        public void Merge(Slot other) => items.AddRange(other.items);

        public HoistedField ToField(string typeKey)
        {
            var first = items.FirstOrDefault(i => i.Symbol is not null) ?? items[0];
            var names = items.Select(i => i.Name).Distinct().ToList();
            var symbols = items.Where(i => i.Symbol is not null).Select(i => i.Symbol!).ToImmutableArray();
            var size = first.Type is null ? TypeSize.Reference : TypeLayout.SizeOf(first.Type);
            var typeName = first.Type is null ? (first.Kind == HoistedFieldKind.Closure ? "closure" : typeKey) : Display(first.Type);
            return new HoistedField(string.Join("/", names), first.Kind, first.Type, typeName, size, symbols);
        }
    }
}
