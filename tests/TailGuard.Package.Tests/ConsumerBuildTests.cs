using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Package.Tests;

/// <summary>How users meet TailGuard in CI: a fresh project that references the package, its build output, SARIF and gate.</summary>
[Collection(PackageCollection.Name)]
public sealed partial class ConsumerBuildTests(PackageFixture package)
{
    /// <summary>Every rule id that the analyzer assembly in the package supports, found by reflection.</summary>
    private static readonly HashSet<string> SupportedIds = typeof(TailGuard.Analyzers.RuleIds).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
            && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .SelectMany(type => ((DiagnosticAnalyzer)Activator.CreateInstance(type)!).SupportedDiagnostics)
        .Select(d => d.Id)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The rules the consumer's code triggers: one snippet per rule, for the rules that exist today.</summary>
    public static TheoryData<string> ExpectedIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in ConsumerProject.RuleSnippets.Keys.Where(SupportedIds.Contains).Order(StringComparer.Ordinal))
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void The_consumer_covers_the_model_rule_and_only_known_ids()
    {
        Assert.Contains("TG4002", SupportedIds);
        Assert.Contains("TG4002", ConsumerProject.RuleSnippets.Keys);
        Assert.All(ConsumerProject.RuleSnippets.Keys, id => Assert.Matches("^TG[0-9]{4}$", id));
    }

    [Fact]
    public void The_consumer_builds_with_warnings_only()
    {
        var build = package.Consumer.Build;
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("Build succeeded", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(": error ", build.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ExpectedIds))]
    public void The_build_output_shows_the_warning(string id)
    {
        var build = package.Consumer.Build;
        Assert.True(
            Regex.IsMatch(build.Output, @"Services\.cs\(\d+,\d+\): warning " + id + ": "),
            $"no '{id}' warning in the build output:\n{build}");
    }

    [Fact]
    public void Every_TG_warning_in_the_build_output_links_to_its_rule_page()
    {
        var warnings = TgWarning().Matches(package.Consumer.Build.Output);
        Assert.NotEmpty(warnings);
        foreach (Match warning in warnings)
        {
            var id = warning.Groups["id"].Value;
            Assert.Contains(id, SupportedIds);
            Assert.Contains("docs/rules/" + id + ".md", warning.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_SARIF_log_is_version_2_1()
    {
        using var sarif = JsonDocument.Parse(package.Consumer.Sarif);
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
    }

    [Theory]
    [MemberData(nameof(ExpectedIds))]
    public void The_SARIF_log_holds_the_result_with_its_location_and_help_link(string id)
    {
        using var sarif = JsonDocument.Parse(package.Consumer.Sarif);
        var run = sarif.RootElement.GetProperty("runs")[0];
        var results = run.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("ruleId").GetString() == id).ToList();
        Assert.NotEmpty(results);
        foreach (var result in results)
        {
            Assert.Equal("warning", result.GetProperty("level").GetString());
            var uri = result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();
            Assert.EndsWith("Services.cs", uri, StringComparison.Ordinal);
        }

        var rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Single(r => r.GetProperty("id").GetString() == id);
        Assert.EndsWith("docs/rules/" + id + ".md", rule.GetProperty("helpUri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Warnaserror_fails_the_build()
    {
        var strict = package.Consumer.WarnAsErrorBuild;
        Assert.True(strict.ExitCode != 0, "-warnaserror should fail the build:\n" + strict);
    }

    [Fact]
    public void The_gate_fails_again_on_a_second_run_and_writes_its_SARIF_log()
    {
        var again = package.Consumer.WarnAsErrorBuildAgain;
        Assert.True(again.ExitCode != 0, "the second run of the gate passed:\n" + again);
        Assert.Matches(@"error TG\d{4}: ", again.Output);
        Assert.True(package.Consumer.GateWroteSarif, "the gate wrote no SARIF log");
    }

    [Fact]
    public void An_up_to_date_build_still_writes_the_SARIF_log_it_is_asked_for()
    {
        var build = package.Consumer.UpToDateBuild;
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.NotNull(package.Consumer.UpToDateSarif);
        using var sarif = JsonDocument.Parse(package.Consumer.UpToDateSarif);
        var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray();
        Assert.Contains(results, r => r.GetProperty("ruleId").GetString()!.StartsWith("TG", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ExpectedIds))]
    public void Warnaserror_turns_the_warning_into_an_error(string id)
    {
        var strict = package.Consumer.WarnAsErrorBuild;
        Assert.True(
            Regex.IsMatch(strict.Output, @"Services\.cs\(\d+,\d+\): error " + id + ": "),
            $"no '{id}' error in the -warnaserror build:\n{strict}");
    }

    [GeneratedRegex(@"\): warning (?<id>TG\d{4}): [^\r\n]*")]
    private static partial Regex TgWarning();
}
