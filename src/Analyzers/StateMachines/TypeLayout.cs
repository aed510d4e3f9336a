using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>The size and alignment of a type as a 64-bit CLR lays it out when it is a field.</summary>
public readonly struct TypeSize
{
    public TypeSize(int bytes, int alignment, bool isExact, TypeSizeKind kind = TypeSizeKind.Struct)
    {
        Bytes = bytes;
        Alignment = alignment;
        IsExact = isExact;
        Kind = kind;
    }

    /// <summary>The runtime's auto layout places references first, then primitives by size, then structs.</summary>
    public TypeSizeKind Kind { get; }

    public int Bytes { get; }

    public int Alignment { get; }

    /// <summary>False when the size is a guess: an open type parameter, or a struct known only from a reference assembly.</summary>
    public bool IsExact { get; }

    public static TypeSize Reference { get; } = new(8, 8, isExact: true, TypeSizeKind.Reference);

    public static TypeSize Primitive(int bytes) => new(bytes, bytes, isExact: true, TypeSizeKind.Primitive);
}

/// <summary>How the runtime's auto layout groups a field.</summary>
public enum TypeSizeKind
{
    Reference,
    Primitive,
    Struct,
}

/// <summary>
/// Computes field sizes with the CLR's rules on 64-bit: references 8 bytes; primitives their natural size; structs
/// laid out field by field (sequential layout in declaration order when the struct holds no references, otherwise the
/// runtime's auto layout, which orders fields by alignment), each field aligned to its own alignment (at most 8) and the
/// whole rounded up to the largest alignment.
/// </summary>
/// <remarks>
/// Compilations reference the BCL through reference assemblies, whose structs carry placeholder fields instead of their
/// real ones, so the BCL structs that async code hoists (awaiters, builders, <c>ValueTask</c>, enumerators, ...) have their
/// real layouts in a table here. Sizes were taken from the .NET 10 runtime with <c>Unsafe.SizeOf</c>.
/// </remarks>
public static class TypeLayout
{
    private const int MaxDepth = 16;

