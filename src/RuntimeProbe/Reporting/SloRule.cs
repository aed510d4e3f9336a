using System.Globalization;
using System.Text.RegularExpressions;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// One latency objective from <c>--slo</c>, such as <c>p99&lt;5ms</c>, <c>p999&lt;=20ms</c>, <c>p99.9&lt;0.02s</c> or
/// <c>max&lt;100ms</c>. The metric is one of p50, p90, p99, p999 (also written p99.9) and max.
/// </summary>
public sealed partial record SloRule(string Text, string Metric, bool Inclusive, double LimitMs)
{
    [GeneratedRegex(@"^\s*(?<metric>p50|p90|p99|p999|p99\.9|max)\s*(?<op><=|<)\s*(?<value>\d+(\.\d+)?)\s*(?<unit>us|µs|ms|s)\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RulePattern();

    /// <summary>Parses a comma-separated list of rules; throws <see cref="FormatException"/> with a readable message.</summary>
    public static IReadOnlyList<SloRule> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<SloRule>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = RulePattern().Match(part);
            if (!match.Success)
            {
                throw new FormatException(
                    $"Invalid SLO rule '{part}': expected <metric><op><value><unit>, e.g. p99<5ms (metrics p50, p90, p99, p999, max; units us, ms, s).");
            }

            var metric = match.Groups["metric"].Value.ToLowerInvariant() switch
            {
                "p99.9" => "p999",
                var m => m,
            };
            var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            var limitMs = match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "s" => value * 1000,
                "us" or "µs" => value / 1000,
                _ => value,
            };
            rules.Add(new SloRule(part, metric, match.Groups["op"].Value == "<=", limitMs));
        }

        if (rules.Count == 0)
        {
            throw new FormatException("Empty SLO: give at least one rule, e.g. \"p99<5ms,p999<20ms\".");
        }

        return rules;
    }

    public double Actual(LatencySummary latency)
    {
        ArgumentNullException.ThrowIfNull(latency);
        return Metric switch
        {
            "p50" => latency.P50,
            "p90" => latency.P90,
            "p99" => latency.P99,
            "p999" => latency.P999,
            _ => latency.Max,
        };
    }

    public ReportSloRule Evaluate(LatencySummary latency)
    {
        var actual = Actual(latency);
        return new ReportSloRule
        {
            Rule = Text,
            Metric = Metric,
            LimitMs = LimitMs,
            ActualMs = actual,
            Passed = Inclusive ? actual <= LimitMs : actual < LimitMs,
        };
    }

    /// <summary>The rules checked against one latency summary alone (no request count: an empty summary passes).</summary>
    public static ReportSlo EvaluateAll(IReadOnlyList<SloRule> rules, LatencySummary latency)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var results = rules.Select(r => r.Evaluate(latency)).ToList();
        return new ReportSlo { Rules = results, Passed = results.TrueForAll(r => r.Passed) };
    }

    /// <summary>
    /// The report's verdict: the rules checked against <paramref name="latency"/> of <paramref name="requests"/> requests. A
    /// gate never passes on no data: over zero requests every rule fails (a latency of 0 would pass any limit, so a wrong pid
    /// or an idle app would turn the gate green); the report then carries <see cref="NoRequestsNote"/>.
    /// </summary>
    /// <param name="basis"><see cref="TotalLatency"/> or <see cref="ApplicationLatency"/>: which latency the rules read.</param>
    public static ReportSlo EvaluateAll(IReadOnlyList<SloRule> rules, LatencySummary latency, long requests, string basis)
    {
        var slo = EvaluateAll(rules, latency) with { Latency = basis };
        return requests > 0 || slo.Rules.Count == 0
            ? slo
            : slo with { Rules = [.. slo.Rules.Select(r => r with { Passed = false })], Passed = false };
    }

    /// <summary>The note of a report whose SLO failed for want of requests.</summary>
    public const string NoRequestsNote =
        "No request was seen, so no --slo rule is met: an SLO over no requests fails (is the pid right, and did the app receive requests?).";

    /// <summary><see cref="ReportSlo.Latency"/>: the rules read the total latency (the wait before RequestStart included).</summary>
    public const string TotalLatency = "total";

    /// <summary><see cref="ReportSlo.Latency"/>: the rules read the application latency (RequestStart to RequestStop).</summary>
    public const string ApplicationLatency = "application";
}
