using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TailGuard.AnalyzerBench;

/// <summary>
/// The realistic measure: the corpus as a project, built by <c>dotnet build</c> with and without the TailGuard analyzer
/// assembly (exactly what the package adds to the compiler's command line), alternating, the compiler server on as users
/// have it, except that the compiler runs as a child process (no compiler server) so that its CPU time can be counted: the
/// CPU time of the whole build process tree (reaped children, from /proc/self/stat) is the steady figure on a busy machine;
/// the Csc task time (MSBuild's performance summary) and the build's wall time are reported beside it.
/// </summary>
internal static partial class BuildBench
{
    public sealed record Result(
        int Iterations, double CscWithout, double CscWith, double WallWithout, double WallWith, double CpuWithout, double CpuWith, int TailGuardWarnings,
        IReadOnlyList<double> PairCpuOverheadPercents)
    {
        public double CpuOverheadPercent => 100 * (CpuWith - CpuWithout) / CpuWithout;

        public double CscOverheadPercent => 100 * (CscWith - CscWithout) / CscWithout;

        public double WallOverheadPercent => 100 * (WallWith - WallWithout) / WallWithout;

        public string Summary() =>
            $"dotnet build: Csc {CscWithout:F0} ms without, {CscWith:F0} ms with TailGuard ({CscOverheadPercent:+0.0;-0.0}%); "
            + $"wall {WallWithout:F0} ms vs {WallWith:F0} ms ({WallOverheadPercent:+0.0;-0.0}%); "
            + $"build CPU {CpuWithout:F0} ms vs {CpuWith:F0} ms ({CpuOverheadPercent:+0.0;-0.0}%; pairs {PairList}); {TailGuardWarnings} TG warnings";

        /// <summary>Each back-to-back pair's CPU overhead: the spread says how far to trust the median on a shared machine.</summary>
        public string PairList => string.Join(", ", PairCpuOverheadPercents.Select(p => p.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + "%"));
    }

    public static Result Run(IReadOnlyList<CorpusFile> corpus, string analyzerAssembly, int iterations)
    {
        var root = Directory.CreateTempSubdirectory("tailguard-bench-").FullName;
        try
        {
            Write(root, corpus, analyzerAssembly);
            Console.WriteLine("dotnet build of the corpus in " + root);
            Check(Dotnet(root, "restore"));

            // Warm-up: the compiler server starts and JITs once, for both sides.
            Check(Dotnet(root, Build(false)));
            Check(Dotnet(root, Build(true)));

            var cscWithout = new List<double>();
            var cscWith = new List<double>();
            var wallWithout = new List<double>();
            var wallWith = new List<double>();
            var cpuWithout = new List<double>();
            var cpuWith = new List<double>();
            var warnings = 0;
            for (var i = 0; i < iterations; i++)
            {
                foreach (var withTailGuard in i % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    var cpu = ChildrenCpuMs();
                    var stopwatch = Stopwatch.StartNew();
                    var output = Check(Dotnet(root, Build(withTailGuard)));
                    var wall = stopwatch.Elapsed.TotalMilliseconds;
                    var buildCpu = ChildrenCpuMs() - cpu;
                    (withTailGuard ? cpuWith : cpuWithout).Add(buildCpu);
                    var csc = CscTask().Match(output);
                    var cscMs = csc.Success ? double.Parse(csc.Groups["ms"].Value, CultureInfo.InvariantCulture) : double.NaN;
                    (withTailGuard ? cscWith : cscWithout).Add(cscMs);
                    (withTailGuard ? wallWith : wallWithout).Add(wall);
                    if (withTailGuard)
                    {
                        warnings = TgWarning().Matches(output).Select(m => m.Value).Distinct().Count();
                    }

                    Console.WriteLine($"  build {i + 1}/{iterations} {(withTailGuard ? "with" : "without")} TailGuard: Csc {cscMs:F0} ms, wall {wall:F0} ms, CPU {buildCpu:F0} ms");
                }
            }

            return new Result(
                iterations, Median(cscWithout), Median(cscWith), Median(wallWithout), Median(wallWith), Median(cpuWithout), Median(cpuWith), warnings,
                cpuWith.Zip(cpuWithout, (with, without) => 100 * (with - without) / without).ToList());
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind does no harm.
            }
        }
    }

    private static string[] Build(bool withTailGuard) =>
    [
        "build", "--no-restore", "--no-incremental", "-c", "Release", "-nodeReuse:false",
        "-p:TailGuard=" + (withTailGuard ? "true" : "false"), "-p:UseSharedCompilation=false", "-clp:PerformanceSummary",
    ];

    private static void Write(string root, IReadOnlyList<CorpusFile> corpus, string analyzerAssembly)
    {
        foreach (var file in corpus)
        {
            var path = Path.Combine(root, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Text);
        }

        // Isolated from anything above the temp folder.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, ".editorconfig"), "root = true\n");
        File.WriteAllText(Path.Combine(root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(root, "packages")}" /></config>
              <packageSources>
                <clear />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>

            """);
        File.WriteAllText(Path.Combine(root, "Corpus.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <DefaultItemExcludes>$(DefaultItemExcludes);packages/**</DefaultItemExcludes>
              </PropertyGroup>
              <ItemGroup>
                <FrameworkReference Include="Microsoft.AspNetCore.App" />
              </ItemGroup>
              <!-- What the TailGuard.Analyzers package adds to the compile. -->
              <ItemGroup Condition="'$(TailGuard)' == 'true'">
                <Analyzer Include="{analyzerAssembly}" />
              </ItemGroup>
            </Project>

            """);
    }

    private static (int ExitCode, string Output) Dotnet(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Check((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet failed:\n" + result.Output);
        }

        return result.Output;
    }

    /// <summary>User + system CPU of this process's terminated, waited-for descendants (Linux), in milliseconds.</summary>
    private static double ChildrenCpuMs()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // Fields 16 and 17 of proc(5) (cutime, cstime), counted from the state field (3) after the command name; in clock ticks.
        var ticks = long.Parse(fields[16 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[17 - 3], CultureInfo.InvariantCulture);
        return ticks * 1000.0 / ClockTicksPerSecond;
    }

    // sysconf(_SC_CLK_TCK) is 100 on every Linux platform .NET supports.
    private const double ClockTicksPerSecond = 100;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [GeneratedRegex(@"^\s*(?<ms>\d+) ms\s+Csc\s+\d+ calls", RegexOptions.Multiline)]
    private static partial Regex CscTask();

    [GeneratedRegex(@"[^\s]+\(\d+,\d+\): warning TG\d{4}:")]
    private static partial Regex TgWarning();
}
