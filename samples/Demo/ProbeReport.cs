using System.Text.Json;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>For one tail percentile, the share of the requests above it that overlapped each cause (shares in [0, 1]).</summary>
internal sealed record TailShare(double Percentile, double ThresholdMs, long Requests, double GcPause, double Starvation, double Contention, double Unexplained);

internal sealed record BlockingSite(string Frame, long Count, string? Rule);

/// <summary>The parts of a <c>tailguard-report/1</c> document the demo prints. Times in milliseconds.</summary>
internal sealed record ProbeReport(
    long RequestCount,
    LatencySummary Latency,
    int GcPauseCount,
    double GcTotalPauseMs,
    double GcMaxPauseMs,
    int StarvationEpisodes,
    int MaxThreadCount,
    long EventsLost,
    IReadOnlyList<TailShare> Tail,
    IReadOnlyList<BlockingSite> BlockingSites)
{
    public const string Schema = "tailguard-report/1";

    /// <exception cref="InvalidDataException">The document is not a tailguard-report/1.</exception>
    public static ProbeReport Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var schema = root.TryGetProperty("schema", out var schemaElement) ? schemaElement.GetString() : null;
            if (schema != Schema)
            {
                throw new InvalidDataException($"expected schema {Schema}, found '{schema}'");
            }

            var requests = root.GetProperty("requests");
            var gc = root.GetProperty("gc");
            var threadPool = root.GetProperty("threadPool");
            return new ProbeReport(
                requests.GetProperty("count").GetInt64(),
                ReadLatency(requests.GetProperty("latencyMs"), requests.GetProperty("count").GetInt64()),
                gc.GetProperty("pauseCount").GetInt32(),
                gc.GetProperty("totalPauseMs").GetDouble(),
                gc.GetProperty("maxPauseMs").GetDouble(),
                threadPool.GetProperty("starvationEpisodes").GetArrayLength(),
                Optional(threadPool, "maxThreadCount") is { } threads ? (int)threads : 0,
                root.GetProperty("session").GetProperty("eventsLost").GetInt64(),
                root.GetProperty("tail").EnumerateArray().Select(ReadTail).ToArray(),
                root.TryGetProperty("blockingSites", out var sites)
                    ? sites.EnumerateArray().Select(site => new BlockingSite(
                        site.GetProperty("frame").GetString() ?? "?",
                        site.GetProperty("count").GetInt64(),
                        site.TryGetProperty("rule", out var rule) && rule.ValueKind == JsonValueKind.String ? rule.GetString() : null)).ToArray()
                    : []);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"not a readable {Schema} report: {exception.Message}", exception);
        }
    }

    private static LatencySummary ReadLatency(JsonElement latency, long count) => new(
        count,
        latency.GetProperty("p50").GetDouble(),
        latency.GetProperty("p90").GetDouble(),
        latency.GetProperty("p99").GetDouble(),
        latency.GetProperty("p999").GetDouble(),
        latency.GetProperty("max").GetDouble());

    private static TailShare ReadTail(JsonElement tail)
    {
        var share = tail.GetProperty("share");
        return new TailShare(
            tail.GetProperty("percentile").GetDouble(),
            tail.GetProperty("thresholdMs").GetDouble(),
            tail.GetProperty("requests").GetInt64(),
            share.GetProperty("gcPause").GetDouble(),
            share.GetProperty("threadPoolStarvation").GetDouble(),
            share.GetProperty("lockContention").GetDouble(),
            share.GetProperty("unexplained").GetDouble());
    }

    private static double? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
