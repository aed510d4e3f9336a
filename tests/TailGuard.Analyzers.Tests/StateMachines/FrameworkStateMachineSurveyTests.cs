using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using TailGuard.TestSupport;
using Xunit.Abstractions;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// Measures every compiler-generated async state machine struct in the Release-built shared frameworks this test runs on
/// (Microsoft.NETCore.App and Microsoft.AspNetCore.App), the real-code distribution behind TG3001's default budget.
/// Run with <c>--logger "console;verbosity=detailed"</c> to see the distribution and the largest state machines.
/// </summary>
public sealed class FrameworkStateMachineSurveyTests
{
    private readonly ITestOutputHelper output;

    public FrameworkStateMachineSurveyTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void Default_budget_flags_only_the_outliers_of_real_framework_async_code()
    {
        var directories = new[]
        {
            Path.GetDirectoryName(typeof(object).Assembly.Location)!,
            Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!,
        };
        var sizes = new List<(int Bytes, string Name)>();
        foreach (var directory in directories)
        {
            foreach (var path in Directory.EnumerateFiles(directory, "*.dll"))
            {
                foreach (var machine in Survey(path))
                {
                    sizes.Add(machine);
                }
            }
        }

        sizes.Sort((a, b) => a.Bytes.CompareTo(b.Bytes));
        var budget = StateMachineSizeAnalyzer.DefaultMaxStateMachineBytes;
        var over = sizes.Count(s => s.Bytes > budget);

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"runtime {Environment.Version}; {string.Join(", ", directories)}");
        report.AppendLine(CultureInfo.InvariantCulture, $"state machines: {sizes.Count}");
        foreach (var p in new[] { 50, 75, 90, 95, 99, 99.5 })
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"P{p.ToString(CultureInfo.InvariantCulture)}: {Percentile(sizes, p)} bytes");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"P99.9: {Percentile(sizes, 99.9)} bytes");
        foreach (var size in new[] { 64, 128, 192, 256 })
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"over {size} bytes: {sizes.Count(s => s.Bytes > size)}");
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"max: {sizes[^1].Bytes} bytes");
        report.AppendLine(CultureInfo.InvariantCulture, $"mean: {sizes.Average(s => s.Bytes):F1} bytes");
        report.AppendLine(CultureInfo.InvariantCulture, $"over the default budget of {budget} bytes: {over} ({100.0 * over / sizes.Count:F1}%)");
        report.AppendLine("largest:");
        foreach (var (bytes, name) in sizes.AsEnumerable().Reverse().Take(10))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  {bytes,6}  {name}");
        }

        output.WriteLine(report.ToString());

        Assert.True(sizes.Count > 1000, "expected thousands of state machines in the shared frameworks, found " + sizes.Count);
        Assert.InRange(budget, Percentile(sizes, 95), Percentile(sizes, 99.9));
    }

    private static IEnumerable<(int Bytes, string Name)> Survey(string path)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(AssemblyName.GetAssemblyName(path));
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            yield break; // native libraries next to the managed ones
        }

        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }

        foreach (var type in types)
        {
            if (type is null || !type.IsValueType || !typeof(IAsyncStateMachine).IsAssignableFrom(type))
            {
                continue;
            }

            int? bytes;
            try
            {
                bytes = CompiledStateMachines.SizeOf(type.IsGenericTypeDefinition ? CompiledStateMachines.Instantiate(type) : type);
            }
            catch (ArgumentException)
            {
                bytes = null; // a constraint that neither object nor long satisfies
            }

            if (bytes is { } measured)
            {
                yield return (measured, type.FullName ?? type.Name);
            }
        }
    }

    private static int Percentile(List<(int Bytes, string Name)> sorted, double percentile)
    {
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)].Bytes;
    }
}
