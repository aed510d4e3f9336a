using System.Text.Json;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Tests.Analysis;

/// <summary>The report detail the HTML charts draw: percentile distributions, listed requests and contention windows.</summary>
public sealed class ChartDetailTests
{
    private static Report ThousandRequests()
    {
        var events = new EventSequence();
        for (var i = 1; i <= 1000; i++)
        {
            events.Request(i * 2000, i * 2000 + i, i % 100 == 0 ? "/rare" : "/common");
        }

        return events.Run(endMs: 2_100_000);
    }

    [Fact]
    public void The_distribution_has_ten_points_per_decade_of_one_over_one_minus_p_then_the_maximum()
    {
        var distribution = ThousandRequests().Requests.Distribution;

        // 1,000 requests resolve three decades (up to 99.9%): k = 0..30, then the maximum at 100.
        Assert.Equal(32, distribution.Count);
        Assert.Equal(0, distribution[0].Percentile);
        Assert.Equal(90, distribution[10].Percentile, 6);
        Assert.Equal(99, distribution[20].Percentile, 6);
        Assert.Equal(99.9, distribution[30].Percentile, 6);
        Assert.Equal(100, distribution[^1].Percentile);
        Assert.Equal(1000, distribution[^1].ValueMs);
        Assert.InRange(distribution[10].ValueMs, 899.5, 901);
        Assert.InRange(distribution[20].ValueMs, 989.5, 991);
        Assert.All(distribution.Zip(distribution.Skip(1)), pair =>
        {
            Assert.True(pair.Second.Percentile > pair.First.Percentile);
            Assert.True(pair.Second.ValueMs >= pair.First.ValueMs);
        });
    }

    [Fact]
    public void Each_endpoint_has_its_own_distribution_as_deep_as_its_count_resolves()
    {
        var endpoints = ThousandRequests().Requests.Endpoints;

        var common = endpoints.Single(e => e.Name == "GET /common");
        var rare = endpoints.Single(e => e.Name == "GET /rare");
        Assert.Equal(10, rare.Count);
        Assert.Equal(12, rare.Distribution.Count);
        Assert.Equal(90, rare.Distribution[^2].Percentile, 6);
        Assert.Equal(1000, rare.Distribution[^1].ValueMs);
        Assert.Equal(990, common.Count);
        Assert.Equal(31, common.Distribution.Count);
        Assert.Equal(999, common.Distribution[^1].ValueMs);
    }

    [Fact]
    public void A_session_with_few_requests_lists_each_in_time_order()
    {
        var report = new EventSequence()
            .Request(300, 310, "/b")
            .Request(100, 150, "/a?secret=1")
            .Request(200, 201, "/a")
            .Run(endMs: 1000);

        Assert.Equal([100.0, 200, 300], report.Timeline.Requests.Select(r => r.StartMs));
        Assert.Equal([50.0, 1, 10], report.Timeline.Requests.Select(r => r.DurationMs));
        Assert.Equal(["GET /a", "GET /a", "GET /b"], report.Timeline.Requests.Select(r => r.Endpoint));
    }

    [Fact]
    public void Past_the_limit_no_request_is_listed_and_the_interval_percentiles_remain()
    {
        var events = new EventSequence();
        for (var i = 0; i < 6; i++)
        {
            events.Request(i * 100, i * 100 + 5);
        }

        var report = events.Run(endMs: 1000, options: new CorrelatorOptions { MaxTimelineRequests = 5 });

        Assert.Empty(report.Timeline.Requests);
        Assert.Equal(6, report.Timeline.Points.Sum(p => p.Count));
    }

    [Fact]
    public void Contention_windows_keep_the_longest_in_time_order()
    {
        var events = new EventSequence()
            .Contention(100, 101)
            .Contention(200, 230)
            .Contention(300, 310, thread: 8)
            .Contention(400, 450);

        var report = events.Run(endMs: 1000, options: new CorrelatorOptions { MaxContentionWindowsListed = 3 });

        Assert.Equal(4, report.Contention.Count);
        Assert.Equal([200.0, 300, 400], report.Contention.Windows.Select(w => w.StartMs));
        Assert.Equal([30.0, 10, 50], report.Contention.Windows.Select(w => w.DurationMs));
    }

    [Fact]
    public void The_detail_is_in_the_json_under_new_names_only()
    {
        var report = new EventSequence().Request(0, 5).Contention(1, 2).Run(endMs: 100);

        using var document = JsonDocument.Parse(ReportJson.Serialize(report));
        var root = document.RootElement;

        Assert.Equal(JsonValueKind.Array, root.GetProperty("requests").GetProperty("distribution").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("requests").GetProperty("endpoints")[0].GetProperty("distribution")[0].GetProperty("valueMs").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("timeline").GetProperty("requests")[0].GetProperty("durationMs").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("contention").GetProperty("windows")[0].GetProperty("startMs").ValueKind);
        Assert.Equal("tailguard-report/1", root.GetProperty("schema").GetString());
    }
}