    // Field lists of BCL structs (implementation layout). "ref" is a reference, "T0"/"T1" the type arguments, other
    // entries primitive keywords or metadata names of other table entries.
    private static readonly Dictionary<string, string[]> KnownStructs = new(StringComparer.Ordinal)
    {
        ["System.Runtime.CompilerServices.TaskAwaiter"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.TaskAwaiter`1"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable"] = new[] { "ref", "int" },
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter"] = new[] { "ref", "int" },
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1"] = new[] { "ref", "int" },
        ["System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter"] = new[] { "ref", "int" },
        ["System.Runtime.CompilerServices.ValueTaskAwaiter"] = new[] { "System.Threading.Tasks.ValueTask" },
        ["System.Runtime.CompilerServices.ValueTaskAwaiter`1"] = new[] { "System.Threading.Tasks.ValueTask`1" },
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable"] = new[] { "System.Threading.Tasks.ValueTask" },
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter"] = new[] { "System.Threading.Tasks.ValueTask" },
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1"] = new[] { "System.Threading.Tasks.ValueTask`1" },
        ["System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter"] = new[] { "System.Threading.Tasks.ValueTask`1" },
        ["System.Runtime.CompilerServices.YieldAwaitable"] = Array.Empty<string>(),
        ["System.Runtime.CompilerServices.YieldAwaitable+YieldAwaiter"] = Array.Empty<string>(),
        ["System.Runtime.CompilerServices.AsyncTaskMethodBuilder"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder`1"] = new[] { "ref", "T0" },
        ["System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder"] = new[] { "ref" },
        ["System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder`1"] = new[] { "ref", "T0" },
        ["System.Runtime.CompilerServices.AsyncVoidMethodBuilder"] = new[] { "ref", "System.Runtime.CompilerServices.AsyncTaskMethodBuilder" },
        ["System.Runtime.CompilerServices.AsyncIteratorMethodBuilder"] = new[] { "ref" },
        ["System.Threading.Tasks.ValueTask"] = new[] { "ref", "short", "bool" },
        ["System.Threading.Tasks.ValueTask`1"] = new[] { "ref", "T0", "short", "bool" },
        ["System.Threading.CancellationToken"] = new[] { "ref" },
        ["System.Threading.CancellationTokenRegistration"] = new[] { "long", "ref" },
        ["System.DateTime"] = new[] { "long" },
        ["System.DateTimeOffset"] = new[] { "System.DateTime", "short" },
        ["System.TimeSpan"] = new[] { "long" },
        ["System.DateOnly"] = new[] { "int" },
        ["System.TimeOnly"] = new[] { "long" },
        ["System.Guid"] = new[] { "int", "short", "short", "byte", "byte", "byte", "byte", "byte", "byte", "byte", "byte" },
        ["System.Decimal"] = new[] { "int", "int", "long" },
        ["System.Half"] = new[] { "short" },
        ["System.Int128"] = new[] { "long", "long" },
        ["System.UInt128"] = new[] { "long", "long" },
        ["System.Numerics.BigInteger"] = new[] { "int", "ref" },
        ["System.Index"] = new[] { "int" },
        ["System.Range"] = new[] { "System.Index", "System.Index" },
        ["System.Memory`1"] = new[] { "ref", "int", "int" },
        ["System.ReadOnlyMemory`1"] = new[] { "ref", "int", "int" },
        ["System.ArraySegment`1"] = new[] { "ref", "int", "int" },
        ["System.ArraySegment`1+Enumerator"] = new[] { "ref", "int", "int", "int" },
        ["System.SequencePosition"] = new[] { "ref", "int" },
        ["System.Buffers.ReadOnlySequence`1"] = new[] { "ref", "ref", "int", "int" },
        ["System.IO.Pipelines.ReadResult"] = new[] { "System.Buffers.ReadOnlySequence`1", "int" },
        ["System.IO.Pipelines.FlushResult"] = new[] { "int" },
        ["System.Collections.Immutable.ImmutableArray`1"] = new[] { "ref" },
        ["System.Collections.Immutable.ImmutableArray`1+Enumerator"] = new[] { "ref", "int" },
        ["System.Collections.Generic.KeyValuePair`2"] = new[] { "T0", "T1" },
        ["System.Collections.Generic.List`1+Enumerator"] = new[] { "ref", "int", "int", "T0" },
        ["System.Collections.Generic.HashSet`1+Enumerator"] = new[] { "ref", "int", "int", "T0" },
        ["System.Collections.Generic.Queue`1+Enumerator"] = new[] { "ref", "int", "int", "T0" },
        ["System.Collections.Generic.Stack`1+Enumerator"] = new[] { "ref", "int", "int", "T0" },
        ["System.Collections.Generic.LinkedList`1+Enumerator"] = new[] { "ref", "ref", "int", "int", "T0" },
        ["System.Collections.Generic.Dictionary`2+Enumerator"] = new[] { "ref", "int", "int", "System.Collections.Generic.KeyValuePair`2", "int" },
        ["System.Collections.Generic.Dictionary`2+KeyCollection+Enumerator"] = new[] { "ref", "int", "int", "T0" },
        ["System.Collections.Generic.Dictionary`2+ValueCollection+Enumerator"] = new[] { "ref", "int", "int", "T1" },
        ["System.Collections.Concurrent.ConcurrentDictionary`2+Enumerator"] = new[] { "ref" },
        ["Microsoft.Extensions.Primitives.StringValues"] = new[] { "ref" },
        ["Microsoft.Extensions.Primitives.StringSegment"] = new[] { "ref", "int", "int" },
    };

    /// <summary>The size and alignment of <paramref name="type"/> when it is stored in a field.</summary>
    public static TypeSize SizeOf(ITypeSymbol? type)
    {
        if (type is null || !type.IsValueType || type.SpecialType != SpecialType.None)
        {
            return SizeOf(type, 0); // references and primitives: no work worth caching
        }

        // Structs are walked field by field (or looked up by their metadata name): once per type symbol, which lives as long as
        // its compilation.
        return Sizes.GetValue(type, static t => new StrongBox<TypeSize>(SizeOf(t, 0))).Value;
    }

    private static readonly ConditionalWeakTable<ITypeSymbol, StrongBox<TypeSize>> Sizes = new();

    /// <summary>
    /// Lays out fields with the runtime's auto layout for value types: references first, then primitives from the largest
    /// to the smallest, then struct-typed fields in declaration order, each at its natural alignment; returns the total size.
    /// (Measured on .NET 10: a state machine of int, builder and YieldAwaiter is 24 bytes, not 16.)
    /// </summary>
    public static TypeSize AutoLayout(IEnumerable<TypeSize> fields)
    {
        var list = fields.ToList();
        var ordered = list.Where(f => f.Kind == TypeSizeKind.Reference)
            .Concat(list.Where(f => f.Kind == TypeSizeKind.Primitive).OrderByDescending(f => f.Bytes))
            .Concat(list.Where(f => f.Kind == TypeSizeKind.Struct))
            .ToList();
        return Sequential(ordered);
    }

    private static TypeSize Sequential(IReadOnlyList<TypeSize> fields)
    {
        var offset = 0;
        var maxAlignment = 1;
        var exact = true;
        foreach (var field in fields)
        {
            var alignment = Math.Max(1, Math.Min(8, field.Alignment));
            offset = Align(offset, alignment) + field.Bytes;
            maxAlignment = Math.Max(maxAlignment, alignment);
            exact &= field.IsExact;
        }

        return new TypeSize(Math.Max(1, Align(offset, maxAlignment)), maxAlignment, exact, TypeSizeKind.Struct);
    }

    internal static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static TypeSize SizeOf(ITypeSymbol? type, int depth)
    {
        switch (type)
        {
            case null:
            case IErrorTypeSymbol:
                return new TypeSize(8, 8, isExact: false);
            case ITypeParameterSymbol typeParameter:
                // Unknown until instantiated: a reference (8 bytes) for class-constrained parameters, a guess otherwise.
                return new TypeSize(8, 8, isExact: typeParameter.HasReferenceTypeConstraint,
                    typeParameter.HasValueTypeConstraint || typeParameter.HasUnmanagedTypeConstraint ? TypeSizeKind.Struct : TypeSizeKind.Reference);
            case IPointerTypeSymbol:
            case IFunctionPointerTypeSymbol:
                return TypeSize.Primitive(8);
        }

        if (!type.IsValueType)
        {
            return TypeSize.Reference;
        }

        var primitive = Primitive(type.SpecialType);
        if (primitive > 0)
        {
            return TypeSize.Primitive(primitive);
        }

        if (type is not INamedTypeSymbol named || depth > MaxDepth)
        {
            return new TypeSize(8, 8, isExact: false);
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return SizeOf(named.EnumUnderlyingType, depth + 1);
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Sequential(new[] { TypeSize.Primitive(1), SizeOf(named.TypeArguments[0], depth + 1) });
        }

        if (named.IsTupleType || named.OriginalDefinition.ToDisplayString().StartsWith("System.ValueTuple<", StringComparison.Ordinal))
        {
            var elements = named.IsTupleType ? named.TupleElements.Select(e => e.Type) : named.TypeArguments;
            var sizes = elements.Select(t => SizeOf(t, depth + 1)).ToList();
            return ContainsReference(named, depth) ? AutoLayout(sizes) : Sequential(sizes);
        }

        var metadataName = MetadataName(named.OriginalDefinition);
        if (KnownStructs.TryGetValue(metadataName, out var known))
        {
            return FromTable(known, AllTypeArguments(named), depth);
        }

        return FromFields(named, depth);
    }

    private static TypeSize FromTable(string[] fields, ImmutableArray<ITypeSymbol> typeArguments, int depth)
    {
        var sizes = new List<TypeSize>(fields.Length);
        var hasReference = false;
        foreach (var field in fields)
        {
            TypeSize size;
            if (field == "ref")
            {
                size = TypeSize.Reference;
                hasReference = true;
            }
            else if (field.Length == 2 && field[0] == 'T' && char.IsDigit(field[1]))
            {
                var index = field[1] - '0';
                var argument = index < typeArguments.Length ? typeArguments[index] : null;
                size = SizeOf(argument, depth + 1);
                hasReference |= argument is null || !argument.IsValueType || ContainsReference(argument, depth + 1);
            }
            else if (KeywordSize(field) is var keyword && keyword > 0)
            {
                size = TypeSize.Primitive(keyword);
            }
            else if (KnownStructs.TryGetValue(field, out var nested))
            {
                // Nested table entries take the same type arguments (ValueTaskAwaiter<T> wraps ValueTask<T>).
                size = FromTable(nested, typeArguments, depth + 1);
                hasReference |= nested.Contains("ref") || nested.Any(n => n.StartsWith("T", StringComparison.Ordinal) && n.Length == 2);
            }
            else
            {
                size = new TypeSize(8, 8, isExact: false);
            }

            sizes.Add(size);
        }

        return hasReference ? AutoLayout(sizes) : Sequential(sizes);
    }

    private static TypeSize FromFields(INamedTypeSymbol type, int depth)
    {
        if (type.TypeKind != TypeKind.Struct)
        {
            return new TypeSize(8, 8, isExact: false);
        }

        var fields = InstanceFields(type).ToList();

        var inlineArray = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "InlineArrayAttribute");
        if (inlineArray is not null && inlineArray.ConstructorArguments.Length == 1 && inlineArray.ConstructorArguments[0].Value is int length && fields.Count == 1)
        {
            var element = SizeOf(fields[0].Type, depth + 1);
            return new TypeSize(Align(element.Bytes, element.Alignment) * length, element.Alignment, element.IsExact, TypeSizeKind.Struct);
        }

        // Reference assemblies replace private fields with placeholders; the real layout is unknown.
        var placeholder = fields.Any(f => f.Name is "_dummy" or "_dummyPrimitive") && type.Locations.All(l => !l.IsInSource);

        var sizes = fields.Select(f => SizeOf(f.Type, depth + 1)).ToList();
        var layoutKind = type.GetAttributes()
            .Where(a => a.AttributeClass?.Name == "StructLayoutAttribute" && a.ConstructorArguments.Length == 1)
            .Select(a => a.ConstructorArguments[0].Value)
            .OfType<int>()
            .Cast<int?>()
            .FirstOrDefault();
        var explicitSize = type.GetAttributes()
            .Where(a => a.AttributeClass?.Name == "StructLayoutAttribute")
            .SelectMany(a => a.NamedArguments)
            .Where(n => n.Key == "Size" && n.Value.Value is int)
            .Select(n => (int)n.Value.Value!)
            .FirstOrDefault();

        TypeSize result;
        if (layoutKind == 2)
        {
            // LayoutKind.Explicit: the furthest field end.
            var end = 0;
            var alignment = 1;
            for (var i = 0; i < fields.Count; i++)
            {
                var offset = fields[i].GetAttributes().Where(a => a.AttributeClass?.Name == "FieldOffsetAttribute" && a.ConstructorArguments.Length == 1)
                    .Select(a => a.ConstructorArguments[0].Value).OfType<int>().FirstOrDefault();
                end = Math.Max(end, offset + sizes[i].Bytes);
                alignment = Math.Max(alignment, Math.Min(8, sizes[i].Alignment));
            }

            result = new TypeSize(Math.Max(1, Align(end, alignment)), alignment, sizes.All(s => s.IsExact), TypeSizeKind.Struct);
        }
        else if (layoutKind == 3 || ContainsReference(type, depth))
        {
            result = AutoLayout(sizes);
        }
        else
        {
            result = Sequential(sizes);
        }

        if (explicitSize > result.Bytes)
        {
            result = new TypeSize(explicitSize, result.Alignment, result.IsExact, TypeSizeKind.Struct);
        }

        return placeholder ? new TypeSize(result.Bytes, result.Alignment, isExact: false, TypeSizeKind.Struct) : result;
    }

    private static IEnumerable<IFieldSymbol> InstanceFields(INamedTypeSymbol type)
        => type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst);

