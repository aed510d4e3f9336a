using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace TailGuard.Analyzers;

/// <summary>
/// TG4001: an array creation in async context whose object size, from the element size and constant lengths, is at least
/// <c>TG4001.min_bytes</c> (85,000 by default, the runtime's large-object-heap threshold). Size = array header (24 bytes for a
/// one-dimensional array, 24 + 8 × rank for a multi-dimensional one, on 64-bit) + element size × every constant length.
/// Lengths must be compile-time constants (<c>1024 * 1024</c>, <c>1 &lt;&lt; 20</c>, const fields and locals); element sizes are
/// estimated by <see cref="TypeLayout"/>. Static field initializers and other code outside async functions are not reported.
/// </summary>
/// <remarks>
/// Objects of 85,000 bytes or more go to the large object heap, which only gen2 collections reclaim. Allocating one per request
/// drives gen2 collections — the long ones — and every request in flight pays their pauses.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LargeObjectHeapAllocationAnalyzer : DiagnosticAnalyzer
{
    public const string MinBytesKey = "TG4001.min_bytes";
    public const int DefaultMinBytes = 85_000;

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.LargeObjectHeapAllocation,
        title: "Large-object-heap allocation in async context",
        messageFormat: "'{0}' allocates about {1} bytes on the large object heap, which only gen2 collections reclaim",
        category: RuleCategories.GarbageCollection,
        description: "Arrays of 85,000 bytes or more are allocated on the large object heap and only reclaimed by gen2 collections, the longest GC pauses. "
            + "Allocating one per request drives gen2 collections that every in-flight request pays for. Rent the buffer from ArrayPool<T>.Shared and return it in a finally block.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterOperationAction(Analyze, OperationKind.ArrayCreation);
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var creation = (IArrayCreationOperation)context.Operation;
        if (creation.Type is not IArrayTypeSymbol arrayType || !AsyncContext.IsInAsyncContext(creation.Syntax))
        {
            return;
        }

        if (ArrayObjectSize(creation, arrayType) is not { } size)
        {
            return;
        }

        var minBytes = TailGuardOptions.GetInt(context.Options, creation.Syntax.SyntaxTree, MinBytesKey, DefaultMinBytes);
        if (size < minBytes)
        {
            return;
        }

        var location = creation.Syntax is ArrayCreationExpressionSyntax syntax
            ? Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(syntax.NewKeyword.SpanStart, syntax.Type.Span.End))
            : creation.Syntax.GetLocation();
        var text = creation.Syntax is ArrayCreationExpressionSyntax s ? "new " + s.Type : creation.Syntax.ToString();
        context.ReportDiagnostic(Diagnostic.Create(Rule, location, text, size.ToString("N0", CultureInfo.InvariantCulture)));
    }

    /// <summary>The array object's size in bytes on 64-bit, or null when a length is not constant or the element size is unknown.</summary>
    internal static double? ArrayObjectSize(IArrayCreationOperation creation, IArrayTypeSymbol arrayType)
    {
        double count = 1;
        foreach (var dimension in creation.DimensionSizes)
        {
            if (!dimension.ConstantValue.HasValue || dimension.ConstantValue.Value is not IConvertible convertible || dimension.ConstantValue.Value is bool or string)
            {
                return null;
            }

            count *= convertible.ToDouble(CultureInfo.InvariantCulture);
        }

        if (TypeLayout.Of(arrayType.ElementType) is not { } element)
        {
            return null;
        }

        var header = arrayType.IsSZArray ? 24 : 24 + (8 * arrayType.Rank);
        return header + (element.Size * count);
    }
}

