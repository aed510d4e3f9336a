using System.Reflection;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Analyzers.Tests;

public sealed class RuleRegistryTests
{
    private static readonly IReadOnlyList<DiagnosticAnalyzer> Analyzers = typeof(RuleIds).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
            && type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToList();

    public static TheoryData<string> DescriptorIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct())
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void Every_rule_has_a_help_link_to_its_docs_page_and_the_page_exists(string id)
    {
        var descriptor = Analyzers.SelectMany(a => a.SupportedDiagnostics).First(d => d.Id == id);
        Assert.Equal(RuleDescriptor.HelpLink(id), descriptor.HelpLinkUri);
        var page = Path.Combine(RepositoryRoot.Path, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"missing docs page {page}");
        var text = File.ReadAllText(page);
        Assert.StartsWith("# " + id + ": " + descriptor.Title, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_id_in_the_registry_belongs_to_exactly_one_analyzer()
    {
        var registered = typeof(RuleIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        var owners = Analyzers.SelectMany(a => a.SupportedDiagnostics.Select(d => (d.Id, Analyzer: a.GetType().Name)))
            .Distinct()
            .GroupBy(x => x.Id)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Analyzer).ToList());
        foreach (var (id, analyzers) in owners)
        {
            Assert.Contains(id, registered);
            Assert.Single(analyzers);
        }
    }

    [Fact]
    public void Every_analyzer_is_sealed_and_named_for_its_pattern()
    {
        foreach (var analyzer in Analyzers)
        {
            var type = analyzer.GetType();
            Assert.True(type.IsSealed, type.Name + " should be sealed");
            Assert.EndsWith("Analyzer", type.Name, StringComparison.Ordinal);
        }
    }
}

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "TailGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TailGuard.sln not found above " + AppContext.BaseDirectory);
    }
}
