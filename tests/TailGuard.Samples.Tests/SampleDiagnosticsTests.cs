using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TailGuard.Analyzers;
using Xunit.Abstractions;

namespace TailGuard.Samples.Tests;

/// <summary>
/// Runs every TailGuard analyzer that exists at test time over the AdversarialService sources, compiled as the Release build
/// compiles them. The warnings must come from BadEndpoints.cs only, each bad endpoint must carry only its own pattern, and each
/// bad endpoint's expected rule must fire once that rule exists: the test gets stricter as rules land.
/// </summary>
public sealed class SampleDiagnosticsTests(ITestOutputHelper output)
{
    private const string BadFile = "BadEndpoints.cs";

    /// <summary>The pattern each bad endpoint carries, by method name.</summary>
    private static readonly Dictionary<string, string[]> ExpectedRules = new()
    {
        ["SyncOverAsync"] = [RuleIds.BlockingTaskWait],
        ["SynchronousIo"] = [RuleIds.SynchronousApiInAsyncContext],
        ["CpuLoop"] = [RuleIds.LoopWithoutYield],
        ["LargeObjectHeapAllocation"] = [RuleIds.LargeObjectHeapAllocation],
        ["BloatedStateMachine"] = [RuleIds.StateMachineOverBudget, RuleIds.LargeStructHoisted],
    };

    private static readonly Lazy<Task<SampleAnalysis>> Analysis = new(AnalyzeSampleAsync);

    [Fact]
    public async Task The_sample_compiles_without_errors()
    {
        var analysis = await Analysis.Value;

        Assert.Empty(analysis.CompilerErrors.Select(diagnostic => diagnostic.ToString()));
    }

    [Fact]
    public async Task No_analyzer_throws_on_the_sample()
    {
        var analysis = await Analysis.Value;

        Assert.Empty(analysis.AnalyzerDiagnostics.Where(diagnostic => diagnostic.Id == "AD0001").Select(diagnostic => diagnostic.ToString()));
    }

    [Fact]
    public async Task TailGuard_warnings_come_only_from_the_bad_endpoints()
    {
        var analysis = await Analysis.Value;

        var elsewhere = analysis.TailGuardDiagnostics
            .Where(diagnostic => Path.GetFileName(diagnostic.Location.SourceTree?.FilePath) != BadFile)
            .Select(diagnostic => diagnostic.ToString());
        Assert.Empty(elsewhere);
    }

    [Fact]
    public async Task Each_bad_endpoint_carries_only_its_own_pattern()
    {
        var analysis = await Analysis.Value;

        foreach (var diagnostic in analysis.TailGuardDiagnostics)
        {
            var method = EnclosingMethod(diagnostic);
            Assert.True(method is not null && ExpectedRules.TryGetValue(method, out var expected) && expected.Contains(diagnostic.Id),
                $"Unexpected {diagnostic.Id} in {method ?? "no endpoint"}: {diagnostic}");
        }
    }

    [Fact]
    public async Task Each_bad_endpoint_is_flagged_by_its_rule_once_the_rule_exists()
    {
        var analysis = await Analysis.Value;
        output.WriteLine($"Rules present: {string.Join(", ", analysis.SupportedRuleIds.Order(StringComparer.Ordinal))}");

        foreach (var (method, rules) in ExpectedRules)
        {
            foreach (var rule in rules)
            {
                if (!analysis.SupportedRuleIds.Contains(rule))
                {
                    output.WriteLine($"{rule} does not exist yet: {method} not checked for it.");
                    continue;
                }

                Assert.True(analysis.TailGuardDiagnostics.Any(diagnostic => diagnostic.Id == rule && EnclosingMethod(diagnostic) == method),
                    $"{rule} exists but does not flag BadEndpoints.{method}.");
                output.WriteLine($"{rule} flags {method}.");
            }
        }
    }

    private static string? EnclosingMethod(Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree;
        if (tree is null || Path.GetFileName(tree.FilePath) != BadFile)
        {
            return null;
        }

        return tree.GetRoot().FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
            .AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.ValueText;
    }

    private static async Task<SampleAnalysis> AnalyzeSampleAsync()
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Directory.EnumerateFiles(Repository.ServiceDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path))
            .ToArray();
        var compilation = CSharpCompilation.Create(
            "AdversarialService",
            trees,
            [.. Basic.Reference.Assemblies.Net100.References.All, .. AspNetCoreReferences()],
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

        var analyzers = typeof(RuleIds).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();

        return new SampleAnalysis(
            compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToArray(),
            diagnostics,
            analyzers.SelectMany(analyzer => analyzer.SupportedDiagnostics).Select(descriptor => descriptor.Id).ToHashSet());
    }

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(Repository.ServiceDirectory, path).Split(Path.DirectorySeparatorChar);
        return relative[0] is "bin" or "obj";
    }

    private static IEnumerable<MetadataReference> AspNetCoreReferences()
    {
        var directory = Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!;
        return Directory.EnumerateFiles(directory, "Microsoft.*.dll")
            .Where(path => Path.GetFileName(path).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                || Path.GetFileName(path).StartsWith("Microsoft.Extensions", StringComparison.Ordinal))
            .Select(path => MetadataReference.CreateFromFile(path));
    }

    private sealed record SampleAnalysis(
        IReadOnlyList<Diagnostic> CompilerErrors,
        ImmutableArray<Diagnostic> AnalyzerDiagnostics,
        IReadOnlySet<string> SupportedRuleIds)
    {
        public IEnumerable<Diagnostic> TailGuardDiagnostics => AnalyzerDiagnostics.Where(diagnostic => diagnostic.Id.StartsWith("TG", StringComparison.Ordinal));
    }
}
