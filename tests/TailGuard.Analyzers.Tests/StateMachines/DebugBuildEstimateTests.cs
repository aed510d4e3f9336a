using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TailGuard.TestSupport;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// TG3001 in a Debug build (what an IDE analyzes) reports the size of the Release state machine users ship, checked against
/// <c>Unsafe.SizeOf</c> of the struct the compiler really generates in Release. The case is issue 13's: after TG3002's fix the Debug
/// class grew (every local hoisted) while the Release struct shrank; the finding must follow the Release struct.
/// </summary>
public sealed partial class DebugBuildEstimateTests
{
    private const string Source = """
        using System.Threading.Tasks;
        public struct Ticket { public long A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T; }
        public static class Booking
        {
            // Before TG3002's fix: the 160-byte struct parameter is copied into the state machine.
            public static async Task<long> BeforeFixAsync(Ticket ticket, Task pending)
            {
                var copy = ticket;
                await pending;
                return copy.A + ticket.T;
            }

            // After it: only the fields used after the await are kept; Debug still hoists the struct locals.
            public static async Task<long> AfterFixAsync(Ticket ticket, Task pending)
            {
                var a = ticket.A;
                var t = ticket.T;
                var copy = ticket;
                var total = copy.B + copy.C;
                await pending;
                return a + t + total;
            }
        }
        """;

    [Fact]
    public async Task A_debug_build_reports_the_release_state_machine_size()
    {
        var release = CompiledStateMachines.Compile(Source, OptimizationLevel.Release);
        var debug = CompiledStateMachines.Compile(Source, OptimizationLevel.Debug);
        var shipped = release.Machines.ToDictionary(m => m.MethodName, m => m.Bytes);
        var debugBytes = debug.Machines.ToDictionary(m => m.MethodName, m => m.Bytes);

        var reported = await ReportedBytesAsync(debug.Compilation, "TG3001.max_state_machine_bytes = 64");

        // The Debug class of the fixed method is no smaller than before, while the Release struct is much smaller.
        Assert.True(debugBytes["AfterFixAsync"] >= debugBytes["BeforeFixAsync"] * 0.9, $"debug {debugBytes["AfterFixAsync"]} vs {debugBytes["BeforeFixAsync"]}");
        Assert.True(shipped["AfterFixAsync"] < shipped["BeforeFixAsync"], $"release {shipped["AfterFixAsync"]} vs {shipped["BeforeFixAsync"]}");
        foreach (var (method, bytes) in reported)
        {
            Assert.InRange(bytes, shipped[method] * 0.9, shipped[method] * 1.1);
        }

        Assert.Contains("BeforeFixAsync", reported.Keys);
    }

    private static async Task<Dictionary<string, int>> ReportedBytesAsync(Compilation compilation, string editorConfig)
    {
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new ConfigOptions(compilation.SyntaxTrees, editorConfig));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new StateMachineSizeAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var result = new Dictionary<string, int>();
        foreach (var diagnostic in diagnostics.Where(d => d.Id == "TG3001"))
        {
            var match = Message().Match(diagnostic.GetMessage());
            result[match.Groups["name"].Value] = int.Parse(match.Groups["bytes"].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return result;
    }

    [GeneratedRegex(@"'(?<name>\w+)' is about (?<bytes>\d+) bytes")]
    private static partial Regex Message();

    private sealed class ConfigOptions : AnalyzerConfigOptionsProvider
    {
        private readonly Options options;

        public ConfigOptions(IEnumerable<SyntaxTree> trees, string line)
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            options = new Options(ImmutableDictionary<string, string>.Empty.Add(parts[0], parts[1]));
        }

        public override AnalyzerConfigOptions GlobalOptions => options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => options;
    }

    private sealed class Options : AnalyzerConfigOptions
    {
        private readonly ImmutableDictionary<string, string> values;

        public Options(ImmutableDictionary<string, string> values) => this.values = values;

        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
