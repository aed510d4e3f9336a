using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// What <see cref="HoistingVisitor"/> learns from one function's graph: for each block, the reads, writes and awaits in order
/// (what <see cref="LivenessSolver"/> needs), and what hoists whatever liveness says (what <see cref="FieldAllocator"/> needs).
/// </summary>
internal sealed class FunctionFlow
{
    public FunctionFlow(
        FlowEvent[][] eventsByBlock,
        FlowVariables variables,
        bool usesThis,
        HashSet<IParameterSymbol> usedParameters,
        List<(ITypeSymbol? Type, bool IsReference)> awaiters,
        Dictionary<ControlFlowRegion, List<List<ITypeSymbol?>>> spillGroups,
        HashSet<ControlFlowRegion> regionsWithAwait,
        Dictionary<CaptureId, ITypeSymbol?[]> captureTypes)
    {
        EventsByBlock = eventsByBlock;
        Variables = variables;
        UsesThis = usesThis;
        UsedParameters = usedParameters;
        Awaiters = awaiters;
        SpillGroups = spillGroups;
        RegionsWithAwait = regionsWithAwait;
        CaptureTypes = captureTypes;
    }

    /// <summary>Indexed by block ordinal.</summary>
    public FlowEvent[][] EventsByBlock { get; }

    public FlowVariables Variables { get; }

    /// <summary>The body uses <c>this</c> (or, in a lambda or local function, its closure).</summary>
    public bool UsesThis { get; }

    /// <summary>The parameters the body uses: the compiler copies each into the state machine, live or not.</summary>
    public HashSet<IParameterSymbol> UsedParameters { get; }

    /// <summary>One entry per distinct value-type awaiter, and at most one for every reference-type awaiter (they share a field).</summary>
    public List<(ITypeSymbol? Type, bool IsReference)> Awaiters { get; }

    /// <summary>Per region, the operand types each statement spills before an await.</summary>
    public Dictionary<ControlFlowRegion, List<List<ITypeSymbol?>>> SpillGroups { get; }

    /// <summary>Every region that holds an await, with the regions that enclose it.</summary>
    public HashSet<ControlFlowRegion> RegionsWithAwait { get; }

    /// <summary>The types a flow capture stores (two for a foreach over an array or string: the array and the index).</summary>
    public Dictionary<CaptureId, ITypeSymbol?[]> CaptureTypes { get; }
}

internal enum FlowEventKind
{
    Read,
    Write,
    Await,
}

/// <summary>A read or write of one of the <see cref="FlowVariables"/>, or an await (which makes every variable unassigned).</summary>
internal readonly struct FlowEvent
{
    private FlowEvent(FlowEventKind kind, int variable)
    {
        Kind = kind;
        Variable = variable;
    }

    public FlowEventKind Kind { get; }

    /// <summary>The variable's id in <see cref="FlowVariables"/>; -1 for an await.</summary>
    public int Variable { get; }

    public static FlowEvent Read(int variable) => new(FlowEventKind.Read, variable);

    public static FlowEvent Write(int variable) => new(FlowEventKind.Write, variable);

    public static FlowEvent Await() => new(FlowEventKind.Await, -1);
}
