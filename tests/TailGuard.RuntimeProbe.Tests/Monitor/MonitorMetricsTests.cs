using System.Diagnostics.Metrics;
using TailGuard.Monitor;
using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>The monitor's instruments as the trackers feed them, read with a MeterListener (the SDK's own path is tested against Prometheus).</summary>
public sealed class MonitorMetricsTests
{
    [Fact]
    public void Endpoints_past_the_64th_are_other_and_keep_their_method()
    {
        var labels = new EndpointLabels();
        for (var i = 0; i < EndpointLabels.MaxEndpoints; i++)
        {
            Assert.Equal(($"GET /items/{i}", "GET"), labels.Of($"GET /items/{i}"));
        }

        Assert.Equal((EndpointLabels.Other, "POST"), labels.Of("POST /items/new"));
        Assert.Equal(("GET /items/3", "GET"), labels.Of("GET /items/3"));
        Assert.Equal(("(kestrel)", ""), new EndpointLabels().Of("(kestrel)"));
    }

    [Fact]
    public void Measurements_are_recorded_in_seconds_with_their_labels()
    {
        var recorded = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MetricNames.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => recorded.Add((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => recorded.Add((i.Name, v, ToDictionary(tags))));
        listener.Start();

        using var metrics = new MonitorMetrics();
        metrics.SetTarget(4242);
        IMeasurementListener measurements = metrics;
        measurements.GcPause(100, 12.5, 2, "NonConcurrentGC", "Induced");
        measurements.SchedulingDelay(200, 3);
        measurements.RequestCompleted(300, "GET /orders", 40, totalMs: null);
        measurements.RequestCompleted(300, "GET /orders", 40, totalMs: 55);
        measurements.StarvationEpisode(1_000, 3_500, ongoing: false);

        Assert.Collection(recorded,
            r => AssertMeasurement(r, MetricNames.GcPauseDuration, 0.0125, ("generation", "2"), ("type", "NonConcurrentGC"), ("reason", "Induced")),
            r => AssertMeasurement(r, MetricNames.SchedulingDelay, 0.003),
            r => AssertMeasurement(r, MetricNames.RequestDuration, 0.040, ("endpoint", "GET /orders"), ("method", "GET")),
            r => AssertMeasurement(r, MetricNames.RequestDuration, 0.055, ("endpoint", "GET /orders"), ("method", "GET")),
            r => AssertMeasurement(r, MetricNames.StarvationTime, 2.5),
            r => AssertMeasurement(r, MetricNames.StarvationEpisodes, 1));
    }

    private static void AssertMeasurement(
        (string Instrument, double Value, Dictionary<string, object?> Tags) r, string instrument, double value, params (string, string)[] tags)
    {
        Assert.Equal(instrument, r.Instrument);
        Assert.Equal(value, r.Value, 9);
        Assert.Equal("4242", r.Tags[MetricNames.Pid]);
        foreach (var (name, expected) in tags)
        {
            Assert.Equal(expected, r.Tags[name]);
        }
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (key, value) in tags)
        {
            result[key] = value;
        }

        return result;
    }
}
