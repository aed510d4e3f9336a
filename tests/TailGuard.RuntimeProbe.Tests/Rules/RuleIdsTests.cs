using System.Reflection;
using System.Text.RegularExpressions;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rules;
using TailGuard.RuntimeProbe.Tests.Analysis;
using AnalyzerRuleIds = TailGuard.Analyzers.RuleIds;

namespace TailGuard.RuntimeProbe.Tests.Rules;

/// <summary>The rule ids the probe names are the analyzers' own: a report never links to a rule that does not exist.</summary>
public sealed partial class RuleIdsTests
{
    [Fact]
    public void Every_rule_id_of_the_probe_is_an_analyzer_rule_of_the_same_name()
    {
        var analyzers = Constants(typeof(AnalyzerRuleIds));

        Assert.All(Constants(typeof(RuleIds)), probe => Assert.Equal(probe.Value, analyzers.GetValueOrDefault(probe.Key)));
    }

    [Fact]
    public void Every_rule_a_report_names_is_an_analyzer_rule()
    {
        // The slowest request overlaps every cause, the next two none: every recommendation applies.
        var events = new EventSequence()
            .Request(0, 3_000)
            .Request(5_000, 7_500)
            .Request(5_100, 7_600)
            .Starvation(1_000)
            .Add(new ThreadPoolAdjustment(1_200, 12, ThreadAdjustmentReason.CooperativeBlocking))
            .Add(new GcSuspendBegin(2_000, SuspendReason.ForGC))
            .Add(new GcStart(2_001, 1, 2, "Induced", "NonConcurrentGC"))
            .Add(new GcRestartEnd(2_400))
            // One pause that is not GC.Collect, so the GC recommendation gives its allocation advice (TG4001) beside TG4002.
            .Add(new GcSuspendBegin(2_450, SuspendReason.ForGC))
            .Add(new GcStart(2_451, 2, 0, "AllocSmall", "NonConcurrentGC"))
            .Add(new GcRestartEnd(2_480))
            .Contention(2_500, 2_900)
            .Add(new RuntimeCounter(2_600, "connection-queue-length", 3))
            .Add(new BlockingWait(10, 0, "App.Orders.Load", "Task<TResult>.Result"))
            .Add(new BlockingWait(10, 0, "App.Cache.Get", "SemaphoreSlim.Wait"))
            .Add(new BlockingWait(10, 0, "App.Sleepy", "Thread.Sleep"))
            .Add(new BlockingWait(10, 0, "App.Loop", "System.Threading.Tasks.Parallel.For"))
            .Add(new BlockingWait(10, 0, "App.Spin", "System.Threading.SpinWait.SpinOnce"));
        for (var i = 0; i < 297; i++)
        {
            events.Request(8_000 + i * 5, 8_001 + i * 5);
        }

        var report = events.Run(endMs: 10_000);
        var analyzers = Constants(typeof(AnalyzerRuleIds)).Values.ToHashSet();

        var named = report.Recommendations.SelectMany(r => r.Rules).Concat(report.BlockingSites.Select(s => s.Rule!)).ToList();

        Assert.Equal(10, named.Distinct().Count());
        Assert.All(named, rule => Assert.Contains(rule, analyzers));
    }

    [Fact]
    public void No_probe_source_spells_a_rule_id_outside_the_probe_registry()
    {
        var probe = Path.Combine(Integration.TestPaths.RepoRoot, "src", "RuntimeProbe");
        var registry = Path.Combine(probe, "Rules", "RuleIds.cs");
        var offenders = Directory.EnumerateFiles(probe, "*.cs", SearchOption.AllDirectories)
            .Where(f => f != registry && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => RuleIdLiteral().IsMatch(File.ReadAllText(f)))
            .ToList();

        Assert.Empty(offenders);
    }

    private static Dictionary<string, string> Constants(Type type) => type
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    [GeneratedRegex("TG[0-9]{4}")]
    private static partial Regex RuleIdLiteral();
}
