using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
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

var analyzers = typeof(TailGuard.Analyzers.RuleIds).Assembly.GetTypes()
    .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
        && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
    .OrderBy(type => type.Name, StringComparer.Ordinal)
    .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
    .ToImmutableArray();

Console.WriteLine($"Generating a corpus of at least {settings.Lines:N0} lines...");
var corpus = CorpusGenerator.Generate(settings.Lines);
var lines = corpus.Sum(f => f.Lines);
Console.WriteLine($"{corpus.Count:N0} files, {lines:N0} lines; {analyzers.Length} TailGuard analyzers: {string.Join(", ", analyzers.Select(a => a.GetType().Name))}");

var results = new InProcessBench(corpus, analyzers).Run(settings.Iterations);
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

internal sealed record Settings(int Lines, int Iterations, bool DotnetBuild, int BuildIterations, string? Record, string CommandLine)
{
    public static Settings Parse(string[] args)
    {
        int lines = 100_000, iterations = 5, buildIterations = 3;
        var dotnetBuild = false;
        string? record = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--lines": lines = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--iterations": iterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dotnet-build": dotnetBuild = true; break;
                case "--build-iterations": buildIterations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--record": record = args[++i]; break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: [--lines N] [--iterations N] [--dotnet-build] [--build-iterations N] [--record docs/benchmarks.md]");
                    Environment.Exit(2);
                    break;
            }
        }

        return new Settings(lines, iterations, dotnetBuild, buildIterations, record, string.Join(' ', args));
    }
}

