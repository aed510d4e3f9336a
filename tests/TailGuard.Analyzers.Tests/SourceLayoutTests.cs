using System.Text.RegularExpressions;

namespace TailGuard.Analyzers.Tests;

/// <summary>House rules of the analyzer sources that no compiler checks (issue 11).</summary>
public sealed class SourceLayoutTests
{
    private static readonly string[] SourceFolders = { "src/Analyzers", "src/CodeFixes" };

    [Fact]
    public void Rule_ids_in_the_analyzer_sources_are_spelled_only_in_the_registry()
    {
        // An id typed as a string in two places drifts; option keys are built on RuleIds too ("TG3001.max_state_machine_bytes").
        var bareId = new Regex("\"TG[0-9]{4}", RegexOptions.CultureInvariant);
        var offenders = SourceFiles()
            .Where(path => Path.GetFileName(path) != "RuleIds.cs")
            .SelectMany(path => File.ReadLines(path).Select((line, index) => (path, line, index)))
            .Where(x => bareId.IsMatch(x.line))
            .Select(x => $"{Relative(x.path)}:{x.index + 1}: {x.line.Trim()}")
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void No_analyzer_source_file_is_over_700_lines()
    {
        // Past that, a file has been doing several jobs (the estimator and the completion facts were 1,100-1,300 lines).
        var offenders = SourceFiles()
            .Select(path => (path, lines: File.ReadLines(path).Count()))
            .Where(x => x.lines > 700)
            .Select(x => $"{Relative(x.path)}: {x.lines} lines")
            .ToList();
        Assert.Empty(offenders);
    }

    private static IEnumerable<string> SourceFiles()
        => SourceFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !Relative(path).Split('/').Any(part => part is "bin" or "obj"));

    private static string Relative(string path) => Path.GetRelativePath(RepositoryRoot.Path, path).Replace('\\', '/');
}
