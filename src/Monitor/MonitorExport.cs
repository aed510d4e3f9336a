using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace TailGuard.Monitor;

/// <summary>Where the monitor exports its metrics: a Prometheus scrape endpoint, an OTLP/HTTP receiver, or both.</summary>
public sealed record MonitorExportOptions
{
    /// <summary><c>HOST:PORT</c> to serve <c>/metrics</c> at (Prometheus text format), or null.</summary>
    public string? Prometheus { get; init; }

    /// <summary>The OTLP/HTTP receiver's base address (<c>http://HOST:4318</c>; metrics go to <c>/v1/metrics</c>), or null.</summary>
    public Uri? Otlp { get; init; }

    /// <summary>How often metrics are pushed to the OTLP receiver.</summary>
    public TimeSpan OtlpInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The resource's <c>service.name</c>: the target's app name.</summary>
    public required string ServiceName { get; init; }
}

/// <summary>
/// Builds the OpenTelemetry SDK's meter provider over <see cref="MetricNames.Meter"/>: the resource (service.name of the
/// target, host.name), the histograms' bucket boundaries in seconds, and the exporters. Cumulative temporality for both
/// exporters: Prometheus is cumulative by nature, and a pushed series stays comparable across receivers that do not
/// accumulate deltas.
/// </summary>
public static class MonitorExport
{
    public const string ScrapePath = "/metrics";

    public static MeterProvider Build(MonitorExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource
                .AddService(options.ServiceName, serviceNamespace: "tailguard-monitor", autoGenerateServiceInstanceId: false)
                .AddAttributes([new KeyValuePair<string, object>("host.name", Environment.MachineName)]))
            .AddMeter(MetricNames.Meter);
        foreach (var histogram in MetricNames.Histograms)
        {
            builder.AddView(histogram, new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricNames.SecondsBuckets] });
        }

        if (options.Prometheus is { } listen)
        {
            builder.AddPrometheusHttpListener(prometheus =>
            {
                var colon = listen.LastIndexOf(':');
                prometheus.Host = listen[..colon].Trim('[', ']');
                prometheus.Port = int.Parse(listen.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture);
                prometheus.ScrapeEndpointPath = ScrapePath;
            });
        }

        if (options.Otlp is { } otlp)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                // An endpoint set in code is used as it is: the signal's path must be on it.
                exporter.Endpoint = new Uri(otlp, "v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpInterval.TotalMilliseconds;
            });
        }

        return builder.Build()!;
    }
}
