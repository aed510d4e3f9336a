using System.Globalization;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace TailGuard.Samples.LoadDriver;

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max)
{
    /// <summary>The 95th percentile: a column of the study the demo answers; added after the others, so it is not positional.</summary>
    public double P95 { get; init; }

    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0);

    public static LatencySummary From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencySummary(
            histogram.TotalCount,
            Milliseconds(histogram.GetValueAtPercentile(50)),
            Milliseconds(histogram.GetValueAtPercentile(90)),
            Milliseconds(histogram.GetValueAtPercentile(99)),
            Milliseconds(histogram.GetValueAtPercentile(99.9)),
            Milliseconds(histogram.GetMaxValue()))
        {
            P95 = Milliseconds(histogram.GetValueAtPercentile(95)),
        };
    }

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;
}

/// <summary>What one path of the mix got.</summary>
public sealed record EndpointResult(string Path, double Weight, long Sent, long Ok, long Errors, long Timeouts, LatencySummary Latency);

/// <summary>
/// The outcome of one open-loop run. Latency runs from each request's intended start to the end of its response. The achieved
/// rate is the steady schedule's (requests sent by bursts are counted in <see cref="Sent"/>, not in the rate).
/// </summary>
public sealed record LoadResult(
    LoadPlan Plan,
    long Sent,
    long Ok,
    long Errors,
    long Timeouts,
    bool Cancelled,
    double SendingSeconds,
    double AchievedRatePerSecond,
    LatencySummary Latency,
    LatencySummary ServiceTime,
    LatencySummary SchedulingLag,
    IReadOnlyList<EndpointResult> Endpoints)
{
    public const string Schema = "tailguard-load/1";

    /// <summary>Requests that got an answer, an error or a timeout: every request sent ends up in exactly one of these.</summary>
    public long Completed => Ok + Errors + Timeouts;

    public string ToText()
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"Open-loop load: {Plan.RatePerSecond:N0} req/s for {Plan.Duration.TotalSeconds:0.#} s against {Plan.BaseAddress} (timeout {Plan.Timeout.TotalSeconds:0.#} s{(Plan.Warmup > TimeSpan.Zero ? $", after a {Plan.Warmup.TotalSeconds:0.#} s warm-up" : "")})");
        if (Plan.Bursts.Count > 0)
        {
            text.AppendLine(culture, $"Bursts on top of the rate: {string.Join(", ", Plan.Bursts.Select(burst => burst.ToString()))}");
        }

        text.AppendLine(culture, $"Sent {Sent:N0} in {SendingSeconds:0.00} s ({AchievedRatePerSecond:N1} req/s): {Ok:N0} ok, {Errors:N0} errors, {Timeouts:N0} timeouts{(Cancelled ? " (cancelled)" : "")}");
        text.AppendLine("Latency from intended start (coordinated omission corrected), ms:");
        text.AppendLine(culture, $"  {"",-34} {"count",9} {"p50",9} {"p90",9} {"p95",9} {"p99",9} {"p99.9",9} {"max",9}");
        AppendRow(text, "all", Latency);
        foreach (var endpoint in Endpoints)
        {
            AppendRow(text, endpoint.Path, endpoint.Latency);
        }

        AppendRow(text, "service time (from actual send)", ServiceTime);
        AppendRow(text, "scheduling lag (client)", SchedulingLag);
        return text.ToString();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("schema", Schema);
            json.WriteString("target", Plan.BaseAddress.ToString());
            json.WriteNumber("rateRps", Plan.RatePerSecond);
            json.WriteNumber("durationMs", Plan.Duration.TotalMilliseconds);
            json.WriteNumber("timeoutMs", Plan.Timeout.TotalMilliseconds);
            json.WriteNumber("warmupMs", Plan.Warmup.TotalMilliseconds);
            json.WriteStartArray("bursts");
            foreach (var burst in Plan.Bursts)
            {
                json.WriteStartObject();
                json.WriteString("path", burst.Path);
                json.WriteNumber("requests", burst.Requests);
                json.WriteNumber("atMs", burst.At.TotalMilliseconds);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("sent", Sent);
            json.WriteNumber("ok", Ok);
            json.WriteNumber("errors", Errors);
            json.WriteNumber("timeouts", Timeouts);
            json.WriteBoolean("cancelled", Cancelled);
            json.WriteNumber("sendingMs", Math.Round(SendingSeconds * 1000, 3));
            json.WriteNumber("achievedRps", Math.Round(AchievedRatePerSecond, 3));
            WriteLatency(json, "latencyMs", Latency);
            WriteLatency(json, "serviceTimeMs", ServiceTime);
            WriteLatency(json, "schedulingLagMs", SchedulingLag);
            json.WriteStartArray("endpoints");
            foreach (var endpoint in Endpoints)
            {
                json.WriteStartObject();
                json.WriteString("path", endpoint.Path);
                json.WriteNumber("weight", endpoint.Weight);
                json.WriteNumber("sent", endpoint.Sent);
                json.WriteNumber("ok", endpoint.Ok);
                json.WriteNumber("errors", endpoint.Errors);
                json.WriteNumber("timeouts", endpoint.Timeouts);
                WriteLatency(json, "latencyMs", endpoint.Latency);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void AppendRow(StringBuilder text, string name, LatencySummary latency) =>
        text.AppendLine(CultureInfo.InvariantCulture,
            $"  {name,-34} {latency.Count,9:N0} {latency.P50,9:0.000} {latency.P90,9:0.000} {latency.P95,9:0.000} {latency.P99,9:0.000} {latency.P999,9:0.000} {latency.Max,9:0.000}");

    private static void WriteLatency(Utf8JsonWriter json, string name, LatencySummary latency)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", latency.Count);
        json.WriteNumber("p50", latency.P50);
        json.WriteNumber("p90", latency.P90);
        json.WriteNumber("p95", latency.P95);
        json.WriteNumber("p99", latency.P99);
        json.WriteNumber("p999", latency.P999);
        json.WriteNumber("max", latency.Max);
        json.WriteEndObject();
    }
}
