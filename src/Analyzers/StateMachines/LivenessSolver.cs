using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// Decides which variables live across an await, with the compiler's own test: a variable is hoisted when it is read on some
/// path where it has not been assigned since the last await. A forward "definitely assigned since the last await" analysis
/// over the control-flow graph: the state of a block is the set of variables assigned on every path into it (the meet is the
/// intersection; an unreached block has no state yet), a write adds a variable, an await empties the set.
/// </summary>
internal static class LivenessSolver
{
    // A bound on rounds so broken graphs end; real functions settle in a handful.
    private const int MaxRounds = 1000;

    /// <summary>The ids of the variables read somewhere they are not assigned since the last await: those the state machine hoists.</summary>
    public static VariableSet Solve(ControlFlowGraph graph, FunctionFlow flow, CancellationToken cancellationToken)
    {
        var count = flow.Variables.Count;
        var blocks = graph.Blocks;
        var inStates = new VariableSet?[blocks.Length];
        inStates[0] = new VariableSet(count);
        var outState = new VariableSet(count);
        var nothingAssigned = new VariableSet(count);
        var finallyContinuations = new Dictionary<ControlFlowRegion, List<BasicBlock?>>();
        var tryRegions = FunctionGraphs.AllRegions(graph.Root)
            .Where(r => (r.Kind is ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally) && r.NestedRegions.Length >= 2)
            .ToList();
        var targets = new List<BasicBlock?>();

        var changed = true;
        var rounds = 0;
        while (changed && rounds++ < MaxRounds)
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

                outState.CopyFrom(inState);
                Transfer(flow.EventsByBlock[block.Ordinal], outState, hoisted: null);
                for (var which = 0; which < 2; which++)
                {
                    var branch = which == 0 ? block.FallThroughSuccessor : block.ConditionalSuccessor;
                    if (branch is null)
                    {
                        continue;
                    }

                    targets.Clear();
                    if (branch.FinallyRegions.Length > 0)
                    {
                        // Leaving through finally blocks: enter the first; each one continues to the next, the last to the
                        // destination. A finally reached from several branches continues to all their next steps.
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
            foreach (var region in tryRegions)
            {
                var tryRegion = region.NestedRegions[0];
                var tryEntry = inStates[tryRegion.FirstBlockOrdinal];
                if (tryEntry is null)
                {
                    continue;
                }

                var exceptional = flow.RegionsWithAwait.Contains(tryRegion) ? nothingAssigned : tryEntry;
                foreach (var handler in region.NestedRegions.Skip(1))
                {
                    changed |= Meet(inStates, handler.FirstBlockOrdinal, exceptional);
                }
            }
        }

        var hoisted = new VariableSet(count);
        foreach (var block in blocks)
        {
            if (inStates[block.Ordinal] is { } inState)
            {
                outState.CopyFrom(inState);
                Transfer(flow.EventsByBlock[block.Ordinal], outState, hoisted);
            }
        }

        return hoisted;
    }

    /// <summary>Intersects the incoming state into a block's; the first state to reach a block is copied. True on a change.</summary>
    private static bool Meet(VariableSet?[] inStates, int ordinal, VariableSet incoming)
    {
        var current = inStates[ordinal];
        if (current is null)
        {
            inStates[ordinal] = incoming.Clone();
            return true;
        }

        return current.IntersectWith(incoming);
    }

    /// <summary>Runs a block's events over <paramref name="state"/>; once the states are final, records unassigned reads in <paramref name="hoisted"/>.</summary>
    private static void Transfer(FlowEvent[] events, VariableSet state, VariableSet? hoisted)
    {
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case FlowEventKind.Write:
                    state.Add(e.Variable);
                    break;
                case FlowEventKind.Await:
                    state.Clear();
                    break;
                case FlowEventKind.Read when hoisted is not null && !state.Contains(e.Variable):
                    hoisted.Add(e.Variable);
                    break;
            }
        }
    }
}
