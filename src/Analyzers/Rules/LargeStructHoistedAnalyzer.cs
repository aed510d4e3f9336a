using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TailGuard.Analyzers.StateMachines;

namespace TailGuard.Analyzers;

/// <summary>
/// TG3002: a struct of at least <c>TG3002.min_struct_bytes</c> (default 64) hoisted into an async state machine: a
/// parameter the async body uses, or a local live across an await.
/// </summary>
/// <remarks>
/// The compiler copies each such struct into the state machine, and the state machine lives on the heap for as long as
/// the operation is suspended. A 128-byte struct in a handler costs 128 bytes per in-flight request, plus the copies in and
/// out, and it is usually only a few of its fields that are needed after the await.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LargeStructHoistedAnalyzer : DiagnosticAnalyzer
{
    public const string MinBytesOption = RuleIds.LargeStructHoisted + ".min_struct_bytes";

    public const int DefaultMinStructBytes = 64;

    /// <summary>Also report long-lived dispatch loops (<see cref="LongLivedLoop"/>), whose state machine is allocated once per connection.</summary>
    public const string IncludeLongLivedLoopsOption = RuleIds.LargeStructHoisted + ".include_long_lived_loops";

    /// <summary>Diagnostic property: "Parameter" or "Local".</summary>
    public const string KindProperty = "Kind";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.LargeStructHoisted,
        title: "Large struct hoisted into an async state machine",
        messageFormat: "'{0}' ({1}, {2} bytes) is copied into the async state machine because {3}",
        category: RuleCategories.AsyncMemory,
        description: "Async methods copy every parameter they use, and every local that is live across an await, into the state "
            + "machine that stays on the heap while the operation is suspended. A large struct there costs its full size per "
            + "in-flight operation. Keep only the fields needed after the await, pass the struct by reference in a class, or "
            + "finish with it before the first await.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSyntaxNodeAction(Analyze, StateMachineEstimator.FunctionSyntaxKinds);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context)
    {
        var function = context.Node;
        if (!StateMachineEstimator.IsAsyncFunctionSyntax(function)
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, function.SyntaxTree))
        {
            return;
        }

        if (!TailGuardOptions.GetBool(context.Options, function.SyntaxTree, IncludeLongLivedLoopsOption, defaultValue: false)
            && LongLivedLoop.IsDispatchLoopFunction(function))
        {
            return; // allocated once per connection or channel, not per operation
        }

        var minBytes = TailGuardOptions.GetInt(context.Options, function.SyntaxTree, MinBytesOption, DefaultMinStructBytes);

        if (StateMachineEstimator.BoundShared(function, context.SemanticModel, context.CancellationToken) is { } bound
            && bound.LargestStructBytes < minBytes)
        {
            return; // no parameter or local is a struct that large
        }

        // Liveness, not the build's layout: a Debug build hoists every local, but what matters is what Release keeps.
        var estimate = StateMachineEstimator.EstimateShared(function, context.SemanticModel, OptimizationLevel.Release, context.CancellationToken);
        if (estimate is null)
        {
            return;
        }

        var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var field in estimate.Fields)
        {
            if (field.Kind is not (HoistedFieldKind.Parameter or HoistedFieldKind.Local))
            {
                continue;
            }

            foreach (var symbol in field.Symbols)
            {
                var type = symbol switch
                {
                    IParameterSymbol parameter => parameter.Type,
                    ILocalSymbol local => local.Type,
                    _ => null,
                };
                if (type is null || type.TypeKind != TypeKind.Struct || !reported.Add(symbol))
                {
                    continue;
                }

                var size = TypeLayout.SizeOf(type);
                if (size.Bytes < minBytes)
                {
                    continue;
                }

                var location = DeclarationLocation(symbol, function);
                if (location is null)
                {
                    continue;
                }

                var isParameter = symbol is IParameterSymbol;
                context.ReportDiagnostic(Diagnostic.Create(
                    Rule,
                    location,
                    ImmutableDictionary<string, string?>.Empty.Add(KindProperty, isParameter ? "Parameter" : "Local"),
                    symbol.Name,
                    type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                    size.Bytes,
                    isParameter ? "async methods copy every parameter they use" : "it is live across an await"));
            }
        }
    }

    private static Location? DeclarationLocation(ISymbol symbol, SyntaxNode function)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != function.SyntaxTree || !function.Span.Contains(reference.Span))
            {
                continue;
            }

            var token = reference.GetSyntax() switch
            {
                ParameterSyntax parameter => parameter.Identifier,
                VariableDeclaratorSyntax declarator => declarator.Identifier,
                SingleVariableDesignationSyntax designation => designation.Identifier,
                ForEachStatementSyntax forEach => forEach.Identifier,
                CatchDeclarationSyntax catchDeclaration => catchDeclaration.Identifier,
                _ => default,
            };
            if (!token.IsKind(SyntaxKind.None))
            {
                return token.GetLocation();
            }
        }

        return null;
    }
}