/// <summary>
/// Side by side in one process, alternating, single-threaded on both sides so that the figures are CPU work rather than
/// scheduling luck on a shared machine: (1) the compile, Emit of the whole corpus; (2) the analyzer driver with all TailGuard
/// analyzers, with per-analyzer execution times from the driver's telemetry; (3) the same driver with one no-op analyzer,
/// the cost any project already pays for the SDK's own analyzers. Medians over the iterations.
/// </summary>
internal sealed class InProcessBench(IReadOnlyList<CorpusFile> corpus, ImmutableArray<DiagnosticAnalyzer> analyzers)
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private readonly ImmutableArray<MetadataReference> _references = References();

    public sealed record Results(
        double ParseMs,
        double CompileMs,
        double DriverWithTailGuardMs,
        double DriverNoOpMs,
        double TailGuardAnalyzerMs,
        IReadOnlyDictionary<string, double> PerAnalyzerMs,
        IReadOnlyDictionary<string, int> DiagnosticsById,
        int Errors,
        int Iterations,
        double CompileCpuMs,
        double DriverWithTailGuardCpuMs,
        double DriverNoOpCpuMs)
    {
        public double CpuOverheadPercent => 100 * (DriverWithTailGuardCpuMs - DriverNoOpCpuMs) / CompileCpuMs;

        public double OverheadPercent => 100 * TailGuardAnalyzerMs / (ParseMs + CompileMs);

        public double WallOverheadPercent => 100 * (DriverWithTailGuardMs - DriverNoOpMs) / (ParseMs + CompileMs);

        public string Summary(int lines) =>
            $"parse {ParseMs:F0} ms, compile {CompileMs:F0} ms; TailGuard analyzers {TailGuardAnalyzerMs:F0} ms "
            + $"({TailGuardAnalyzerMs * 10_000 / lines:F1} ms per 10,000 lines, {OverheadPercent:F2}% of compile); "
            + $"driver wall with TailGuard {DriverWithTailGuardMs:F0} ms vs no-op {DriverNoOpMs:F0} ms ({WallOverheadPercent:F2}%); "
            + $"CPU: compile {CompileCpuMs:F0} ms, driver with TailGuard {DriverWithTailGuardCpuMs:F0} ms vs no-op {DriverNoOpCpuMs:F0} ms ({CpuOverheadPercent:F2}%); errors {Errors}";
    }

    public Results Run(int iterations)
    {
        var texts = corpus.Select(f => (f.Path, Text: Microsoft.CodeAnalysis.Text.SourceText.From(f.Text, Encoding.UTF8))).ToList();
        Console.WriteLine("Warming up...");
        var trees = Parse(texts, out _);
        var warm = Compile(trees, out var errors);
        if (errors.Count > 0)
        {
            Console.Error.WriteLine($"The corpus has {errors.Count} compile errors, first ones:");
            foreach (var error in errors.Take(10))
            {
                Console.Error.WriteLine("  " + error);
            }
        }

        _ = Analyze(warm.Compilation, analyzers);
        _ = Analyze(Create(trees), [new NoOpAnalyzer()]);

        var parse = new List<double>();
        var compile = new List<double>();
        var withTailGuard = new List<double>();
        var noOp = new List<double>();
        var compileCpu = new List<double>();
        var withTailGuardCpu = new List<double>();
        var noOpCpu = new List<double>();
        var tailGuard = new List<double>();
        var perAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
        var diagnostics = new Dictionary<string, int>();
        for (var i = 0; i < iterations; i++)
        {
            // Fresh trees and compilations each time: nothing bound is shared between the measured runs.
            trees = Parse(texts, out var parseMs);
            parse.Add(parseMs);
            var runs = new List<Action>
            {
                () =>
                {
                    var cpu = Environment.CpuUsage.TotalTime;
                    compile.Add(Compile(trees, out _).Milliseconds);
                    compileCpu.Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
                },
                () =>
                {
                    var cpu = Environment.CpuUsage.TotalTime;
                    var run = Analyze(Create(trees), analyzers);
                    withTailGuardCpu.Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
                    withTailGuard.Add(run.WallMs);
                    tailGuard.Add(run.PerAnalyzer.Values.Sum());
                    foreach (var (name, ms) in run.PerAnalyzer)
                    {
                        perAnalyzer[name].Add(ms);
                    }

                    diagnostics = run.Diagnostics;
                },
                () =>
                {
                    var cpu = Environment.CpuUsage.TotalTime;
                    noOp.Add(Analyze(Create(trees), [new NoOpAnalyzer()]).WallMs);
                    noOpCpu.Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
                },
            };

            // Rotate the order so that no side always runs first after a parse (GC and cache state).
            for (var j = 0; j < runs.Count; j++)
            {
                runs[(i + j) % runs.Count]();
            }

            Console.WriteLine($"  iteration {i + 1}/{iterations}: parse {parse[^1]:F0} ms, compile {compile[^1]:F0} ms, "
                + $"TailGuard analyzers {tailGuard[^1]:F0} ms, driver {withTailGuard[^1]:F0} ms vs no-op {noOp[^1]:F0} ms; "
                + $"CPU compile {compileCpu[^1]:F0} ms, driver {withTailGuardCpu[^1]:F0} ms vs no-op {noOpCpu[^1]:F0} ms");
        }

        return new Results(
            Median(parse), Median(compile), Median(withTailGuard), Median(noOp), Median(tailGuard),
            perAnalyzer.ToDictionary(p => p.Key, p => Median(p.Value)),
            diagnostics, errors.Count, iterations, Median(compileCpu), Median(withTailGuardCpu), Median(noOpCpu));
    }

    private static List<SyntaxTree> Parse(List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> texts, out double ms)
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

    private CSharpCompilation Create(IEnumerable<SyntaxTree> trees)
        => CSharpCompilation.Create(
            "Corpus",
            trees.Append(GlobalUsings()),
            _references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable,
                concurrentBuild: false));

    private (CSharpCompilation Compilation, double Milliseconds) Compile(IEnumerable<SyntaxTree> trees, out List<Diagnostic> errors)
    {
        var compilation = Create(trees);
        using var pe = new MemoryStream();
        var stopwatch = Stopwatch.StartNew();
        var result = compilation.Emit(pe);
        var ms = stopwatch.Elapsed.TotalMilliseconds;
        errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return (compilation, ms);
    }

    private static (double WallMs, Dictionary<string, double> PerAnalyzer, Dictionary<string, int> Diagnostics) Analyze(
        Compilation compilation, ImmutableArray<DiagnosticAnalyzer> set)
    {
        var withAnalyzers = compilation.WithAnalyzers(set, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (ex, analyzer, _) => Console.Error.WriteLine($"{analyzer.GetType().Name} threw: {ex}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true));
        var stopwatch = Stopwatch.StartNew();
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        var wall = stopwatch.Elapsed.TotalMilliseconds;
        var perAnalyzer = set.ToDictionary(
            a => a.GetType().Name,
            a => withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds);
        var byId = diagnostics.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        return (wall, perAnalyzer, byId);
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>An analyzer that asks for every named type and does nothing: it makes the driver run, as any project's SDK analyzers do.</summary>
#pragma warning disable RS1001, RS1025, RS1026, RS1036, RS1038, RS1041, RS2008 // A measuring stick, never shipped.
internal sealed class NoOpAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Rule = new("NOOP0001", "No-op", "No-op", "Bench", DiagnosticSeverity.Hidden, true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSymbolAction(_ => { }, SymbolKind.NamedType);
    }
}
#pragma warning restore RS1001, RS1025, RS1026, RS1036, RS1038, RS1041, RS2008
