using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TailGuard.Analyzers.StateMachines;

namespace TailGuard.Analyzers;

/// <summary>
/// TG3001: an async method, local function or lambda whose estimated state machine is larger than
/// <c>TG3001.max_state_machine_bytes</c>.
/// </summary>
/// <remarks>
/// Every operation that suspends at an await keeps its state machine (boxed) on the heap until it resumes. Under load the
/// in-flight operations multiply that size: bigger state machines mean more gen0 allocation, more promotions of
/// long-waiting operations to gen1/gen2, and longer GC pauses that every request pays.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StateMachineSizeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The budget's editorconfig key.</summary>
    public const string MaxBytesOption = RuleIds.StateMachineOverBudget + ".max_state_machine_bytes";

    /// <summary>
    /// The default budget: the 99th percentile of the async state machines in the .NET 10 shared frameworks
    /// (see docs/benchmarks.md), so only outliers are flagged.
    /// </summary>
    public const int DefaultMaxStateMachineBytes = 192;

    /// <summary>Also report long-lived dispatch loops (<see cref="LongLivedLoop"/>), whose state machine is allocated once per connection.</summary>
    public const string IncludeLongLivedLoopsOption = RuleIds.StateMachineOverBudget + ".include_long_lived_loops";

    /// <summary>Estimate the layout of the compilation's own optimization level (a Debug build's class) instead of Release's.</summary>
    public const string EstimateBuildConfigurationOption = RuleIds.StateMachineOverBudget + ".estimate_build_configuration";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.StateMachineOverBudget,
        title: "Async state machine over budget",
        messageFormat: "The state machine of '{0}' is about {1} bytes, over the budget of {2} bytes; largest: {3}",
        category: RuleCategories.AsyncMemory,
        description: "Each suspended async operation keeps its state machine on the heap: the builder, the state, every parameter, "
            + "every local live across an await and one field per awaiter type. Large state machines multiply by the number of "
            + "in-flight operations and turn into GC work and pauses. Shrink it: pass large structs by reference or as smaller "
            + "values, end the scope of large locals before the await, or split the method.");

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

        var tree = function.SyntaxTree;
        if (!TailGuardOptions.GetBool(context.Options, tree, IncludeLongLivedLoopsOption, defaultValue: false)
            && LongLivedLoop.IsDispatchLoopFunction(function))
        {
            return; // allocated once per connection or channel, not per operation
        }

        var budget = TailGuardOptions.GetInt(context.Options, tree, MaxBytesOption, DefaultMaxStateMachineBytes);

        // What users ship is a Release build, whose struct keeps only what is live across awaits; an IDE analyzes the Debug build,
        // whose class hoists every local, and would show a figure that TG3002's fix makes grow (issue 13: 576 -> 624 B in Debug
        // while Release went 560 -> 96 B). The option estimates the build's own configuration instead.
        var optimization = TailGuardOptions.GetBool(context.Options, tree, EstimateBuildConfigurationOption, defaultValue: false)
            ? context.Compilation.Options.OptimizationLevel
            : OptimizationLevel.Release;
        if (StateMachineEstimator.BoundShared(function, context.SemanticModel, context.CancellationToken) is { } bound
            && bound.MaxTotalBytes(optimization) <= budget)
        {
            return; // even if every candidate field were hoisted, it would fit
        }

        var estimate = StateMachineEstimator.EstimateShared(function, context.SemanticModel, optimization, context.CancellationToken);
        if (estimate is null || estimate.TotalBytes <= budget)
        {
            return;
        }

        var largest = string.Join(", ", estimate.LargestFields(3).Select(f => string.Format(CultureInfo.InvariantCulture, "{0} ({1} bytes)", f.Name, f.Bytes)));
        context.ReportDiagnostic(Diagnostic.Create(Rule, Location(function), Name(function), estimate.TotalBytes, budget, largest));
    }

    private static Location Location(SyntaxNode function) => function switch
    {
        MethodDeclarationSyntax method => method.Identifier.GetLocation(),
        LocalFunctionStatementSyntax local => local.Identifier.GetLocation(),
        AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.GetLocation(),
        _ => function.GetLocation(),
    };

    private static string Name(SyntaxNode function) => function switch
    {
        MethodDeclarationSyntax method => method.Identifier.ValueText,
        LocalFunctionStatementSyntax local => local.Identifier.ValueText,
        _ => "async lambda",
    };
}
