using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers.Tests.Precision;

/// <summary>
/// Issue 13's verdicts on the <c>Libraries</c> corpus (a driver's connector pool, an AMQP channel and dispatcher, a retry helper, middleware,
/// a multiplexed connection): besides <c>// expect: TGnnnn</c> on true findings, a line that holds an idiom a rule must leave out carries
/// <c>// not: TGnnnn (why)</c>. No rule may report such a line, and the rules judged there (TG1002, TG1003, TG3001, TG3002, TG3003)
/// must be at least 90% precise over the whole corpus, every marked line found.
/// </summary>
public sealed partial class PrecisionCorpusTests
{
    private static readonly string[] JudgedRules = { "TG1002", "TG1003", "TG3001", "TG3002", "TG3003" };

    /// <summary>The blocking rules are judged in every project, <c>Libraries</c> included (its sync bridges carry <c>// bridge: TG1001</c>).</summary>
    private static bool IsJudgedBlocking(string id, string file) => BlockingRules.Contains(id);

    [Fact]
    public async Task No_rule_reports_a_line_whose_verdict_is_not()
    {
        var run = await Run.Value;
        var verdicts = NotVerdicts(run);
        Assert.True(verdicts.Count >= 15, $"only {verdicts.Count} 'not:' verdicts");
        var wrong = run.Findings
            .Where(f => verdicts.Contains((f.Id, f.File, f.Line)))
            .Select(f => f.ToString())
            .ToList();
        Assert.True(wrong.Count == 0, "Findings on lines whose verdict is 'not':\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Judged_rules_are_at_least_90_percent_precise_and_miss_nothing()
    {
        var run = await Run.Value;
        var failures = new List<string>();
        foreach (var id in JudgedRules)
        {
            var findings = run.Findings.Where(f => f.Id == id).ToList();
            var truePositives = findings.Count(run.IsExpected);
            var missed = run.Expectations.Count(e => e.Id == id && !run.Findings.Any(f => f.Id == e.Id && f.File == e.File && f.Line == e.Line));
            output.WriteLine($"PRECISION {id}: {findings.Count} findings, {truePositives} true, {findings.Count - truePositives} false, {missed} missed");
            foreach (var finding in findings.Where(f => !run.IsExpected(f)))
            {
                output.WriteLine("  false: " + finding);
            }

            if (findings.Count > 0 && truePositives < 0.9 * findings.Count)
            {
                failures.Add($"{id}: {truePositives} of {findings.Count} true");
            }

            if (missed > 0)
            {
                failures.Add($"{id}: {missed} marked lines missed");
            }
        }

        Assert.All(JudgedRules, id => Assert.Contains(run.Expectations, e => e.Id == id && e.File.StartsWith("Libraries/", StringComparison.Ordinal)));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static HashSet<(string Id, string File, int Line)> NotVerdicts(CorpusRun run)
    {
        var verdicts = new HashSet<(string, string, int)>();
        foreach (var tree in run.Compilations.SelectMany(c => c.SyntaxTrees))
        {
            var lines = tree.GetText().Lines;
            for (var i = 0; i < lines.Count; i++)
            {
                var match = NotComment().Match(lines[i].ToString());
                if (!match.Success)
                {
                    continue;
                }

                foreach (var id in match.Groups["ids"].Value.Split(',', StringSplitOptions.TrimEntries))
                {
                    verdicts.Add((id, tree.FilePath, i + 1));
                }
            }
        }

        return verdicts;
    }

    [GeneratedRegex(@"//\s*not:\s*(?<ids>TG\d{4}(\s*,\s*TG\d{4})*)")]
    private static partial Regex NotComment();
}
