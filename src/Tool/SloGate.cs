using System.Globalization;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.Tool;

/// <summary>
/// The <c>--slo</c> CI gate of attach and analyze: the report's verdict, the exit code, and the one line on standard error
/// that says which rules failed (the report itself may be in a file or in JSON, where no one reads it in a CI log).
/// </summary>
internal static class SloGate
{
    public const string NoRequestsNote =
        "No request was seen, so no --slo rule is met: an SLO over no requests fails (is the pid right, and did the app receive requests?).";

    /// <summary>
    /// The report with its SLO verdict made strict: over zero requests every rule fails, with a note saying why. (The
    /// correlator compares each rule with a latency of 0 then, which passes any limit: a wrong pid or an idle app would turn
    /// the gate green.)
    /// </summary>
    public static Report Apply(Report report, IReadOnlyList<SloRule> rules)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count == 0 || report.Requests.Count > 0)
        {
            return report;
        }

        return report with
        {
            Slo = new ReportSlo { Rules = [.. report.Slo.Rules.Select(r => r with { Passed = false })], Passed = false },
            Session = report.Session with { Notes = [.. report.Session.Notes, NoRequestsNote] },
        };
    }

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
