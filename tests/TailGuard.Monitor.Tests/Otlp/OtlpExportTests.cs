using OpenTelemetry.Metrics;
using AggregationTemporality = TailGuard.Monitor.Tests.Otlp.AggregationTemporality;
using TailGuard.Monitor.Tests.Otlp;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.Monitor.Tests;

/// <summary>
/// The monitor's metrics through the SDK's real OTLP/HTTP exporter to a loopback receiver that decodes the protobuf payload
/// with its own .proto: names, units, bucket boundaries in seconds, cumulative temporality, attributes and resource.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public void Metrics_arrive_in_seconds_cumulative_with_their_labels_and_resource()
    {
        using var receiver = OtlpReceiver.Start();
        using var metrics = new MonitorMetrics();
        metrics.SetTarget(4242);
        using var provider = MonitorExport.Build(new MonitorExportOptions
        {
            Otlp = receiver.Address,
            ServiceName = "Orders",
            // Pushed only when flushed below: each payload is one known state.
            OtlpInterval = TimeSpan.FromMinutes(10),
        });
        IMeasurementListener measurements = metrics;

        measurements.GcPause(1_000, 12.5, 2, "NonConcurrentGC", "Induced");
        measurements.SchedulingDelay(1_100, 3);
        measurements.RequestCompleted(1_200, "GET /orders", 40, totalMs: null);
        measurements.StarvationEpisode(2_000, 4_500, ongoing: false);
        Assert.True(provider.ForceFlush(10_000));
        measurements.GcPause(5_000, 30, 2, "NonConcurrentGC", "Induced");
        Assert.True(provider.ForceFlush(10_000));

        Assert.Empty(receiver.Problems);
        Assert.Equal(2, receiver.Received.Count);
        var last = Assert.Single(receiver.Received[^1].ResourceMetrics);
        Assert.Equal("Orders", Attribute(last.Resource.Attributes, "service.name"));
        Assert.Equal(Environment.MachineName, Attribute(last.Resource.Attributes, "host.name"));
        var scope = Assert.Single(last.ScopeMetrics);
        Assert.Equal(MetricNames.Meter, scope.Scope.Name);
        var byName = scope.Metrics.ToDictionary(m => m.Name);

        var pauses = byName[MetricNames.GcPauseDuration];
        Assert.Equal("s", pauses.Unit);
        Assert.Equal(AggregationTemporality.Cumulative, pauses.Histogram.AggregationTemporality);
        var point = Assert.Single(pauses.Histogram.DataPoints);
        Assert.Equal(MetricNames.SecondsBuckets, point.ExplicitBounds);
        // Cumulative: the second payload holds both pauses, not only the one since the first.
        Assert.Equal(2ul, point.Count);
        Assert.Equal(0.0425, point.Sum, 9);
        Assert.Equal(1ul, point.BucketCounts[7]); // 12.5 ms in (10 ms, 20 ms]
        Assert.Equal(1ul, point.BucketCounts[8]); // 30 ms in (20 ms, 50 ms]
        Assert.Equal("2", Attribute(point.Attributes, "generation"));
        Assert.Equal("NonConcurrentGC", Attribute(point.Attributes, "type"));
        Assert.Equal("Induced", Attribute(point.Attributes, "reason"));
        Assert.Equal("4242", Attribute(point.Attributes, "process.pid"));

        var requests = Assert.Single(byName[MetricNames.RequestDuration].Histogram.DataPoints);
        Assert.Equal(0.040, requests.Sum, 9);
        Assert.Equal("GET /orders", Attribute(requests.Attributes, "endpoint"));
        Assert.Equal("GET", Attribute(requests.Attributes, "method"));
        Assert.Equal(0.003, Assert.Single(byName[MetricNames.SchedulingDelay].Histogram.DataPoints).Sum, 9);

        var starvation = byName[MetricNames.StarvationTime];
        Assert.Equal("s", starvation.Unit);
        Assert.True(starvation.Sum.IsMonotonic);
        Assert.Equal(AggregationTemporality.Cumulative, starvation.Sum.AggregationTemporality);
        Assert.Equal(2.5, Assert.Single(starvation.Sum.DataPoints).AsDouble, 9);
        Assert.Equal(1, Assert.Single(byName[MetricNames.StarvationEpisodes].Sum.DataPoints).AsInt);
    }

    private static string? Attribute(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue;
}
