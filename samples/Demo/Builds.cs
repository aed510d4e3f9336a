using System.Globalization;
using System.Text.RegularExpressions;

namespace TailGuard.Samples.Demo;

/// <summary>A TailGuard warning from the service's build output.</summary>
internal sealed record AnalyzerFinding(string File, int Line, string RuleId, string Message);

/// <summary>The demo's one build step of its own: the analyzer findings on the service.</summary>
internal static partial class Builds
{
    private const int OutputLinesOnFailure = 25;

    /// <summary>
    /// Compiles the service again, alone, into a scratch folder, so that the compiler runs and prints the analyzer warnings even
    /// when nothing changed since the last build. The service's own bin and obj folders are not touched: the running demo (or a
    /// test next to it) may be starting the built service at the same time.
    /// </summary>
    public static async Task<IReadOnlyList<AnalyzerFinding>> CompileForFindingsAsync(DemoLayout layout, string scratchDirectory, CancellationToken cancellationToken)
    {
        var intermediate = Path.Combine(scratchDirectory, "obj") + Path.DirectorySeparatorChar;
        if (Directory.Exists(intermediate))
        {
            Directory.Delete(intermediate, recursive: true);
        }

        var (exitCode, output) = await ChildProcesses.RunDotnetAsync(
            [
                "msbuild", DemoLayout.ServiceProject, "-t:Compile", "-nologo", "-v:m", "-consoleLoggerParameters:NoSummary",
                $"-p:Configuration={layout.Configuration}", "-p:BuildProjectReferences=false", $"-p:IntermediateOutputPath={intermediate}",
            ],
            layout.RepositoryRoot,
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new DemoException($"Compiling {DemoLayout.ServiceProject} for the analyzer findings failed (exit code {exitCode}):{Environment.NewLine}{Tail(output)}");
        }

        return ParseFindings(output);
    }

    /// <summary>Reads <c>path(line,col): warning TGnnnn: message [project]</c> lines, once each, without the help link.</summary>
    public static IReadOnlyList<AnalyzerFinding> ParseFindings(string buildOutput) =>
        WarningLine().Matches(buildOutput)
            .Select(match => new AnalyzerFinding(
                Path.GetFileName(match.Groups["file"].Value),
                int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture),
                match.Groups["id"].Value,
                HelpLink().Replace(match.Groups["message"].Value, "").Trim()))
            .Distinct()
            .OrderBy(finding => finding.File, StringComparer.Ordinal)
            .ThenBy(finding => finding.Line)
            .ThenBy(finding => finding.RuleId, StringComparer.Ordinal)
            .ToArray();

    internal static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines.TakeLast(OutputLinesOnFailure).Select(line => "  " + line));
    }

    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*?\.cs)\((?<line>\d+),\d+\): warning (?<id>TG\d{4}): (?<message>.*?)(?:\s\[[^\]]*\])?\s*$", RegexOptions.Multiline)]
    private static partial Regex WarningLine();

    [GeneratedRegex(@"\s*\(https?://\S+\)$")]
    private static partial Regex HelpLink();
}

/// <summary>A failure the demo explains in one message, without a stack trace.</summary>
internal sealed class DemoException(string message) : Exception(message);