/// <summary>Size and alignment of a type as an array element on 64-bit .NET: an estimate, documented on the TG4001 page.</summary>
internal readonly struct TypeLayout
{
    private TypeLayout(int size, int alignment)
    {
        Size = size;
        Alignment = alignment;
    }

    public int Size { get; }

    public int Alignment { get; }

    public static TypeLayout? Of(ITypeSymbol type) => Of(type, depth: 0);

    private static TypeLayout? Of(ITypeSymbol type, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        switch (type.TypeKind)
        {
            case TypeKind.Error:
                return null;
            case TypeKind.Class or TypeKind.Interface or TypeKind.Delegate or TypeKind.Array or TypeKind.Dynamic
                or TypeKind.Pointer or TypeKind.FunctionPointer:
                return new TypeLayout(8, 8);
            case TypeKind.Enum when type is INamedTypeSymbol { EnumUnderlyingType: { } underlying }:
                return Of(underlying, depth + 1);
            case TypeKind.TypeParameter:
                return type.IsReferenceType ? new TypeLayout(8, 8) : null;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte:
                return new TypeLayout(1, 1);
            case SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16:
                return new TypeLayout(2, 2);
            case SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single:
                return new TypeLayout(4, 4);
            case SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double
                or SpecialType.System_IntPtr or SpecialType.System_UIntPtr or SpecialType.System_DateTime:
                return new TypeLayout(8, 8);
            case SpecialType.System_Decimal:
                return new TypeLayout(16, 8);
        }

        if (type.IsReferenceType)
        {
            return new TypeLayout(8, 8);
        }

        if (type is not INamedTypeSymbol named || type.TypeKind != TypeKind.Struct)
        {
            return null;
        }

        // Reference assemblies replace private fields with placeholders, so well-known BCL structs come from a table.
        switch (named.OriginalDefinition.ToDisplayString())
        {
            case "System.Guid": return new TypeLayout(16, 4);
            case "System.TimeSpan" or "System.TimeOnly": return new TypeLayout(8, 8);
            case "System.DateTimeOffset": return new TypeLayout(16, 8);
            case "System.DateOnly": return new TypeLayout(4, 4);
            case "System.Half": return new TypeLayout(2, 2);
            case "System.Int128" or "System.UInt128": return new TypeLayout(16, 16);
            case "System.Numerics.Complex": return new TypeLayout(16, 8);
            case "System.Numerics.Vector2": return new TypeLayout(8, 4);
            case "System.Numerics.Vector3": return new TypeLayout(12, 4);
            case "System.Numerics.Vector4" or "System.Numerics.Quaternion": return new TypeLayout(16, 4);
            case "System.Numerics.Matrix3x2": return new TypeLayout(24, 4);
            case "System.Numerics.Matrix4x4": return new TypeLayout(64, 4);
            case "System.Nullable<T>":
            case "System.Collections.Generic.KeyValuePair<TKey, TValue>":
                {
                    // bool hasValue + T value; TKey key + TValue value.
                    var first = named.OriginalDefinition.ToDisplayString() == "System.Nullable<T>" ? new TypeLayout(1, 1) : Of(named.TypeArguments[0], depth + 1);
                    var second = Of(named.TypeArguments[named.TypeArguments.Length - 1], depth + 1);
                    return first is { } a && second is { } b ? Sequential(new[] { a, b }) : null;
                }
        }

        var fields = named.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst).ToList();
        var layouts = new TypeLayout[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            if (Of(fields[i].Type, depth + 1) is not { } layout)
            {
                return null;
            }

            layouts[i] = layout;
        }

        var explicitSize = 0;
        var isExplicit = false;
        foreach (var attribute in named.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != "System.Runtime.InteropServices.StructLayoutAttribute")
            {
                continue;
            }

            isExplicit = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is 2; // LayoutKind.Explicit
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Size" && argument.Value.Value is int size)
                {
                    explicitSize = size;
                }
            }
        }

        TypeLayout computed;
        if (isExplicit)
        {
            var end = 0;
            var alignment = 1;
            for (var i = 0; i < fields.Count; i++)
            {
                var offset = fields[i].GetAttributes()
                    .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.Runtime.InteropServices.FieldOffsetAttribute")?
                    .ConstructorArguments.FirstOrDefault().Value as int? ?? 0;
                end = Math.Max(end, offset + layouts[i].Size);
                alignment = Math.Max(alignment, layouts[i].Alignment);
            }

            computed = new TypeLayout(Math.Max(end, 1), alignment);
        }
        else
        {
            computed = Sequential(layouts);
        }

        return explicitSize > computed.Size ? new TypeLayout(explicitSize, computed.Alignment) : computed;
    }

    /// <summary>Fields in declaration order, each at an offset aligned to its alignment; the total padded to the largest alignment.</summary>
    private static TypeLayout Sequential(TypeLayout[] fields)
    {
        var offset = 0;
        var alignment = 1;
        foreach (var field in fields)
        {
            offset = Align(offset, field.Alignment) + field.Size;
            alignment = Math.Max(alignment, field.Alignment);
        }

        return new TypeLayout(Math.Max(Align(offset, alignment), 1), alignment);
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
