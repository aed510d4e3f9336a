using System.Reflection;
using System.Text.RegularExpressions;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Reporting;

public sealed partial class EndReasonsTests
{
    [Fact]
    public void The_documented_end_reasons_are_the_ones_the_probe_writes()
    {
        var docs = File.ReadAllText(Path.Combine(Integration.TestPaths.RepoRoot, "docs", "probe.md"));
        var documented = DocumentedEndReasons().Match(docs).Groups["reasons"].Value.Split('|');
        var written = typeof(EndReasons).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(documented.Order(), written.Order());
    }

    [GeneratedRegex("\"endReason\": \"(?<reasons>[a-zA-Z|]+)\"")]
    private static partial Regex DocumentedEndReasons();
}
