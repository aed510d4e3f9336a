using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TailGuard.AnalyzerBench;

// Analyzer overhead benchmark: generates a corpus of async service code, compiles it with Roslyn, and measures what the
// TailGuard analyzers (all of them, found by reflection) add. See docs/benchmarks.md, section "Analyzer overhead".
var settings = Settings.Parse(args);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var analyzers = AnalyzerAssembly.Analyzers(typeof(TailGuard.Analyzers.RuleIds).Assembly);

Console.WriteLine($"Generating a corpus of at least {settings.Lines:N0} lines...");
var corpus = CorpusGenerator.Generate(settings.Lines);
var lines = corpus.Sum(f => f.Lines);
Console.WriteLine($"{corpus.Count:N0} files, {lines:N0} lines; {analyzers.Length} TailGuard analyzers: {string.Join(", ", analyzers.Select(a => a.GetType().Name))}");

if (settings.Baseline is { } baselineSettings)
{
    // Before/after: the same driver run for the analyzers of this tree and for those built at another commit, in one process.
    var baselineAssembly = AnalyzerAssembly.LoadBaseline(baselineSettings.Assembly);
    var comparison = new BaselineBench(
        new InProcessBench(corpus, analyzers), analyzers, AnalyzerAssembly.Analyzers(baselineAssembly),
        typeof(TailGuard.Analyzers.RuleIds).Assembly, baselineAssembly).Run(settings.Iterations);
    Console.WriteLine();
    Console.WriteLine(comparison.Section(settings, baselineSettings, corpus.Count, lines));
    return comparison.SameDiagnostics ? 0 : 1;
}

var results = new InProcessBench(corpus, analyzers).Run(settings.Iterations, settings.PerAnalyzer);
Console.WriteLine(results.Summary(lines));

BuildBench.Result? build = null;
if (settings.DotnetBuild)
{
    build = BuildBench.Run(corpus, typeof(TailGuard.Analyzers.RuleIds).Assembly.Location, settings.BuildIterations);
    Console.WriteLine(build.Summary());
}

var section = Report.Section(settings, corpus.Count, lines, analyzers, results, build);
Console.WriteLine();
Console.WriteLine(section);
if (settings.Record is not null)
{
    Report.Record(settings.Record, section);
    Console.WriteLine("Recorded in " + settings.Record);
}

return results.Errors == 0 ? 0 : 1;

internal sealed record Settings(
    int Lines, int Iterations, bool DotnetBuild, int BuildIterations, bool PerAnalyzer, string? Record, string CommandLine, BaselineSettings? Baseline)
{
    public static Settings Parse(string[] args)
    {
        int lines = 100_000, iterations = 5, buildIterations = 3;
        var dotnetBuild = false;
        var perAnalyzer = false;
        string? record = null;
        string? baselineAssembly = null, baselineRef = null, baselineCommit = null;
        var shown = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var start = i;
            switch (args[i])
            {
                case "--lines": lines = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--iterations": iterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dotnet-build": dotnetBuild = true; break;
                case "--per-analyzer": perAnalyzer = true; break;
                case "--build-iterations": buildIterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--record": record = args[++i]; break;

                // Set by bench/analyzers.sh --baseline REF, which builds the analyzer assembly at REF.
                case "--baseline-assembly": baselineAssembly = args[++i]; continue;
                case "--baseline-ref": baselineRef = args[++i]; shown.Add("--baseline " + baselineRef); continue;
                case "--baseline-commit": baselineCommit = args[++i]; continue;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: [--lines N] [--iterations N] [--dotnet-build] [--build-iterations N] [--per-analyzer] [--record docs/benchmarks.md] (bench/analyzers.sh adds --baseline REF)");
                    Environment.Exit(2);
                    break;
            }

            // The command line as typed to bench/analyzers.sh, for the record (the baseline's build path left out).
            shown.AddRange(args[start..(i + 1)]);
        }

        var baseline = baselineAssembly is null ? null : new BaselineSettings(baselineAssembly, baselineRef ?? "?", baselineCommit ?? "?");
        if (baseline is not null && (record is not null || dotnetBuild || perAnalyzer))
        {
            // The before/after run measures one thing; the overhead section it would replace is about another.
            Console.Error.WriteLine("--baseline runs only the before/after comparison: drop --record, --dotnet-build and --per-analyzer");
            Environment.Exit(2);
        }

        return new Settings(lines, iterations, dotnetBuild, buildIterations, perAnalyzer, record, string.Join(' ', shown), baseline);
    }
}

/// <summary>The analyzer assembly built at another commit (<c>bench/analyzers.sh --baseline REF</c>).</summary>
internal sealed record BaselineSettings(string Assembly, string Ref, string Commit);

