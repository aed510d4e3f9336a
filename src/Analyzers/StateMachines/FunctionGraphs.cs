using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// Finds the control-flow graph of one async function: the graph of its method body, or the nested graph of a local function
/// or lambda inside it. Roslyn only builds nested graphs from their root's graph, so the root is built once and kept.
/// </summary>
internal static class FunctionGraphs
{
    // The async lambdas of one method all start from the method's graph: build it once, as long as its operation tree lives.
    private static readonly ConditionalWeakTable<IOperation, ControlFlowGraph> RootGraphs = new();

    /// <summary>The graph whose original operation is <paramref name="function"/>, or null when it cannot be built.</summary>
    public static ControlFlowGraph? Find(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
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
            graph = RootGraphs.GetValue(root, _ => graph);
        }

        return graph is null ? null : FindNested(graph, function, cancellationToken, depth: 0);
    }

    /// <summary>The operations of <paramref name="block"/> in order, its branch value last.</summary>
    public static IEnumerable<IOperation> BlockOperations(BasicBlock block)
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

    /// <summary><paramref name="region"/> and every region nested in it, outer regions first.</summary>
    public static IEnumerable<ControlFlowRegion> AllRegions(ControlFlowRegion region)
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
}
