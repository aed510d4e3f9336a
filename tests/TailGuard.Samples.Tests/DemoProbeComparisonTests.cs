using TailGuard.Samples.Demo;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Tests;

/// <summary>
/// The demo's client-beside-probe table on recorded phase results: the client's percentiles of a real fixed phase (700 req/s,
/// 2026-12-03) and the <c>requests</c> section of the probe's report of the same phase, with and without the probe's total
/// latency (<c>requests.totalLatencyMs</c>, which probe builds before the client-latency work do not write).
/// </summary>
public sealed class DemoProbeComparisonTests
{
    private static readonly ClientLatency FixedClient = new(10_536, 0.834, 1.276, 3.871, 11.799, 14.719) { P95 = 1.434 };

    /// <summary>The probe's report of that phase, as written before the probe measured the wait before a request starts.</summary>
    private const string ReportWithoutTotal = """
        {"schema":"tailguard-report/1","requests":{"count":10536,"source":"hosting",
         "latencyMs":{"p50":0.014,"p90":0.08,"p99":0.478,"p999":7.895,"max":14.291},"endpoints":[]}}
        """;

    [Fact]
    public void Without_a_total_the_probe_total_column_is_na_with_one_line_saying_the_probe_does_not_measure_it()
    {
        var probe = ProbeLatencies.FromReportJson(ReportWithoutTotal);
        var lines = ProbeComparison.Lines(FixedClient, probe);

        Assert.Null(probe.Total);
        Assert.Equal(0.478, probe.Application.P99);
        Assert.Matches(@"^P99\s+3\.87\s+n/a\s+0\.48$", lines.Single(line => line.StartsWith("P99 ", StringComparison.Ordinal)));
        Assert.Equal(ProbeComparison.NoTotal, lines[^1]);
        Assert.Single(lines, line => line.Contains("does not measure", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("within 25%", StringComparison.Ordinal));
    }

    [Fact]
    public void A_total_within_25_percent_of_the_client_agrees_and_one_beyond_it_is_flagged()
    {
        // The probe's total 10% under the client at P50-P99 and 40% under it at P99.9 and max (a wait the probe missed).
        var json = ReportWithTotal(p50: 0.751, p90: 1.148, p99: 3.484, p999: 7.079, max: 8.831);
        var rows = ProbeComparison.Rows(FixedClient, ProbeLatencies.FromReportJson(json));

        Assert.All(rows.Take(3), row => Assert.True(row.Agrees));
        Assert.Equal(-0.10, rows[2].Difference!.Value, 2);
        Assert.False(rows[3].Agrees);
        Assert.Equal(-0.40, rows[3].Difference!.Value, 2);

        var last = ProbeComparison.Lines(FixedClient, ProbeLatencies.FromReportJson(json))[^1];
        Assert.Equal("probe total within 25% (+1 ms) of the client: P50 yes (-10%), P90 yes (-10%), P99 yes (-10%), P99.9 no (-40%), max no (-40%); the tail (P99, P99.9) does NOT agree.", last);
    }

    [Fact]
    public void A_total_that_agrees_at_every_percentile_says_the_tail_agrees_and_shows_all_three_columns()
    {
        var json = ReportWithTotal(p50: 0.9, p90: 1.3, p99: 4.2, p999: 12.5, max: 15);
        var lines = ProbeComparison.Lines(FixedClient, ProbeLatencies.FromReportJson(json));

        Assert.Matches(@"^P99\.9\s+11\.8\s+12\.5\s+7\.90$", lines.Single(line => line.StartsWith("P99.9", StringComparison.Ordinal)));
        Assert.EndsWith("the tail (P99, P99.9) agrees.", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_without_requests_latency_is_refused()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ProbeLatencies.FromReportJson("""{"requests":{"count":0,"latencyMs":null}}"""));
        Assert.Throws<KeyNotFoundException>(() => ProbeLatencies.FromReportJson("""{"schema":"tailguard-report/1"}"""));
    }

    private static string ReportWithTotal(double p50, double p90, double p99, double p999, double max) => ReportWithoutTotal.Replace(
        "\"endpoints\"",
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"totalLatencyMs\":{{\"p50\":{p50},\"p90\":{p90},\"p99\":{p99},\"p999\":{p999},\"max\":{max}}},\"endpoints\""),
        StringComparison.Ordinal);
}