    /// <summary>True when the type holds a managed reference, which makes the runtime use auto layout for it.</summary>
    private static bool ContainsReference(ITypeSymbol type, int depth)
    {
        if (!type.IsValueType || type is ITypeParameterSymbol)
        {
            return true;
        }

        if (Primitive(type.SpecialType) > 0 || type.TypeKind == TypeKind.Enum || depth > MaxDepth || type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (named.IsTupleType)
        {
            return named.TupleElements.Any(e => ContainsReference(e.Type, depth + 1));
        }

        if (KnownStructs.TryGetValue(MetadataName(named.OriginalDefinition), out var known))
        {
            var arguments = AllTypeArguments(named);
            return known.Any(f => f == "ref"
                || (f.Length == 2 && f[0] == 'T' && (f[1] - '0' >= arguments.Length || ContainsReference(arguments[f[1] - '0'], depth + 1))));
        }

        return InstanceFields(named).Any(f => ContainsReference(f.Type, depth + 1));
    }

    private static ImmutableArray<ITypeSymbol> AllTypeArguments(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null; current = current.ContainingType)
        {
            chain.Insert(0, current);
        }

        return chain.SelectMany(t => t.TypeArguments).ToImmutableArray();
    }

    internal static string MetadataName(INamedTypeSymbol type)
    {
        if (type.ContainingType is { } containing)
        {
            return MetadataName(containing) + "+" + type.MetadataName;
        }

        var ns = type.ContainingNamespace?.IsGlobalNamespace == false ? type.ContainingNamespace.ToDisplayString() + "." : string.Empty;
        return ns + type.MetadataName;
    }

    private static int Primitive(SpecialType type) => type switch
    {
        SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte => 1,
        SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
        SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double
            or SpecialType.System_IntPtr or SpecialType.System_UIntPtr => 8,
        _ => 0,
    };

    private static int KeywordSize(string keyword) => keyword switch
    {
        "bool" or "byte" => 1,
        "short" => 2,
        "int" => 4,
        "long" => 8,
        _ => 0,
    };
}
