using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace TailGuard.Analyzers.Tests.Robustness;

/// <summary>
/// Every TailGuard analyzer (found by reflection) over every test snippet (found by parsing the tests), cut off where an IDE
/// would hand it to an analyzer mid-typing: no analyzer may throw (AD0001).
/// </summary>
public sealed class HalfTypedCodeTests(ITestOutputHelper output)
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(RuleIds).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
            && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .OrderBy(type => type.FullName, StringComparer.Ordinal)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    // Thousands of small compilations: against all ~250 reference assemblies each costs about a third more than against the
    // few a snippet needs. So each snippet's cuts are compiled against the references that the whole snippet really uses,
    // plus the assemblies that define the types the analyzers look up (so they take the same paths as in a real project);
    // compilations with the same set derive from one base compilation and share its loaded assembly symbols.
    private static readonly string[] AnalyzerTypeAssemblies =
    [
        "System.Runtime", "System.Threading", "System.Threading.Thread", "System.Threading.ThreadPool", "System.Threading.Tasks.Parallel",
        "System.Collections", "System.Collections.Concurrent", "System.Linq", "System.Linq.Parallel", "System.IO", "System.Console",
        "System.Net.Http", "System.Data.Common", "System.Text.Json", "System.Memory", "System.Runtime.InteropServices",
    ];

    private static readonly ImmutableArray<MetadataReference> AllReferences = TestReferences.Net100.AddRange(TestReferences.AspNetCore);
    private static readonly ImmutableArray<MetadataReference> CoreReferences = AllReferences
        .Where(r => AnalyzerTypeAssemblies.Contains(AssemblyName(r), StringComparer.Ordinal))
        .ToImmutableArray();

    private static readonly ConcurrentDictionary<string, Lazy<CSharpCompilation>> Bases = new(StringComparer.Ordinal);

    private static readonly AnalyzerOptions DefaultOptions = new([]);
    private static readonly AnalyzerOptions TestCodeIncluded = new([], new DictionaryOptionsProvider(new Dictionary<string, string>
    {
        [TailGuardOptions.ExcludeTestCode] = "false",
    }));

    public static TheoryData<string> TestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in TestSnippets.SourceFiles().Where(f => TestSnippets.FromFile(f).Count > 0))
        {
            data.Add(file);
        }

        return data;
    }

    [Fact]
    public void Every_analyzer_and_the_snippets_of_every_rule_test_are_found()
    {
        Assert.Contains(Analyzers, a => a is InducedGarbageCollectionAnalyzer);
        Assert.Equal(AnalyzerTypeAssemblies.Length, CoreReferences.Length);
        var ruleTests = TestSnippets.SourceFiles()
            .Where(f => f.StartsWith("Rules/", StringComparison.Ordinal)
                && File.ReadAllText(Path.Combine(TestSnippets.TestsDirectory, f)).Contains(".Verify", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(ruleTests);
        foreach (var file in ruleTests)
        {
            Assert.True(TestSnippets.FromFile(file).Count > 0, "no snippet found in " + file);
        }

        var gcSnippets = TestSnippets.FromFile("Rules/InducedGarbageCollectionAnalyzerTests.cs");
        Assert.Contains(gcSnippets, s => s.Contains("public void Trim() => GC.Collect();", StringComparison.Ordinal));
        Assert.DoesNotContain(gcSnippets, s => s.Contains("exclude_test_code", StringComparison.Ordinal));
    }

    [Fact]
    public void Markup_is_stripped_to_plain_source()
    {
        Assert.Equal("var x = t.Result; M(y);", TestSnippets.StripMarkup("var x = {|TG1001:t.Result|}; [|M(y)|];"));
        Assert.Equal("a(b);", TestSnippets.StripMarkup("{|#0:a(b)|};"));
    }

    [Fact]
    public void Snippets_come_from_raw_verbatim_and_hole_free_interpolated_literals_but_not_editorconfig_text()
    {
        var file = Path.Combine(Path.GetTempPath(), "tailguard-snippets-" + Guid.NewGuid().ToString("N") + ".cs");
        File.WriteAllText(file, "class T\n{\n    async Task A() => await Verify.VerifyAnalyzerAsync(\"\"\"\n        class A { void M() { {|TG4002:System.GC.Collect()|}; } }\n        \"\"\"\n"
            + "        , editorConfig: \"tailguard.exclude_test_code = false\");\n"
            + "    async Task B() => await Verify.VerifyAnalyzerAsync(@\"class B { void M() { } }\");\n"
            + "    async Task C() => await Verify.VerifyAnalyzerAsync($$\"\"\"\n        class C { void M() { } }\n        \"\"\");\n"
            + "    async Task D() => await Verify.VerifyAnalyzerAsync(\"\"\"\n        TG1003.excluded_methods = System.IO.File.ReadAllText; X.Y\n        \"\"\");\n}\n");
        try
        {
            var snippets = TestSnippets.FromFile(file);
            Assert.Equal(["class A { void M() { System.GC.Collect(); } }", "class B { void M() { } }", "class C { void M() { } }"], snippets);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Cuts_stop_at_statement_boundaries_and_inside_expressions()
    {
        var cuts = HalfTypedCode.Cuts("class C { async System.Threading.Tasks.Task M() { var t = N(); await t; } }", ParseOptions).ToList();
        Assert.Contains("class C { async System.Threading.Tasks.Task M() { var t = N();", cuts);
        Assert.Contains("class C { async System.Threading.Tasks.Task M() { var t = N(); await", cuts);
        Assert.Contains("class C { async System.Threading.Tasks.Task M() { var t =", cuts);
        Assert.Contains("class C { async System.Threading.Tasks.Task M(", cuts);
    }

    [Fact]
    public async Task A_throwing_analyzer_is_caught()
    {
        var failures = await AnalyzeAsync(BaseFor("class C { }"), "class C { void M() { M(); } }", DefaultOptions, [new ThrowingAnalyzer()]);
        Assert.Contains(failures, f => f.Contains(nameof(ThrowingAnalyzer), StringComparison.Ordinal)
            && f.Contains("half-typed", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestFiles))]
    public async Task No_analyzer_throws_on_half_typed_snippets_from(string testFile)
    {
        var stopwatch = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        var snippets = TestSnippets.FromFile(testFile);
        var inputs = new List<(string Text, AnalyzerOptions Options, CSharpCompilation Base)>();
        foreach (var snippet in snippets)
        {
            var baseCompilation = BaseFor(snippet);
            inputs.AddRange(HalfTypedCode.Cuts(snippet, ParseOptions).Select(cut => (cut, DefaultOptions, baseCompilation)));
            inputs.Add((snippet, TestCodeIncluded, baseCompilation));
        }

        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            inputs,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (input, _) =>
            {
                foreach (var failure in await AnalyzeAsync(input.Base, input.Text, input.Options, Analyzers))
                {
                    failures.Add(failure);
                }
            });

        output.WriteLine($"{Analyzers.Length} analyzers, {snippets.Count} snippets, {inputs.Count} inputs, {stopwatch.Elapsed.TotalSeconds:F1} s "
            + $"({(Environment.CpuUsage.TotalTime - cpu).TotalSeconds:F1} s CPU in the process); reference sets: "
            + string.Join(", ", inputs.Select(i => i.Base).Distinct().Select(b => b.References.Count())));
        Assert.True(failures.IsEmpty, $"{failures.Count} analyzer failure(s) over {inputs.Count} inputs:\n\n" + string.Join("\n\n", failures.Take(5)));
    }

    private static async Task<IReadOnlyList<string>> AnalyzeAsync(
        CSharpCompilation baseCompilation, string text, AnalyzerOptions options, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = baseCompilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(text, ParseOptions, path: "/HalfTyped.cs"));

        var exceptions = new ConcurrentBag<string>();
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            options,
            onAnalyzerException: (exception, analyzer, _) => exceptions.Add(analyzer.GetType().Name + ": " + exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false));

        // A hang is as bad as a throw for an IDE; a generous deadline keeps a bug from stalling the run.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stopwatch = Stopwatch.StartNew();
        ImmutableArray<Diagnostic> diagnostics;
        try
        {
            diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            return [$"analysis did not finish in {stopwatch.Elapsed} on:\n{text}"];
        }

        var failures = exceptions.Select(e => e + "\non:\n" + text).ToList();
        failures.AddRange(diagnostics.Where(d => d.Id is "AD0001" or "AD0002").Select(d => d + "\non:\n" + text));
        return failures;
    }

    /// <summary>A base compilation with the references that <paramref name="snippet"/> uses and the analyzers' type assemblies.</summary>
    private static CSharpCompilation BaseFor(string snippet)
    {
        var tree = CSharpSyntaxTree.ParseText(snippet, ParseOptions, path: "/HalfTyped.cs");
        var kind = tree.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().Any() ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var used = Bases.GetOrAdd("all:" + kind, _ => new(() => Create(kind, AllReferences))).Value
            .AddSyntaxTrees(tree)
            .GetUsedAssemblyReferences();
        var references = CoreReferences.Union(used).Distinct().OrderBy(r => r.Display, StringComparer.Ordinal).ToImmutableArray();
        var key = kind + ":" + string.Join('|', references.Select(r => r.Display));
        return Bases.GetOrAdd(key, _ => new(() => Create(kind, references))).Value;
    }

    /// <summary>"System.Runtime (net100)" for the reference packages, a file path for the shared framework.</summary>
    private static string AssemblyName(MetadataReference reference)
    {
        var display = reference.Display ?? string.Empty;
        return display.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? Path.GetFileNameWithoutExtension(display) : display.Split(' ')[0];
    }

    private static CSharpCompilation Create(OutputKind kind, ImmutableArray<MetadataReference> references)
    {
        var compilation = CSharpCompilation.Create(
            "HalfTyped",
            references: references,
            options: new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

        // Binds the references once, before compilations are derived from this one in parallel.
        _ = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        return compilation;
    }

#pragma warning disable RS1025, RS1026, RS1036, RS1038, RS1041, RS2008 // A deliberately broken analyzer that proves failures are caught.
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST0001", "Throws", "Throws", "Test", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

        public override void Initialize(AnalysisContext context)
            => context.RegisterSyntaxNodeAction(_ => throw new InvalidOperationException("half-typed"), SyntaxKind.InvocationExpression);
    }
#pragma warning restore RS1025, RS1026, RS1036, RS1038, RS1041, RS2008

    private sealed class DictionaryOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly DictionaryOptions _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
    }

    private sealed class DictionaryOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value)
        {
            if (values.TryGetValue(key, out var found))
            {
                value = found;
                return true;
            }

            value = string.Empty;
            return false;
        }
    }
}
