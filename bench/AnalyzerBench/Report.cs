using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.AnalyzerBench;

/// <summary>The "Analyzer overhead" section of docs/benchmarks.md: self-contained, replaced in place on each recording.</summary>
internal static class Report
{
    public const string Heading = "## Analyzer overhead";

    public static string Section(
        Settings settings, int files, int lines, ImmutableArray<DiagnosticAnalyzer> analyzers, InProcessBench.Results r, BuildBench.Result? build)
    {
        var s = new StringBuilder();
        s.Append(Heading).Append("\n\n");
        s.Append("What the TailGuard analyzers add to the compile of a generated corpus of async service code (controllers, repositories on ")
            .Append("`DbConnection`, `HttpClient` API clients with retries, `IMemoryCache` caches, `BackgroundService` workers fed by channels, ")
            .Append("and services orchestrating them; about one file in four also carries a TailGuard pattern). Target: under 5% of compile time.\n\n");
        s.Append($"- Recorded: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n");
        s.Append($"- Machine: {CpuModel()}, {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB; "
            + $"{RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; load average at start {LoadAverage()} (a machine shared with other jobs)\n");
        s.Append($"- Command: `bench/analyzers.sh{(settings.CommandLine.Length > 0 ? " " + settings.CommandLine : string.Empty)}`\n");
        s.Append($"- Corpus: {files:N0} files, {lines:N0} lines; {analyzers.Length} analyzers ({string.Join(", ", analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().Order())}); ")
            .Append($"diagnostics reported: {(r.DiagnosticsById.Count == 0 ? "none" : string.Join(", ", r.DiagnosticsById.OrderBy(p => p.Key).Select(p => $"{p.Key} × {p.Value}")))}\n\n");

        if (build is not null)
        {
            // What a user pays is the build's time; the in-process rows below locate the cost but swing with their baselines.
            s.Append($"**Result: `dotnet build` CPU with vs without TailGuard {build.CpuOverheadPercent:+0.0;-0.0}%** (median of {build.Iterations} alternating ")
                .Append($"pairs: {build.PairList}); TailGuard's analyzer callbacks {r.TailGuardAnalyzerMs * 10_000 / lines:F0} ms per 10,000 lines.\n\n");
        }

        s.Append($"In-process (Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}, single-threaded on both sides so the figures are CPU work; median of {r.Iterations} iterations, alternating). ")
            .Append("Each driver row is measured on its own and swings by about a second between iterations on a shared machine, so their differences locate ")
            .Append("the cost rather than measure it; the IOperation trees are built anyway by the SDK's own operation analyzers in a real build:\n\n");
        var wholeCpuMs = r.DriverTailGuard.CpuMs - r.DriverSymbols.CpuMs;
        s.Append("| Measure | Value |\n|---|---:|\n");
        s.Append($"| Parse + compile (Emit) of the corpus, process CPU | {r.ParseMs + r.Compile.CpuMs:N0} ms |\n");
        s.Append($"| Whole TailGuard package: analyzer driver CPU with TailGuard minus with a no-op symbol analyzer | {wholeCpuMs:N0} ms = {wholeCpuMs * 10_000 / lines:F0} ms per 10,000 lines = {r.CpuBeyondSymbolsPercent:F1}% of compile |\n");
        s.Append($"| of which the IOperation trees, which every operation-based analyzer shares (the SDK's too) | {r.DriverOperations.CpuMs - r.DriverSymbols.CpuMs:N0} ms |\n");
        s.Append($"| of which TailGuard's own analysis beyond those trees | {r.DriverTailGuard.CpuMs - r.DriverOperations.CpuMs:N0} ms = {r.CpuBeyondOperationsPercent:F1}% of compile |\n");
        s.Append($"| TailGuard analyzer callbacks (driver telemetry, wall clock) | {r.TailGuardAnalyzerMs:N0} ms = {r.TailGuardAnalyzerMs * 10_000 / lines:F1} ms per 10,000 lines |\n\n");
        s.Append("Process CPU of each step (the compiler and driver single-threaded; CPU time rather than wall time because the machine is shared):\n\n");
        s.Append("| Step | CPU | Wall |\n|---|---:|---:|\n");
        s.Append($"| Compile (Emit) | {r.Compile.CpuMs:N0} ms | {r.Compile.WallMs:N0} ms |\n");
        s.Append($"| Analyzer driver, one no-op symbol analyzer (what the SDK's analyzers already cost any project) | {r.DriverSymbols.CpuMs:N0} ms | {r.DriverSymbols.WallMs:N0} ms |\n");
        s.Append($"| Analyzer driver, one no-op invocation analyzer (adds the IOperation trees) | {r.DriverOperations.CpuMs:N0} ms | {r.DriverOperations.WallMs:N0} ms |\n");
        s.Append($"| Analyzer driver, all TailGuard analyzers | {r.DriverTailGuard.CpuMs:N0} ms | {r.DriverTailGuard.WallMs:N0} ms |\n\n");
        s.Append("| Analyzer | ms | ms per 10,000 lines |\n|---|---:|---:|\n");
        foreach (var (name, ms) in r.PerAnalyzerMs.OrderByDescending(p => p.Value))
        {
            s.Append($"| {name} | {ms:F1} | {ms * 10_000 / lines:F2} |\n");
        }

        if (r.AloneCpuMs.Count > 0)
        {
            s.Append("\nEach analyzer alone (`--per-analyzer`): process CPU of the driver with only that analyzer, minus the driver with the no-op symbol ")
                .Append("analyzer (so an operation-based analyzer also carries the IOperation trees, which all of them share), and minus the driver with the ")
                .Append("no-op invocation analyzer (its own work); medians, so the rows need not add up to the whole:\n\n");
            s.Append("| Analyzer alone | CPU beyond no-op symbols | beyond no-op operations | % of compile (beyond operations) |\n|---|---:|---:|---:|\n");
            foreach (var (name, cpu) in r.AloneCpuMs.OrderByDescending(p => p.Value))
            {
                var beyondOperations = cpu - r.DriverOperations.CpuMs;
                s.Append($"| {name} | {cpu - r.DriverSymbols.CpuMs:N0} ms | {beyondOperations:N0} ms | {100 * beyondOperations / r.Compile.CpuMs:F1}% |\n");
            }
        }

        if (build is not null)
        {
            s.Append($"\n`dotnet build --no-incremental -c Release` of the corpus as a project with the SDK's default analyzers, with and without the TailGuard ")
                .Append($"analyzer assembly (what the package adds), the compiler as a child process so its CPU is counted; median of {build.Iterations} alternating builds:\n\n");
            s.Append("| | Build CPU (process tree) | Csc task wall | Build wall |\n|---|---:|---:|---:|\n");
            s.Append($"| Without TailGuard | {build.CpuWithout:N0} ms | {build.CscWithout:N0} ms | {build.WallWithout:N0} ms |\n");
            s.Append($"| With TailGuard ({build.TailGuardWarnings} TG warnings) | {build.CpuWith:N0} ms | {build.CscWith:N0} ms | {build.WallWith:N0} ms |\n");
            s.Append($"| **Difference** | **{build.CpuOverheadPercent:+0.0;-0.0}%** | {build.CscOverheadPercent:+0.0;-0.0}% | {build.WallOverheadPercent:+0.0;-0.0}% |\n");
            s.Append($"\nBuild CPU overhead of each alternating pair: {build.PairList}.\n");
            s.Append("\nWall times on a shared machine swing with the other jobs; CPU time is the steadier measure.\n");
        }

        return s.ToString();
    }

    /// <summary>Replaces this section of <paramref name="path"/> (up to the next level-2 heading) or appends it.</summary>
    public static void Record(string path, string section)
    {
        var text = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : "# Benchmarks\n";
        var start = text.IndexOf(Heading + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            var next = text.IndexOf("\n## ", start + Heading.Length, StringComparison.Ordinal);
            text = text[..start] + section + (next < 0 ? string.Empty : "\n" + text[(next + 1)..]);
        }

        File.WriteAllText(path, text);
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

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
