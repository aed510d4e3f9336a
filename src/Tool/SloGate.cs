using System.Globalization;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.Tool;

/// <summary>
/// The <c>--slo</c> CI gate of attach and analyze: the report's verdict, the exit code, and the one line on standard error
/// that says which rules failed (the report itself may be in a file or in JSON, where no one reads it in a CI log). The verdict
/// itself, an SLO over no requests failing included, is the report's (<see cref="SloRule.EvaluateAll(IReadOnlyList{SloRule}, LatencySummary, long, string)"/>).
/// </summary>
internal static class SloGate
{
    /// <summary>The exit code for the report's verdict; when it failed, one line on <paramref name="error"/> naming the failed rules.</summary>
    public static async Task<ReturnCode> ConcludeAsync(Report report, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(error);
        if (report.Slo.Passed)
        {
            return ReturnCode.Success;
        }

        var failed = report.Slo.Rules.Where(r => !r.Passed).ToList();
        var line = report.Requests.Count == 0
            ? $"dotnet-tailguard: SLO not met: no request was seen, and an SLO over no requests fails ({string.Join(", ", failed.Select(r => r.Rule))})."
            : "dotnet-tailguard: SLO violated: " + string.Join(", ", failed.Select(r =>
                string.Create(CultureInfo.InvariantCulture, $"{r.Rule} (actual {r.ActualMs:0.###} ms)"))) + ".";
        await error.WriteLineAsync(line).ConfigureAwait(false);
        return ReturnCode.SloViolated;
    }
}
