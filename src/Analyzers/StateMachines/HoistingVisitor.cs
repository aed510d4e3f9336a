using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// One pass over the operations of one function's control-flow graph, in block order, turning them into what decides the
/// state machine's fields: the reads, writes and awaits of every <see cref="FlowVariables">variable</see> (for the liveness
/// solver), the parameters and <c>this</c> the body uses, the operands spilled before an await, and the awaiter types.
/// </summary>
/// <remarks>
/// The order of events inside a statement follows the compiler's evaluation order, because that is what decides whether a
/// value is still needed after an await: <c>x = x + await y</c> reads <c>x</c> before the await (and spills it), then writes it.
/// </remarks>
internal sealed class HoistingVisitor
{
    private readonly ControlFlowGraph graph;
    private readonly SemanticModel model;
    private readonly IMethodSymbol method;
    private readonly FlowVariables variables;
    private readonly CancellationToken cancellationToken;

    private readonly HashSet<CaptureId> assignmentTargetCaptures = new();
    private readonly Dictionary<CaptureId, ILocalSymbol> capturedTargetLocals = new();
    private readonly Dictionary<CaptureId, ITypeSymbol?[]> captureTypes = new();
    private readonly HashSet<IParameterSymbol> usedParameters = new(SymbolEqualityComparer.Default);
    private readonly List<(ITypeSymbol? Type, bool IsReference)> awaiters = new();
    private readonly Dictionary<ControlFlowRegion, List<List<ITypeSymbol?>>> spillGroups = new();
    private readonly HashSet<ControlFlowRegion> regionsWithAwait = new();
    private bool usesThis;

    private HoistingVisitor(ControlFlowGraph graph, SemanticModel model, IMethodSymbol method, FlowVariables variables, CancellationToken cancellationToken)
    {
        this.graph = graph;
        this.model = model;
        this.method = method;
        this.variables = variables;
        this.cancellationToken = cancellationToken;

        // What a lambda or local function captures is used even where no operation of this graph names it.
        usesThis = variables.CapturesThis;
        foreach (var parameter in variables.CapturedParameters)
        {
            usedParameters.Add(parameter);
        }
    }

    public static FunctionFlow Collect(ControlFlowGraph graph, SyntaxNode function, IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
    {
        var variables = FlowVariables.Create(graph, function, method, model);
        return new HoistingVisitor(graph, model, method, variables, cancellationToken).Run();
    }

    private FunctionFlow Run()
    {
        FindAssignmentTargetCaptures();

        var eventsByBlock = new FlowEvent[graph.Blocks.Length][];
        foreach (var block in graph.Blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var list = new List<FlowEvent>();

            // A closure object is created where its scope starts: that writes it.
            foreach (var closure in variables.Closures)
            {
                if (closure.Key.FirstBlockOrdinal == block.Ordinal || (closure.Key == graph.Root && block.Kind == BasicBlockKind.Entry))
                {
                    list.Add(FlowEvent.Write(closure.Value));
                }
            }

            foreach (var operation in FunctionGraphs.BlockOperations(block))
            {
                var statement = new StatementState();
                Visit(operation, list, statement);
                if (statement.Spills.Count > 0)
                {
                    AddSpillGroup(block.EnclosingRegion, statement.Spills);
                }
            }

            if (list.Any(e => e.Kind == FlowEventKind.Await))
            {
                for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
                {
                    regionsWithAwait.Add(region);
                }
            }

            eventsByBlock[block.Ordinal] = list.ToArray();
        }

        return new FunctionFlow(eventsByBlock, variables, usesThis, usedParameters, awaiters, spillGroups, regionsWithAwait, captureTypes);
    }

    // When the assigned value has control flow (an object initializer, ?:), the graph captures the assignment's target
    // first: `capture = quote; ...; capture = value`. That capture is a place to write, not a read of the local.
    private void FindAssignmentTargetCaptures()
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in FunctionGraphs.BlockOperations(block))
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

