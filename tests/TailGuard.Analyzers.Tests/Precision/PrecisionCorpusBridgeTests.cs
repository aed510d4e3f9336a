using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace TailGuard.Analyzers.Tests.Precision;

/// <summary>
/// Issue 13's verdicts on the precision corpus. A line marked <c>// bridge: TG1001</c> is a synchronous API that exists to block
/// (a sync twin over its async twin, a wait helper, <c>Dispose</c> over <c>DisposeAsync</c>, a library's synchronous path), or a
/// shutdown or one-time-initialization wait (a bounded wait for a background loop in <c>Dispose</c>, a static constructor): not
/// reported by default (the default run treats it as unplanted, so any report is a false positive there) and reported, with every
/// planted <c>// expect: TG1001</c>, in audit mode (<c>TG1001.report_sync_bridges = true</c>). The rules this issue made more
/// precise (TG1006, TG2001, TG2002) must report only marked lines in the issue's own projects.
/// </summary>
public sealed partial class PrecisionCorpusTests
{
    private static readonly string[] Issue13Projects = { "Messaging/", "Resilience/" };
    private static readonly string[] Issue13Rules = { "TG1006", "TG2001", "TG2002" };

    [Fact]
    public async Task Audit_mode_reports_every_bridge_and_every_planted_wait_and_nothing_else()
    {
        var run = await Run.Value;
        var bridges = BridgeLines();
        var expected = run.Expectations.Where(e => e.Id == "TG1001").Select(e => (e.File, e.Line)).Concat(bridges).ToList();
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new SingleOptionProvider(SyncBridges.ReportSyncBridgesOption, "true"));
        var reported = new List<(string File, int Line)>();
        foreach (var compilation in run.Compilations)
        {
            var diagnostics = await compilation
                .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new BlockingTaskWaitAnalyzer()), options)
                .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            reported.AddRange(diagnostics.Where(d => d.Id == "TG1001").Select(d =>
            {
                var span = d.Location.GetLineSpan();
                return (span.Path, span.StartLinePosition.Line + 1);
            }));
        }

        var missed = expected.Where(e => reported.Count(r => r == e) != 1).Select(e => $"{e.File}({e.Line})").ToList();
        var extra = reported.Where(r => !expected.Contains(r)).Select(r => $"{r.File}({r.Line})").ToList();
        output.WriteLine($"Audit mode: {reported.Count} TG1001 findings; {bridges.Count} bridges, {expected.Count - bridges.Count} planted waits.");
        Assert.True(missed.Count == 0 && extra.Count == 0,
            "Missed or duplicated: " + string.Join(", ", missed) + "\nNot marked: " + string.Join(", ", extra));
        Assert.True(bridges.Count >= 15, $"only {bridges.Count} bridges in the corpus");
    }

    [Fact]
    public async Task The_issue_13_projects_report_only_marked_lines_for_the_rules_it_made_precise()
    {
        var run = await Run.Value;
        var unmarked = run.Findings
            .Where(f => Issue13Rules.Contains(f.Id) && Issue13Projects.Any(p => f.File.StartsWith(p, StringComparison.Ordinal)) && !run.IsExpected(f))
            .Select(f => f.ToString())
            .ToList();
        Assert.True(unmarked.Count == 0, "False positives:\n" + string.Join("\n", unmarked));
        Assert.All(Issue13Rules, id => Assert.Contains(run.Expectations,
            e => e.Id == id && Issue13Projects.Any(p => e.File.StartsWith(p, StringComparison.Ordinal))));
    }

    private static List<(string File, int Line)> BridgeLines()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Precision", "Corpus");
        var lines = new List<(string, int)>();
        foreach (var (name, _, _) in Projects)
        {
            foreach (var path in Directory.EnumerateFiles(Path.Combine(root, name), "*.cs").Order(StringComparer.Ordinal))
            {
                var text = File.ReadAllLines(path);
                for (var i = 0; i < text.Length; i++)
                {
                    if (BridgeComment().IsMatch(text[i]))
                    {
                        lines.Add((name + "/" + Path.GetFileName(path), i + 1));
                    }
                }
            }
        }

        return lines;
    }

    [GeneratedRegex(@"//\s*bridge:\s*TG1001\b")]
    private static partial Regex BridgeComment();

    private sealed class SingleOptionProvider(string key, string value) : AnalyzerConfigOptionsProvider
    {
        private readonly Options options = new(key, value);

        public override AnalyzerConfigOptions GlobalOptions => options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => options;

        private sealed class Options(string key, string value) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string name, out string found)
            {
                found = name == key ? value : string.Empty;
                return name == key;
            }
        }
    }
}
