using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.AnalyzerBench;

/// <summary>Finding the analyzers of an analyzer assembly, and loading another build of TailGuard.Analyzers beside this one.</summary>
internal static class AnalyzerAssembly
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers(Assembly assembly)
        => assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
                && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(type => type.Name, StringComparer.Ordinal)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();

    /// <summary>
    /// The baseline has the same name as the assembly this bench references, so it needs a load context of its own; everything
    /// it references (Roslyn above all) still comes from the default context, so both builds' analyzers run on one Roslyn.
    /// </summary>
    public static Assembly LoadBaseline(string path) => new BaselineLoadContext().LoadFromAssemblyPath(Path.GetFullPath(path));

    private sealed class BaselineLoadContext() : AssemblyLoadContext("TailGuard baseline analyzers")
    {
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}

/// <summary>
/// Before/after: the analyzer driver over the same corpus with the analyzers of this tree and with those built at another
/// commit, in one process. Within each iteration both run back to back, the order alternating between iterations, so that the
/// load of a shared machine and any cost of running first fall on both alike; each run parses afresh and binds its own
/// compilation, so neither inherits the other's syntax or semantic caches. The figure is the ratio of TailGuard's analyzer
/// callback time (the driver's own telemetry), the part a refactor of the analyzers can change.
/// </summary>
/// <remarks>
/// On the generated corpus the cheap bound spares almost every function the state-machine estimate, so the callbacks barely
/// exercise it; the estimator is therefore also timed alone, on every async function of the corpus in Release and Debug, with
/// each build's own <c>StateMachineEstimator.Estimate</c> (binding done beforehand and not timed), and both builds' estimates
/// must be identical field by field.
/// </remarks>
internal sealed class BaselineBench(
    InProcessBench bench, ImmutableArray<DiagnosticAnalyzer> current, ImmutableArray<DiagnosticAnalyzer> baseline, Assembly currentAssembly, Assembly baselineAssembly)
{
    private delegate object? EstimateFunction(SyntaxNode function, SemanticModel model, OptimizationLevel optimization, CancellationToken cancellationToken);

    /// <summary>One driver run: TailGuard's callback time, the whole driver's wall and process CPU, and each analyzer's time.</summary>
    public sealed record Sample(double CallbacksMs, InProcessBench.Cost Driver, Dictionary<string, double> PerAnalyzerMs);

    public sealed record Results(
        IReadOnlyList<Sample> Current,
        IReadOnlyList<Sample> Baseline,
        IReadOnlyDictionary<string, int> CurrentDiagnostics,
        IReadOnlyDictionary<string, int> BaselineDiagnostics,
        bool SameDiagnostics,
        string LoadAtStart,
        string LoadAtEnd,
        IReadOnlyList<InProcessBench.Cost> EstimatorCurrent,
        IReadOnlyList<InProcessBench.Cost> EstimatorBaseline,
        int EstimatedFunctions,
        bool SameEstimates)
    {
        /// <summary>The per-iteration ratios, each from two runs seconds apart: their spread is the noise of one pair.</summary>
        public List<double> PairRatios => Current.Zip(Baseline, (c, b) => c.CallbacksMs / b.CallbacksMs).ToList();

        public double CallbackRatio => Median(Current, s => s.CallbacksMs) / Median(Baseline, s => s.CallbacksMs);

        public double CpuRatio => Median(Current, s => s.Driver.CpuMs) / Median(Baseline, s => s.Driver.CpuMs);

        public bool SameDiagnosticsCount => CurrentDiagnostics.Values.Sum() == BaselineDiagnostics.Values.Sum();

        public static double Median(IEnumerable<Sample> samples, Func<Sample, double> value) => InProcessBench.Median(samples.Select(value).ToList());
    }

    private Results? results;

    public bool SameDiagnostics => results is { SameDiagnostics: true, SameEstimates: true };

    public BaselineBench Run(int iterations)
    {
        var loadAtStart = LoadAverage();
        var texts = bench.Texts();
        Console.WriteLine("Warming up both builds...");
        var warmCurrent = Once(texts, current, out var currentDiagnostics);
        var warmBaseline = Once(texts, baseline, out var baselineDiagnostics);
        var same = currentDiagnostics.SequenceEqual(baselineDiagnostics, StringComparer.Ordinal);
        Console.WriteLine($"  warm-up: current {warmCurrent.CallbacksMs:F0} ms, baseline {warmBaseline.CallbacksMs:F0} ms of callbacks; "
            + $"diagnostics {currentDiagnostics.Count} and {baselineDiagnostics.Count}{(same ? ", identical" : ", DIFFERENT")}");

        var currentSamples = new List<Sample>();
        var baselineSamples = new List<Sample>();
        for (var i = 0; i < iterations; i++)
        {
            var currentFirst = i % 2 == 0;
            List<string> c, b;
            if (currentFirst)
            {
                currentSamples.Add(Once(texts, current, out c));
                baselineSamples.Add(Once(texts, baseline, out b));
            }
            else
            {
                baselineSamples.Add(Once(texts, baseline, out b));
                currentSamples.Add(Once(texts, current, out c));
            }

            same &= c.SequenceEqual(b, StringComparer.Ordinal);
            Console.WriteLine($"  iteration {i + 1}/{iterations} ({(currentFirst ? "current first" : "baseline first")}): callbacks current "
                + $"{currentSamples[^1].CallbacksMs:F0} ms, baseline {baselineSamples[^1].CallbacksMs:F0} ms, ratio {currentSamples[^1].CallbacksMs / baselineSamples[^1].CallbacksMs:F3}; "
                + $"driver CPU {currentSamples[^1].Driver.CpuMs:F0} ms vs {baselineSamples[^1].Driver.CpuMs:F0} ms; load {LoadAverage()}");
        }

        var (estimatorCurrent, estimatorBaseline, functions, sameEstimates) = RunEstimator(texts, iterations);
        results = new Results(
            currentSamples, baselineSamples, ById(currentDiagnostics), ById(baselineDiagnostics), same, loadAtStart, LoadAverage(),
            estimatorCurrent, estimatorBaseline, functions, sameEstimates);
        return this;
    }

    private (List<InProcessBench.Cost> Current, List<InProcessBench.Cost> Baseline, int Functions, bool Same) RunEstimator(
        List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> texts, int iterations)
    {
        var estimateCurrent = EstimatorOf(currentAssembly);
        var estimateBaseline = EstimatorOf(baselineAssembly);
        Console.WriteLine("Estimator alone, every async function in Release and Debug; warming up...");
        _ = Estimates(texts, estimateCurrent, out var currentEstimates);
        _ = Estimates(texts, estimateBaseline, out var baselineEstimates);
        var same = currentEstimates.SequenceEqual(baselineEstimates, StringComparer.Ordinal);
        var currentCosts = new List<InProcessBench.Cost>();
        var baselineCosts = new List<InProcessBench.Cost>();
        for (var i = 0; i < iterations; i++)
        {
            var first = i % 2 == 0 ? estimateCurrent : estimateBaseline;
            var second = i % 2 == 0 ? estimateBaseline : estimateCurrent;
            var a = Estimates(texts, first, out var firstEstimates);
            var b = Estimates(texts, second, out var secondEstimates);
            same &= firstEstimates.SequenceEqual(secondEstimates, StringComparer.Ordinal);
            currentCosts.Add(i % 2 == 0 ? a : b);
            baselineCosts.Add(i % 2 == 0 ? b : a);
            Console.WriteLine($"  estimator {i + 1}/{iterations}: current {currentCosts[^1].CpuMs:F0} ms CPU, baseline {baselineCosts[^1].CpuMs:F0} ms CPU");
        }

        Console.WriteLine($"  {currentEstimates.Count / 2:N0} functions; estimates {(same ? "identical" : "DIFFERENT")}");
        return (currentCosts, baselineCosts, currentEstimates.Count / 2, same);
    }

    /// <summary>Every async function estimated in Release then Debug, on a fresh compilation bound beforehand; the time of the estimates alone.</summary>
    private InProcessBench.Cost Estimates(List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> texts, EstimateFunction estimate, out List<string> estimates)
    {
        var trees = InProcessBench.Parse(texts, out _);
        var compilation = bench.Create(trees);
        var functions = new List<(SyntaxNode Function, SemanticModel Model)>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var function in tree.GetRoot().DescendantNodes().Where(TailGuard.Analyzers.StateMachines.StateMachineEstimator.IsAsyncFunctionSyntax))
            {
                _ = model.GetOperation(function);
                functions.Add((function, model));
            }
        }

        var results = new List<object?>(functions.Count * 2);
        var cost = InProcessBench.Measure(() =>
        {
            foreach (var optimization in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
            {
                foreach (var (function, model) in functions)
                {
                    results.Add(estimate(function, model, optimization, CancellationToken.None));
                }
            }
        });
        estimates = results.Select(Fingerprint).ToList();
        return cost;
    }

    private static EstimateFunction EstimatorOf(Assembly assembly)
    {
        var method = assembly.GetType("TailGuard.Analyzers.StateMachines.StateMachineEstimator", throwOnError: true)!
            .GetMethod("Estimate", [typeof(SyntaxNode), typeof(SemanticModel), typeof(OptimizationLevel), typeof(CancellationToken)])!;
        return (function, model, optimization, cancellationToken) => method.Invoke(null, [function, model, optimization, cancellationToken]);
    }

    /// <summary>Everything an estimate says, through reflection (the two builds' types differ): total, fields, notes.</summary>
    private static string Fingerprint(object? estimate)
    {
        if (estimate is null)
        {
            return "null";
        }

        object? Get(object o, string name) => o.GetType().GetProperty(name)!.GetValue(o);
        var fields = ((System.Collections.IEnumerable)Get(estimate, "Fields")!).Cast<object>()
            .Select(f => $"{Get(f, "Name")}:{Get(f, "Kind")}:{Get(f, "TypeName")}:{Get(f, "Bytes")}");
        var notes = ((System.Collections.IEnumerable)Get(estimate, "Notes")!).Cast<object>();
        return $"{Get(estimate, "TotalBytes")} [{string.Join(", ", fields)}] {string.Join(" | ", notes)}";
    }

    /// <summary>The comparison as printed, then as a section for docs/benchmarks.md.</summary>
    public string Section(Settings settings, BaselineSettings baselineSettings, int files, int lines)
    {
        var r = results ?? throw new InvalidOperationException("Run first");
        var ratios = r.PairRatios;
        var label = $"{baselineSettings.Ref} ({baselineSettings.Commit})";
        var s = new StringBuilder();
        s.Append($"### Before/after: this tree against {label}\n\n");
        s.Append($"- Recorded: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n");
        s.Append($"- Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; ")
            .Append($"load average {r.LoadAtStart} at the start, {r.LoadAtEnd} at the end (a machine shared with other jobs)\n");
        s.Append($"- Command: `bench/analyzers.sh {settings.CommandLine}`\n");
        s.Append($"- Corpus: {files:N0} files, {lines:N0} lines; {current.Length} analyzers here, {baseline.Length} in the baseline; ")
            .Append($"{r.Current.Count} iterations, each running both builds back to back, the order alternating\n");
        s.Append($"- Diagnostics: {(r.SameDiagnostics ? "identical" : r.SameDiagnosticsCount ? "same count, DIFFERENT locations or ids" : "DIFFERENT")} ")
            .Append($"(this tree {Describe(r.CurrentDiagnostics)}; baseline {Describe(r.BaselineDiagnostics)})\n\n");
        s.Append($"| Median of {r.Current.Count} | Baseline {label} | This tree | Ratio |\n|---|---:|---:|---:|\n");
        s.Append($"| TailGuard analyzer callbacks (driver telemetry) | {Results.Median(r.Baseline, x => x.CallbacksMs):N0} ms | {Results.Median(r.Current, x => x.CallbacksMs):N0} ms | **{r.CallbackRatio:F3}** |\n");
        s.Append($"| Analyzer driver, process CPU (binding and IOperation trees included) | {Results.Median(r.Baseline, x => x.Driver.CpuMs):N0} ms | {Results.Median(r.Current, x => x.Driver.CpuMs):N0} ms | {r.CpuRatio:F3} |\n");
        s.Append($"| Per-iteration callback ratio (this tree / baseline) | | | {InProcessBench.Median(ratios):F3} (range {ratios.Min():F3}–{ratios.Max():F3}) |\n");
        var estimatorBefore = InProcessBench.Median(r.EstimatorBaseline.Select(c => c.CpuMs).ToList());
        var estimatorAfter = InProcessBench.Median(r.EstimatorCurrent.Select(c => c.CpuMs).ToList());
        s.Append($"| State-machine estimator alone, process CPU: {r.EstimatedFunctions:N0} async functions × Release and Debug, binding excluded; ")
            .Append($"estimates {(r.SameEstimates ? "identical" : "DIFFERENT")} | {estimatorBefore:N0} ms | {estimatorAfter:N0} ms | {estimatorAfter / estimatorBefore:F3} |\n\n");
        s.Append("| Analyzer | Baseline ms | This tree ms | Ratio |\n|---|---:|---:|---:|\n");
        foreach (var name in r.Current[0].PerAnalyzerMs.Keys.OrderByDescending(n => Results.Median(r.Current, x => x.PerAnalyzerMs[n])))
        {
            var before = Results.Median(r.Baseline, x => x.PerAnalyzerMs.TryGetValue(name, out var ms) ? ms : double.NaN);
            var after = Results.Median(r.Current, x => x.PerAnalyzerMs[name]);
            s.Append($"| {name} | {before:F1} | {after:F1} | {after / before:F2} |\n");
        }

        return s.ToString();
    }

    private Sample Once(List<(string Path, Microsoft.CodeAnalysis.Text.SourceText Text)> texts, ImmutableArray<DiagnosticAnalyzer> set, out List<string> diagnostics)
    {
        var trees = InProcessBench.Parse(texts, out _);
        (Dictionary<string, double> PerAnalyzer, Dictionary<string, int> Diagnostics, ImmutableArray<Diagnostic> All)? result = null;
        var cost = InProcessBench.Measure(() => result = InProcessBench.Analyze(bench.Create(trees), set));
        var run = result ?? throw new InvalidOperationException("the driver did not run");
        diagnostics = run.All
            .Select(d => $"{d.Id} {d.Location.SourceTree?.FilePath}:{d.Location.SourceSpan.Start}-{d.Location.SourceSpan.End}")
            .Order(StringComparer.Ordinal)
            .ToList();
        return new Sample(run.PerAnalyzer.Values.Sum(), cost, run.PerAnalyzer);
    }

    private static Dictionary<string, int> ById(List<string> diagnostics)
        => diagnostics.GroupBy(d => d[..d.IndexOf(' ', StringComparison.Ordinal)]).ToDictionary(g => g.Key, g => g.Count());

    private static string Describe(IReadOnlyDictionary<string, int> byId)
        => $"{byId.Values.Sum()}: " + string.Join(", ", byId.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} × {p.Value}"));

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