/// <summary>
/// Side by side in one process, alternating, single-threaded everywhere so that the figures are CPU work rather than
/// scheduling luck on a shared machine: (1) the compile, Emit of the whole corpus; (2) the analyzer driver with all TailGuard
/// analyzers, with per-analyzer execution times from the driver's telemetry; (3) the driver with a no-op symbol analyzer,
/// which any project pays for the SDK's own analyzers; (4) the driver with a no-op invocation analyzer, which also pays for
/// the IOperation trees that every operation-based analyzer (TailGuard's and the SDK's) shares. Medians over the iterations.
/// </summary>
internal sealed class InProcessBench(IReadOnlyList<CorpusFile> corpus, ImmutableArray<DiagnosticAnalyzer> analyzers)
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private readonly ImmutableArray<MetadataReference> _references = References();

    /// <summary>Wall and process CPU milliseconds of one measured step.</summary>
    public sealed record Cost(double WallMs, double CpuMs)
    {
        public override string ToString() => $"{WallMs:F0} ms wall / {CpuMs:F0} ms CPU";
    }

    public sealed record Results(
        double ParseMs,
        Cost Compile,
        Cost DriverTailGuard,
        Cost DriverSymbols,
        Cost DriverOperations,
        double TailGuardAnalyzerMs,
        IReadOnlyDictionary<string, double> PerAnalyzerMs,
        IReadOnlyDictionary<string, int> DiagnosticsById,
        IReadOnlyDictionary<string, double> AloneCpuMs,
        int Errors,
        int Iterations)
    {
        /// <summary>Driver CPU with TailGuard beyond the driver with a no-op operation analyzer: TailGuard's own cost.</summary>
        public double CpuBeyondOperationsPercent => 100 * (DriverTailGuard.CpuMs - DriverOperations.CpuMs) / Compile.CpuMs;

        /// <summary>Driver CPU with TailGuard beyond a symbol-only driver: includes building the IOperation trees.</summary>
        public double CpuBeyondSymbolsPercent => 100 * (DriverTailGuard.CpuMs - DriverSymbols.CpuMs) / Compile.CpuMs;

        public string Summary(int lines) =>
            $"whole package {CpuBeyondSymbolsPercent:F1}% of compile CPU; TailGuard analyzer callbacks {TailGuardAnalyzerMs:F0} ms "
            + $"({TailGuardAnalyzerMs * 10_000 / lines:F1} ms per 10,000 lines); "
            + $"CPU: compile {Compile.CpuMs:F0} ms, driver with TailGuard {DriverTailGuard.CpuMs:F0} ms, no-op operations {DriverOperations.CpuMs:F0} ms "
            + $"({CpuBeyondOperationsPercent:F2}%), no-op symbols {DriverSymbols.CpuMs:F0} ms ({CpuBeyondSymbolsPercent:F2}%); errors {Errors}";
    }

    /// <param name="alone">Also runs the driver with each TailGuard analyzer alone (process CPU), to find where the cost goes.</param>
    public Results Run(int iterations, bool alone = false)
    {
        var texts = Texts();
        Console.WriteLine("Warming up...");
        var trees = Parse(texts, out _);
        var errors = Compile(trees).Errors;
        if (errors.Count > 0)
        {
            Console.Error.WriteLine($"The corpus has {errors.Count} compile errors, first ones:");
            foreach (var error in errors.Take(10))
            {
                Console.Error.WriteLine("  " + error);
            }
        }

        _ = Analyze(Create(trees), analyzers);
        _ = Analyze(Create(trees), [new NoOpAnalyzer(operations: true)]);

        var parse = new List<double>();
        var compile = new List<Cost>();
        var tailGuard = new List<Cost>();
        var symbols = new List<Cost>();
        var operations = new List<Cost>();
        var tailGuardAnalyzers = new List<double>();
        var perAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
        var diagnostics = new Dictionary<string, int>();
        var aloneCpu = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
        for (var i = 0; i < iterations; i++)
        {
            // Fresh trees and compilations each time: nothing bound is shared between the measured runs.
            trees = Parse(texts, out var parseMs);
            parse.Add(parseMs);
            var steps = new List<Action>
            {
                () => compile.Add(Measure(() => Compile(trees))),
                () => tailGuard.Add(Measure(() =>
                {
                    var run = Analyze(Create(trees), analyzers);
                    tailGuardAnalyzers.Add(run.PerAnalyzer.Values.Sum());
                    foreach (var (name, ms) in run.PerAnalyzer)
                    {
                        perAnalyzer[name].Add(ms);
                    }

                    diagnostics = run.Diagnostics;
                })),
                () => symbols.Add(Measure(() => Analyze(Create(trees), [new NoOpAnalyzer(operations: false)]))),
                () => operations.Add(Measure(() => Analyze(Create(trees), [new NoOpAnalyzer(operations: true)]))),
            };
            if (alone)
            {
                foreach (var analyzer in analyzers)
                {
                    steps.Add(() => aloneCpu[analyzer.GetType().Name].Add(Measure(() => Analyze(Create(trees), [analyzer])).CpuMs));
                }
            }

            // Rotate the order so that no step always runs first after a parse (GC and cache state).
            for (var j = 0; j < steps.Count; j++)
            {
                steps[(i + j) % steps.Count]();
            }

            Console.WriteLine($"  iteration {i + 1}/{iterations}: parse {parse[^1]:F0} ms, compile {compile[^1]}, TailGuard analyzers {tailGuardAnalyzers[^1]:F0} ms; "
                + $"driver with TailGuard {tailGuard[^1]}, no-op operations {operations[^1]}, no-op symbols {symbols[^1]}");
        }

        return new Results(
            Median(parse), Median(compile), Median(tailGuard), Median(symbols), Median(operations), Median(tailGuardAnalyzers),
            perAnalyzer.ToDictionary(p => p.Key, p => Median(p.Value)),
            diagnostics,
            alone ? aloneCpu.ToDictionary(p => p.Key, p => Median(p.Value)) : new Dictionary<string, double>(),
            errors.Count, iterations);
    }

    internal List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> Texts()
        => corpus.Select(f => (f.Path, Microsoft.CodeAnalysis.Text.SourceText.From(f.Text, Encoding.UTF8))).ToList();

    internal static Cost Measure(Action step)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu = Environment.CpuUsage.TotalTime;
        var stopwatch = Stopwatch.StartNew();
        step();
        return new Cost(stopwatch.Elapsed.TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
    }

    private static Cost Measure<T>(Func<T> step) => Measure(() => { _ = step(); });

    internal static List<SyntaxTree> Parse(List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> texts, out double ms)
    {
        var stopwatch = Stopwatch.StartNew();
        var trees = texts.Select(t => CSharpSyntaxTree.ParseText(t.Text, ParseOptions, t.Path)).ToList();
        foreach (var tree in trees)
        {
            _ = tree.GetRoot();
        }

        ms = stopwatch.Elapsed.TotalMilliseconds;
        return trees;
    }

    internal CSharpCompilation Create(IEnumerable<SyntaxTree> trees)
        => CSharpCompilation.Create(
            "Corpus",
            trees.Append(GlobalUsings()),
            _references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable,
                concurrentBuild: false));

    private (CSharpCompilation Compilation, List<Diagnostic> Errors) Compile(IEnumerable<SyntaxTree> trees)
    {
        var compilation = Create(trees);
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        return (compilation, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList());
    }

    internal static (Dictionary<string, double> PerAnalyzer, Dictionary<string, int> Diagnostics, ImmutableArray<Diagnostic> All) Analyze(
        Compilation compilation, ImmutableArray<DiagnosticAnalyzer> set)
    {
        var withAnalyzers = compilation.WithAnalyzers(set, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (ex, analyzer, _) => Console.Error.WriteLine($"{analyzer.GetType().Name} threw: {ex}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true));
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        var perAnalyzer = set.ToDictionary(
            a => a.GetType().Name,
            a => withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds);
        var byId = diagnostics.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        return (perAnalyzer, byId, diagnostics);
    }

    private static SyntaxTree GlobalUsings() => CSharpSyntaxTree.ParseText("""
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """, ParseOptions, "GlobalUsings.g.cs");

    private static ImmutableArray<MetadataReference> References()
    {
        var aspNetCore = Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Mvc.ControllerBase).Assembly.Location)!;
        return Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Concat(Directory.EnumerateFiles(aspNetCore, "Microsoft.*.dll")
                .Where(p => Path.GetFileName(p).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                    || Path.GetFileName(p).StartsWith("Microsoft.Extensions", StringComparison.Ordinal))
                .Select(p => MetadataReference.CreateFromFile(p)))
            .ToImmutableArray();
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static Cost Median(List<Cost> values) => new(Median(values.Select(v => v.WallMs).ToList()), Median(values.Select(v => v.CpuMs).ToList()));
}

/// <summary>
/// A measuring stick that reports nothing. With <c>operations: false</c> it asks for every named type, making the driver run
/// as the SDK's analyzers do in any project; with <c>operations: true</c> it asks for every invocation, so the driver also
/// builds the IOperation trees of every method body, a cost all operation-based analyzers share.
/// </summary>
#pragma warning disable RS1001, RS1025, RS1026, RS1036, RS1038, RS1041, RS2008 // Never shipped.
internal sealed class NoOpAnalyzer(bool operations) : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Rule = new("NOOP0001", "No-op", "No-op", "Bench", DiagnosticSeverity.Hidden, true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        if (operations)
        {
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
        else
        {
            context.RegisterSymbolAction(_ => { }, SymbolKind.NamedType);
        }
    }
}
#pragma warning restore RS1001, RS1025, RS1026, RS1036, RS1038, RS1041, RS2008
