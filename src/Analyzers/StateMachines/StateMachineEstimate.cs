using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>Why a field is in the state machine.</summary>
public enum HoistedFieldKind
{
    /// <summary><c>&lt;&gt;1__state</c>.</summary>
    State,

    /// <summary><c>&lt;&gt;t__builder</c>.</summary>
    Builder,

    /// <summary><c>&lt;&gt;4__this</c>.</summary>
    This,

    /// <summary>A parameter the body uses (the compiler copies it even when it dies before the first await).</summary>
    Parameter,

    /// <summary>A local live across an await (Release) or any local (Debug). Locals of the same type in disjoint scopes share one field.</summary>
    Local,

    /// <summary>A closure object (display class) holding locals captured by a lambda.</summary>
    Closure,

    /// <summary>A hidden local live across an await: a <c>foreach</c> enumerator or array and index, a <c>using</c> resource.</summary>
    HiddenLocal,

    /// <summary>An operand evaluated before an await in the same expression (<c>x + await y</c> spills <c>x</c>).</summary>
    Spill,

    /// <summary>The pending exception and branch of a <c>try</c> whose <c>catch</c> or <c>finally</c> awaits.</summary>
    ExceptionState,

    /// <summary>One field per distinct awaiter type; reference-type awaiters share one <c>object</c> field.</summary>
    Awaiter,
}

/// <summary>One field of the estimated state machine.</summary>
public sealed class HoistedField
{
    public HoistedField(string name, HoistedFieldKind kind, ITypeSymbol? type, string typeName, TypeSize size, ImmutableArray<ISymbol> symbols)
    {
        Name = name;
        Kind = kind;
        Type = type;
        TypeName = typeName;
        Size = size;
        Symbols = symbols;
    }

    /// <summary>The name as in source (parameters, locals), or a description of a compiler-made field.</summary>
    public string Name { get; }

    public HoistedFieldKind Kind { get; }

    public ITypeSymbol? Type { get; }

    public string TypeName { get; }

    public TypeSize Size { get; }

    public int Bytes => Size.Bytes;

    /// <summary>The parameters or locals stored in this field (locals in disjoint scopes can share one).</summary>
    public ImmutableArray<ISymbol> Symbols { get; }

    public override string ToString() => Name + ": " + TypeName + " (" + Bytes + " bytes)";
}

/// <summary>The estimated layout of the state machine the C# compiler generates for one async function.</summary>
public sealed class StateMachineEstimate
{
    /// <summary>Object header and method table pointer of a class instance on 64-bit.</summary>
    public const int ClassHeaderBytes = 16;

    public StateMachineEstimate(bool isClass, ImmutableArray<HoistedField> fields, ImmutableArray<string> notes)
    {
        IsClass = isClass;
        Fields = fields;
        Notes = notes;
        var layout = TypeLayout.AutoLayout(fields.Select(f => f.Size));
        FieldBytes = layout.Bytes;
        IsExact = layout.IsExact;
    }

    /// <summary>True for Debug builds, where the state machine is a class (and every local is hoisted).</summary>
    public bool IsClass { get; }

    /// <summary>Fields in the compiler's order: state, builder, this and parameters, locals, awaiters.</summary>
    public ImmutableArray<HoistedField> Fields { get; }

    /// <summary>The laid-out size of the fields: <c>Unsafe.SizeOf</c> of the struct in Release builds.</summary>
    public int FieldBytes { get; }

    /// <summary>The size of the state machine: the struct in Release builds, fields plus object header for the Debug class.</summary>
    public int TotalBytes => IsClass ? ClassHeaderBytes + TypeLayout.Align(FieldBytes, 8) : FieldBytes;

    /// <summary>False when some field's size is a guess (open type parameters, reference-assembly structs unknown to the table).</summary>
    public bool IsExact { get; }

    /// <summary>Caveats about the estimate, for people.</summary>
    public ImmutableArray<string> Notes { get; }

    /// <summary>The largest fields, largest first; among equals, fields named in source (parameters, locals) come first.</summary>
    public ImmutableArray<HoistedField> LargestFields(int count)
        => Fields.Select((f, i) => (f, i))
            .OrderByDescending(x => x.f.Bytes)
            .ThenBy(x => x.f.Kind is HoistedFieldKind.Parameter or HoistedFieldKind.Local or HoistedFieldKind.This ? 0 : 1)
            .ThenBy(x => x.i)
            .Take(count)
            .Select(x => x.f)
            .ToImmutableArray();
}
