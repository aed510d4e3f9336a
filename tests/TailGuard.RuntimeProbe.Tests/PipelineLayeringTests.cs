using System.Text.RegularExpressions;

namespace TailGuard.RuntimeProbe.Tests;

/// <summary>
/// The probe's pipeline runs one way (STYLE §10, docs/probe.md): a stage uses the stages below it and never a type of a stage
/// above. Checked on the sources: the namespaces each folder imports or qualifies names with, and the root namespace's types
/// (which every folder sees without a using).
/// </summary>
public sealed partial class PipelineLayeringTests
{
    // What each folder may use, lowest stage first. The root holds the correlator (between attribution and the report) and
    // ProbeRun (above everything), so the root's types are listed per folder.
    private static readonly Dictionary<string, (string[] Stages, string[] RootTypes)> Allowed = new()
    {
        ["Events"] = ([], []),
        ["Rules"] = ([], []),
        ["Sources"] = (["Events", "Rules"], []),
        ["Timeline"] = (["Events"], []),
        ["Attribution"] = (["Events", "Timeline"], []),
        ["Reporting"] = (["Events", "Rules", "Sources", "Timeline", "Attribution"], ["Correlator"]),
        ["Rendering"] = (["Reporting"], []),
    };

    private static readonly string[] Stages = ["Events", "Rules", "Sources", "Timeline", "Attribution", "Reporting", "Rendering"];
    private static readonly string[] RootTypes = ["Correlator", "CorrelatorOptions", "LiveSnapshot", "ProbeRun"];

    [Fact]
    public void Each_stage_uses_only_the_stages_below_it()
    {
        var violations = new List<string>();
        foreach (var (folder, allowed) in Allowed)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Probe, folder), "*.cs", SearchOption.AllDirectories))
            {
                var code = string.Join('\n', File.ReadLines(file).Select(StripComment));
                var used = UsingOrQualified().Matches(code).Select(m => m.Groups["stage"].Value)
                    .Where(s => Stages.Contains(s) && s != folder && !allowed.Stages.Contains(s));
                var root = RootTypes.Where(t => !allowed.RootTypes.Contains(t) && Regex.IsMatch(code, $@"\b{t}\b"));
                violations.AddRange(used.Concat(root).Distinct().Select(u => $"{Path.GetRelativePath(Probe, file)} uses {u}"));
            }
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void The_correlator_knows_nothing_above_attribution()
    {
        foreach (var file in new[] { "Correlator.cs", "CorrelatorOptions.cs", "LiveSnapshot.cs" })
        {
            var code = string.Join('\n', File.ReadLines(Path.Combine(Probe, file)).Select(StripComment));
            var used = UsingOrQualified().Matches(code).Select(m => m.Groups["stage"].Value).Where(Stages.Contains).Distinct();

            Assert.All(used, stage => Assert.Contains(stage, new[] { "Events", "Timeline", "Attribution" }));
        }
    }

    private static string Probe => Path.Combine(Integration.TestPaths.RepoRoot, "src", "RuntimeProbe");

    private static string StripComment(string line)
    {
        var comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment < 0 ? line : line[..comment];
    }

    // "using TailGuard.RuntimeProbe.Timeline;" or a name qualified by a stage ("Reporting.Causes"), not a member ("report.Timeline.Points").
    [GeneratedRegex(@"(using\s+TailGuard\.RuntimeProbe\.(?<stage>\w+)\s*;)|((?<![\w.])(?<stage>[A-Z]\w+)\.[A-Z])")]
    private static partial Regex UsingOrQualified();
}
