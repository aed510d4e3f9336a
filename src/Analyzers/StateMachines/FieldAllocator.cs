using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// Turns what one function hoists into the state machine's fields, in the compiler's order: the state, the builder,
/// <c>this</c>, the parameters, the hoisted variables scope by scope, then the awaiters.
/// </summary>
/// <remarks>
/// The compiler gives each hoisted variable a field, but in Release a scope reuses a field of the same type that an earlier
/// sibling scope used and no longer needs, so locals of one type in disjoint scopes share one field. Debug never reuses, and
/// keeps every local, <c>this</c> and every parameter.
/// </remarks>
internal sealed class FieldAllocator
{
    private readonly Compilation compilation;
    private readonly IMethodSymbol method;
    private readonly bool debug;
    private readonly FunctionFlow flow;
    private readonly VariableSet hoisted;
    private readonly HashSet<ControlFlowRegion> finalliesLeftByReturn = new();

    public FieldAllocator(Compilation compilation, IMethodSymbol method, bool debug, FunctionFlow flow, VariableSet hoisted)
    {
        this.compilation = compilation;
        this.method = method;
        this.debug = debug;
        this.flow = flow;
        this.hoisted = hoisted;
    }

    public ImmutableArray<HoistedField> Allocate(ControlFlowGraph graph)
    {
        var fields = ImmutableArray.CreateBuilder<HoistedField>();
        fields.Add(Field("<>1__state", HoistedFieldKind.State, compilation.GetSpecialType(SpecialType.System_Int32)));
        fields.Add(Field("<>t__builder", HoistedFieldKind.Builder, StateMachineSymbols.BuilderType(method, compilation)));

        // Debug builds hoist `this` and every parameter whether the body uses them or not.
        if ((flow.UsesThis || debug) && !method.IsStatic)
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
            if (debug || flow.UsedParameters.Contains(parameter))
            {
                fields.Add(Field(parameter.Name, HoistedFieldKind.Parameter, parameter.Type, parameter));
            }
        }

        // `return value;` leaving through a finally that awaits: the compiler keeps the value in a local of each such finally
        // until the finally is done, and that local lives across the finally's awaits.
        foreach (var block in graph.Blocks)
        {
            if (block.FallThroughSuccessor is { Semantics: ControlFlowBranchSemantics.Return } branch && block.BranchValue is not null)
            {
                finalliesLeftByReturn.UnionWith(branch.FinallyRegions);
            }
        }

        foreach (var pair in AllocateRegion(graph.Root))
        {
            foreach (var slot in pair.Value)
            {
                fields.Add(slot.ToField(pair.Key));
            }
        }

        var objectType = compilation.GetSpecialType(SpecialType.System_Object);
        foreach (var (type, isReference) in flow.Awaiters)
        {
            fields.Add(isReference
                ? new HoistedField("awaiter " + (type is null ? "object" : Display(type)), HoistedFieldKind.Awaiter, objectType, "object", TypeSize.Reference, ImmutableArray<ISymbol>.Empty)
                : Field("awaiter " + Display(type), HoistedFieldKind.Awaiter, type));
        }

        return fields.ToImmutable();
    }

    private static HoistedField Field(string name, HoistedFieldKind kind, ITypeSymbol? type, ISymbol? symbol = null)
        => new(name, kind, type, Display(type), TypeLayout.SizeOf(type), symbol is null ? ImmutableArray<ISymbol>.Empty : ImmutableArray.Create(symbol));

    private static string Display(ITypeSymbol? type) => type?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "?";

    /// <summary>
    /// The fields of a region by type: its own hoisted variables, then, merged slot by slot, what its nested regions and its
    /// statements' spills need. A region needs its own variables plus the most any one child needs.
    /// </summary>
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
            if (flow.Variables.IsCaptured(local))
            {
                continue;
            }

            if (debug || (flow.Variables.TryGetLocal(local, out var id) && hoisted.Contains(id)))
            {
                AddOwn(new Item(local.Name, HoistedFieldKind.Local, local.Type, local));
            }
        }

        foreach (var capture in region.CaptureIds)
        {
            if (flow.Variables.TryGetCapture(capture, out var id) && hoisted.Contains(id) && flow.CaptureTypes.TryGetValue(capture, out var types))
            {
                foreach (var type in types)
                {
                    AddOwn(new Item(HiddenName(region), HoistedFieldKind.HiddenLocal, type, null));
                }
            }
        }

        if (flow.Variables.TryGetClosure(region, out var closure) && (debug || hoisted.Contains(closure)))
        {
            AddOwn(new Item("closure", HoistedFieldKind.Closure, null, null));
        }

        if (region.Kind is ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally
            && region.NestedRegions.Skip(1).Any(flow.RegionsWithAwait.Contains))
        {
            var objectType = compilation.GetSpecialType(SpecialType.System_Object);
            var intType = compilation.GetSpecialType(SpecialType.System_Int32);
            AddOwn(new Item("pending exception", HoistedFieldKind.ExceptionState, objectType, null));
            AddOwn(new Item("pending branch", HoistedFieldKind.ExceptionState, intType, null));
            if (region.Kind == ControlFlowRegionKind.TryAndFinally && finalliesLeftByReturn.Contains(region.NestedRegions[1])
                && method.ReturnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic)
            {
                AddOwn(new Item("pending return value", HoistedFieldKind.ExceptionState, generic.TypeArguments[0], null));
            }
        }

        var ownCounts = own.ToDictionary(pair => pair.Key, pair => pair.Value.Count);
        var children = new List<Dictionary<string, List<Slot>>>();
        foreach (var nested in region.NestedRegions)
        {
            children.Add(AllocateRegion(nested));
        }

        if (flow.SpillGroups.TryGetValue(region, out var groups))
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

    /// <summary>One variable that needs a field.</summary>
    private sealed class Item
    {
        public Item(string name, HoistedFieldKind kind, ITypeSymbol? type, ISymbol? symbol)
        {
            Name = name;
            Kind = kind;
            Type = type;
            Symbol = symbol;
            TypeKey = type is null ? "ref" : type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        }

        public string Name { get; }

        public HoistedFieldKind Kind { get; }

        public ITypeSymbol? Type { get; }

        public ISymbol? Symbol { get; }

        /// <summary>Fields are reused only between variables of the same type.</summary>
        public string TypeKey { get; }
    }

    /// <summary>One field, and the variables of disjoint scopes that share it.</summary>
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
