using System.Globalization;
using System.Text.Json;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Demo;

/// <summary>Percentiles in milliseconds, read from a probe report's JSON.</summary>
internal sealed record ProbePercentiles(double P50, double P90, double P99, double P999, double Max);

/// <summary>
/// The probe's two latencies of a phase, as its JSON report (<c>tailguard-report/1</c>) holds them: <c>requests.latencyMs</c>,
/// the application's time (from the request's start in ASP.NET Core to its end), and <c>requests.totalLatencyMs</c>, which
/// adds the wait before the request starts (for a pool thread, in Kestrel's queues) and which probe builds before that field
/// do not have. Read from the JSON rather than from the report type, so the demo shows the total whenever the probe it ran
/// measures it, whichever build that is.
/// </summary>
internal sealed record ProbeLatencies(long Count, ProbePercentiles Application, ProbePercentiles? Total)
{
    /// <exception cref="JsonException">Not a report with <c>requests.latencyMs</c>.</exception>
    public static ProbeLatencies FromReportJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var requests = document.RootElement.GetProperty("requests");
        var count = requests.TryGetProperty("count", out var countElement) ? countElement.GetInt64() : 0;
        var application = Read(requests.GetProperty("latencyMs")) ?? throw new JsonException("requests.latencyMs is not a latency summary.");
        var total = requests.TryGetProperty("totalLatencyMs", out var totalElement) ? Read(totalElement) : null;
        return new ProbeLatencies(count, application, total);
    }

    private static ProbePercentiles? Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        double Get(string name) => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;
        var percentiles = new ProbePercentiles(Get("p50"), Get("p90"), Get("p99"), Get("p999"), Get("max"));
        return double.IsNaN(percentiles.P50) || double.IsNaN(percentiles.P99) ? null : percentiles;
    }
}

/// <summary>
/// The client's latency beside the probe's total and application latencies, percentile by percentile, and whether the
/// probe's total agrees with the client within <see cref="Tolerance"/>: the client is the truth from outside (an open-loop
/// client timing each request from its intended start), so a probe total that agrees with it is one a user can trust.
/// </summary>
internal static class ProbeComparison
{
    /// <summary>Issue 17: once the probe measures the wait before a request starts, its total must agree with the client's within 25%.</summary>
    public const double Tolerance = 0.25;

    /// <summary>
    /// Issue 12's allowance for calm runs (within 25% + 1 ms): the client's figure also holds its own send lag and the loopback
    /// round trip, about a millisecond here, which no probe inside the service can see.
    /// </summary>
    public const double AllowanceMs = 1.0;

    public const string NoTotal = "probe total: n/a, this build of the probe does not measure the wait before a request starts (no requests.totalLatencyMs in its report).";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>One percentile: the client's, the probe's total (null when not measured), the probe's application time.</summary>
    public sealed record Row(string Name, double Client, double? ProbeTotal, double ProbeApplication)
    {
        /// <summary>The probe's total relative to the client: +0.10 is 10% above it; null without a total.</summary>
        public double? Difference => ProbeTotal is { } total && Client > 0 ? (total - Client) / Client : null;

        public bool? Agrees => ProbeTotal is { } total && Client > 0 ? Math.Abs(total - Client) <= (Tolerance * Client) + AllowanceMs : null;
    }

    public static IReadOnlyList<Row> Rows(ClientLatency client, ProbeLatencies probe)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(probe);
        var total = probe.Total;
        var application = probe.Application;
        return
        [
            new("P50", client.P50, total?.P50, application.P50),
            new("P90", client.P90, total?.P90, application.P90),
            new("P99", client.P99, total?.P99, application.P99),
            new("P99.9", client.P999, total?.P999, application.P999),
            new("max", client.Max, total?.Max, application.Max),
        ];
    }

    /// <summary>The side-by-side table, then one line: what agrees within 25% (+1 ms), or why there is no total.</summary>
    public static IReadOnlyList<string> Lines(ClientLatency client, ProbeLatencies probe)
    {
        var rows = Rows(client, probe);
        var lines = new List<string>
        {
            Line($"{"ms",-8} {"client",9} {"probe total",12} {"probe app",10}  (client: open loop, from intended start; probe total: + the wait before the request starts; probe app: ASP.NET Core's request)"),
        };
        lines.AddRange(rows.Select(row => Line($"{row.Name,-8} {Figure(row.Client),9} {(row.ProbeTotal is { } total ? Figure(total) : "n/a"),12} {Figure(row.ProbeApplication),10}")));
        if (probe.Total is null)
        {
            lines.Add(NoTotal);
            return lines;
        }

        var flags = rows.Select(row => Line($"{row.Name} {(row.Agrees == true ? "yes" : "no")} ({Signed(row.Difference!.Value)})"));
        var tail = rows.Where(row => row.Name is "P99" or "P99.9").All(row => row.Agrees == true);
        lines.Add(Line($"probe total within {Tolerance * 100:0}% (+{AllowanceMs:0} ms) of the client: {string.Join(", ", flags)}; {(tail ? "the tail (P99, P99.9) agrees" : "the tail (P99, P99.9) does NOT agree")}."));
        return lines;
    }

    private static string Figure(double milliseconds) => double.IsNaN(milliseconds) ? "-" : StudyTable.Figure(milliseconds);

    private static string Signed(double difference) => (difference >= 0 ? "+" : "") + (difference * 100).ToString("0", Invariant) + "%";

    private static string Line(FormattableString text) => text.ToString(Invariant);
}
