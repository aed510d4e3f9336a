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
/// estimated by <see cref="StateMachines.TypeLayout"/>. Static field initializers and other code outside async functions are not reported.
/// </summary>
/// <remarks>
/// Objects of 85,000 bytes or more go to the large object heap, which only gen2 collections reclaim. Allocating one per request
/// drives gen2 collections — the long ones — and every request in flight pays their pauses.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LargeObjectHeapAllocationAnalyzer : DiagnosticAnalyzer
{
    public const string MinBytesKey = RuleIds.LargeObjectHeapAllocation + ".min_bytes";
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

        // An unconstrained type parameter may be a struct of any size, and half-typed code has error types: no estimate.
        if (arrayType.ElementType is ITypeParameterSymbol { HasReferenceTypeConstraint: false } || arrayType.ElementType.TypeKind == TypeKind.Error)
        {
            return null;
        }

        // One layout model for every TailGuard size: array elements are laid out like fields.
        var element = StateMachines.TypeLayout.SizeOf(arrayType.ElementType);
        var header = arrayType.IsSZArray ? 24 : 24 + (8 * arrayType.Rank);
        return header + (element.Bytes * count);
    }
}
