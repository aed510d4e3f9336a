using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG4002: <c>GC.Collect(...)</c> and <c>GC.WaitForPendingFinalizers()</c> outside test code.
/// </summary>
/// <remarks>
/// An induced collection is a blocking gen2 GC by default: the runtime suspends every managed thread for the
/// whole mark phase, so every request in flight pays the pause, and the next P99 sample is this pause.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InducedGarbageCollectionAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.InducedGarbageCollection,
        title: "Induced garbage collection",
        messageFormat: "'{0}' induces a blocking collection that every in-flight request pays for",
        category: RuleCategories.GarbageCollection,
        description: "GC.Collect forces a full blocking collection and GC.WaitForPendingFinalizers parks the caller until the finalizer thread catches up. "
            + "Both turn into pauses that every in-flight request pays. Let the GC decide when to collect; tune it with GC settings instead.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var gc = start.Compilation.GetTypeByMetadataName("System.GC");
            if (gc is null)
            {
                return;
            }

            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, gc), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol gc)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name is not ("Collect" or "WaitForPendingFinalizers")
            || !SymbolEqualityComparer.Default.Equals(method.ContainingType, gc))
        {
            return;
        }

        if (TestCode.ShouldSkip(context.ContainingSymbol, context.Options, invocation.Syntax.SyntaxTree))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), "GC." + method.Name));
    }
}
