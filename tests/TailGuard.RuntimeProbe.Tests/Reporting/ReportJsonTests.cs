using System.Text.Json;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Tests.Analysis;

namespace TailGuard.RuntimeProbe.Tests.Reporting;

public sealed class ReportJsonTests
{
    private static Report SampleReport() => new EventSequence()
        .Request(0, 5, "/a").Request(10, 30, "/b").Pause(12, 20, generation: 2)
        .Starvation(100).Contention(200, 210)
        .Run(endMs: 1000, slo: "p99<5ms");

    [Theory]
    [InlineData("schema")]
    [InlineData("target.pid")]
    [InlineData("target.processName")]
    [InlineData("target.runtimeVersion")]
    [InlineData("session.durationMs")]
    [InlineData("session.eventsLost")]
    [InlineData("requests.count")]
    [InlineData("requests.latencyMs.p50")]
    [InlineData("requests.latencyMs.p90")]
    [InlineData("requests.latencyMs.p99")]
    [InlineData("requests.latencyMs.p999")]
    [InlineData("requests.latencyMs.max")]
    [InlineData("requests.endpoints.0.name")]
    [InlineData("requests.endpoints.0.count")]
    [InlineData("requests.endpoints.0.latencyMs.p99")]
    [InlineData("gc.pauseCount")]
    [InlineData("gc.totalPauseMs")]
    [InlineData("gc.maxPauseMs")]
    [InlineData("gc.pauses.0.startMs")]
    [InlineData("gc.pauses.0.durationMs")]
    [InlineData("gc.pauses.0.generation")]
    [InlineData("gc.pauses.0.reason")]
    [InlineData("gc.pauses.0.type")]
    [InlineData("threadPool.starvationEpisodes.0.startMs")]
    [InlineData("threadPool.starvationEpisodes.0.endMs")]
    [InlineData("threadPool.starvationEpisodes.0.threadsInjected")]
    [InlineData("threadPool.maxQueueLength")]
    [InlineData("threadPool.maxThreadCount")]
    [InlineData("contention.count")]
    [InlineData("contention.totalWaitMs")]
    [InlineData("tail.0.percentile")]
    [InlineData("tail.0.thresholdMs")]
    [InlineData("tail.0.requests")]
    [InlineData("tail.0.share.gcPause")]
    [InlineData("tail.0.share.threadPoolStarvation")]
    [InlineData("tail.0.share.lockContention")]
    [InlineData("tail.0.share.unexplained")]
    [InlineData("tail.1.percentile")]
    [InlineData("blockingSites")]
    [InlineData("slo.rules.0")]
    [InlineData("slo.passed")]
    public void The_json_has_every_field_of_the_schema(string path)
    {
        using var document = JsonDocument.Parse(ReportJson.Serialize(SampleReport()));
        var element = document.RootElement;
        foreach (var part in path.Split('.'))
        {
            element = int.TryParse(part, out var index) ? element[index] : element.GetProperty(part);
        }

        Assert.NotEqual(JsonValueKind.Undefined, element.ValueKind);
    }

    [Fact]
    public void The_schema_is_versioned_and_the_times_are_milliseconds_from_the_session_start()
    {
        using var document = JsonDocument.Parse(ReportJson.Serialize(SampleReport()));
        var root = document.RootElement;

        Assert.Equal("tailguard-report/1", root.GetProperty("schema").GetString());
        Assert.Equal(1000, root.GetProperty("session").GetProperty("durationMs").GetDouble());
        Assert.Equal(12, root.GetProperty("gc").GetProperty("pauses")[0].GetProperty("startMs").GetDouble());
        Assert.Equal(99.9, root.GetProperty("tail")[1].GetProperty("percentile").GetDouble());
    }

    [Fact]
    public void A_report_survives_a_round_trip()
    {
        var report = SampleReport();

        var copy = ReportJson.Deserialize(ReportJson.Serialize(report));

        Assert.Equal(ReportJson.Serialize(report), ReportJson.Serialize(copy));
    }

    [Fact]
    public void A_document_of_another_schema_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => ReportJson.Deserialize("""{ "schema": "tailguard-report/2" }"""));
        Assert.Throws<InvalidDataException>(() => ReportJson.Deserialize("not json"));
    }
}