    private void Visit(IOperation operation, List<FlowEvent> list, StatementState statement)
    {
        switch (operation)
        {
            case IFlowAnonymousFunctionOperation:
            case ILocalFunctionOperation:
                foreach (var closure in variables.Closures.Values)
                {
                    list.Add(FlowEvent.Read(closure));
                }

                return;

            case ILocalReferenceOperation local:
                if (variables.IsOwn(local.Local))
                {
                    list.Add(FlowEvent.Read(variables.Of(local.Local)));
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
                    if (variables.TryGetClosureOf(parameter.Parameter, out var closure))
                    {
                        list.Add(FlowEvent.Read(closure));
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
                when assignmentTargetCaptures.Contains(targetCapture.Id) && variables.IsOwn(targetLocal.Local):
                capturedTargetLocals[targetCapture.Id] = targetLocal.Local;
                return;

            case IFlowCaptureReferenceOperation targetReference when capturedTargetLocals.TryGetValue(targetReference.Id, out var capturedLocal):
                list.Add(FlowEvent.Read(variables.Of(capturedLocal)));
                return;

            case IFlowCaptureReferenceOperation captureReference:
                list.Add(FlowEvent.Read(variables.Of(captureReference.Id)));
                return;

            case IFlowCaptureOperation capture:
                Visit(capture.Value, list, statement);
                captureTypes[capture.Id] = CapturedTypes(capture.Value);
                list.Add(FlowEvent.Write(variables.Of(capture.Id)));
                return;

            case ISimpleAssignmentOperation assignment when WrittenLocal(assignment.Target) is { } target:
                VisitTargetInstance(assignment.Target, list, statement);
                Visit(assignment.Value, list, statement);
                list.Add(FlowEvent.Write(variables.Of(target)));
                return;

            case IDeconstructionAssignmentOperation deconstruction:
                Visit(deconstruction.Value, list, statement);
                foreach (var local in DeconstructedLocals(deconstruction.Target))
                {
                    list.Add(FlowEvent.Write(variables.Of(local)));
                }

                return;

            case ICompoundAssignmentOperation or ICoalesceAssignmentOperation or IIncrementOrDecrementOperation
                when LocalTarget(operation) is { } readWrite:
                list.Add(FlowEvent.Read(variables.Of(readWrite)));
                statement.Pending.Add(new Pending(readWrite.Type, spillable: true));
                foreach (var child in operation.ChildOperations.Skip(1))
                {
                    Visit(child, list, statement);
                }

                statement.Pending.RemoveAt(statement.Pending.Count - 1);
                list.Add(FlowEvent.Write(variables.Of(readWrite)));
                return;

            case IArgumentOperation { Parameter.RefKind: RefKind.Out, Value: ILocalReferenceOperation outLocal } when variables.IsOwn(outLocal.Local):
                list.Add(FlowEvent.Write(variables.Of(outLocal.Local)));
                return;

            case IArgumentOperation { Value: IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } } when variables.IsOwn(declared.Local):
                list.Add(FlowEvent.Write(variables.Of(declared.Local)));
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
                list.Add(FlowEvent.Await());
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

        if (operation is IPatternOperation pattern && DeclaredLocal(pattern) is { } patternLocal && variables.IsOwn(patternLocal))
        {
            list.Add(FlowEvent.Write(variables.Of(patternLocal)));
        }
    }

    // `place = value` where the place is an indexer, property, field of an object or array element: the receiver and
    // the indices are evaluated first and spilled if the value awaits; a compound assignment also reads the place.
    private void VisitAssignmentToPlace(IOperation operation, List<FlowEvent> list, StatementState statement)
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
    private void VisitInterpolatedStringWithAwait(IInterpolatedStringOperation interpolated, List<FlowEvent> list, StatementState statement)
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

    private void VisitTargetInstance(IOperation target, List<FlowEvent> list, StatementState statement)
    {
        // `s.Field = value` on a struct local writes part of the local; only the instance chain is evaluated.
        if (target is IFieldReferenceOperation { Instance: { } instance } && instance is not ILocalReferenceOperation)
        {
            VisitTargetInstance(instance, list, statement);
        }
    }

    private ILocalSymbol? WrittenLocal(IOperation target) => target switch
    {
        ILocalReferenceOperation local when variables.IsOwn(local.Local) && local.Local.RefKind == RefKind.None => local.Local,
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
        return target is ILocalReferenceOperation local && variables.IsOwn(local.Local) ? local.Local : null;
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
        var awaiter = StateMachineSymbols.AwaiterType(await, model);
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

    /// <summary>An operand already evaluated, waiting for the rest of its expression: spilled if an await comes first.</summary>
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
}
