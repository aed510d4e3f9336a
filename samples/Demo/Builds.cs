using System.Text.RegularExpressions;

namespace TailGuard.Samples.Demo;

/// <summary>A TailGuard warning from the service's build output.</summary>
internal sealed record AnalyzerFinding(string File, int Line, string RuleId, string Message);

/// <summary>The build steps of the demo, each failing with a clear message and the tail of the build output.</summary>
internal static partial class Builds
{
    private const int OutputLinesOnFailure = 25;

    public static async Task BuildAsync(string repositoryRoot, string project, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ChildProcesses.RunDotnetAsync(["build", project, "-c", "Release", "-nologo"], repositoryRoot, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new DemoException($"Building {project} failed (exit code {exitCode}):{Environment.NewLine}{Tail(output)}");
        }
    }

    /// <summary>
    /// Recompiles the service alone (its dependencies are built) so that the compiler runs and prints the analyzer warnings even
    /// when nothing changed since the last build.
    /// </summary>
    public static async Task<IReadOnlyList<AnalyzerFinding>> RecompileForWarningsAsync(string repositoryRoot, string project, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ChildProcesses.RunDotnetAsync(
            ["build", project, "-c", "Release", "-nologo", "--no-dependencies", "--no-incremental", "-consoleLoggerParameters:NoSummary"],
            repositoryRoot,
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new DemoException($"Building {project} failed (exit code {exitCode}):{Environment.NewLine}{Tail(output)}");
        }

        return ParseFindings(output);
    }

    /// <summary>Reads <c>path(line,col): warning TGnnnn: message [project]</c> lines, once each.</summary>
    public static IReadOnlyList<AnalyzerFinding> ParseFindings(string buildOutput) =>
        WarningLine().Matches(buildOutput)
            .Select(match => new AnalyzerFinding(
                Path.GetFileName(match.Groups["file"].Value),
                int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups["id"].Value,
                match.Groups["message"].Value.Trim()))
            .Distinct()
            .OrderBy(finding => finding.File, StringComparer.Ordinal)
            .ThenBy(finding => finding.Line)
            .ToArray();

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines.TakeLast(OutputLinesOnFailure).Select(line => "  " + line));
    }

    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*?\.cs)\((?<line>\d+),\d+\): warning (?<id>TG\d{4}): (?<message>.*?)(?:\s\[[^\]]*\])?\s*$", RegexOptions.Multiline)]
    private static partial Regex WarningLine();
}

/// <summary>A failure the demo explains in one message, without a stack trace.</summary>
internal sealed class DemoException(string message) : Exception(message);
