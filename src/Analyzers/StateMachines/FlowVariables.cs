using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// The variables whose liveness decides what one function's state machine hoists, each with a dense id so that the solver's
/// state is a bit set: the function's own locals, the graph's flow captures (hidden locals: foreach enumerators, using
/// resources, values held for control flow inside an expression) and one closure object per scope whose variables a lambda or
/// local function captures.
/// </summary>
internal sealed class FlowVariables
{
    private readonly HashSet<ILocalSymbol> ownLocals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, ControlFlowRegion> closureRegionOf = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ControlFlowRegion, int> closures = new();
    private readonly Dictionary<ILocalSymbol, int> locals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<CaptureId, int> captures = new();
    private readonly List<IParameterSymbol> capturedParameters = new();

    private FlowVariables()
    {
    }

    /// <summary>How many ids have been given out: the size of a state over these variables.</summary>
    public int Count { get; private set; }

    /// <summary>A lambda or local function captures <c>this</c>, so the state machine keeps it.</summary>
    public bool CapturesThis { get; private set; }

    /// <summary>The function's own parameters that a lambda or local function captures.</summary>
    public IReadOnlyList<IParameterSymbol> CapturedParameters => capturedParameters;

    /// <summary>Each scope that holds captured variables, with the id of its closure object, in the order they were found.</summary>
    public IReadOnlyDictionary<ControlFlowRegion, int> Closures => closures;

    /// <summary>Finds the function's own locals and the closure scopes of its captured variables.</summary>
    public static FlowVariables Create(ControlFlowGraph graph, SyntaxNode function, IMethodSymbol method, SemanticModel model)
    {
        var variables = new FlowVariables();
        foreach (var region in FunctionGraphs.AllRegions(graph.Root))
        {
            foreach (var local in region.Locals)
            {
                variables.ownLocals.Add(local);
            }
        }

        variables.FindCapturedVariables(graph, function, method, model);
        return variables;
    }

    /// <summary>A local declared in this function's graph (not one of an enclosing function, which lives in a closure).</summary>
    public bool IsOwn(ILocalSymbol local) => ownLocals.Contains(local);

    /// <summary>True when <paramref name="symbol"/> lives in a closure object rather than in a field of its own.</summary>
    public bool IsCaptured(ISymbol symbol) => closureRegionOf.ContainsKey(symbol);

    /// <summary>The id a read or write of <paramref name="local"/> touches: its closure's when it is captured.</summary>
    public int Of(ILocalSymbol local)
        => closureRegionOf.TryGetValue(local, out var region) ? closures[region] : Intern(locals, local);

    public int Of(CaptureId capture) => Intern(captures, capture);

    /// <summary>The closure id of a captured parameter.</summary>
    public bool TryGetClosureOf(ISymbol symbol, out int id)
    {
        if (closureRegionOf.TryGetValue(symbol, out var region))
        {
            id = closures[region];
            return true;
        }

        id = -1;
        return false;
    }

    /// <summary>The id of a local that some operation read or wrote; a local never touched has none (and is never live).</summary>
    public bool TryGetLocal(ILocalSymbol local, out int id) => locals.TryGetValue(local, out id);

    public bool TryGetCapture(CaptureId capture, out int id) => captures.TryGetValue(capture, out id);

    public bool TryGetClosure(ControlFlowRegion region, out int id) => closures.TryGetValue(region, out id);

    private int Intern<TKey>(Dictionary<TKey, int> ids, TKey key)
        where TKey : notnull
    {
        if (!ids.TryGetValue(key, out var id))
        {
            ids[key] = id = Count++;
        }

        return id;
    }

    // Variables captured by lambdas (or local functions) live in a closure object created where their scope starts;
    // the closure, not the variable, is what the state machine hoists.
    private void FindCapturedVariables(ControlFlowGraph graph, SyntaxNode function, IMethodSymbol method, SemanticModel model)
    {
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
                CapturesThis = true;
                continue;
            }

            if (symbol is IParameterSymbol captured && SymbolEqualityComparer.Default.Equals(captured.ContainingSymbol, method))
            {
                capturedParameters.Add(captured);
            }

            ControlFlowRegion? region = symbol switch
            {
                ILocalSymbol local when ownLocals.Contains(local) => FunctionGraphs.AllRegions(graph.Root).FirstOrDefault(r => r.Locals.Contains(local)),
                IParameterSymbol parameter when SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method) => graph.Root,
                _ => null,
            };
            if (region is null)
            {
                continue;
            }

            closureRegionOf[symbol] = region;
            if (!closures.ContainsKey(region))
            {
                closures[region] = Count++;
            }
        }
    }
}
