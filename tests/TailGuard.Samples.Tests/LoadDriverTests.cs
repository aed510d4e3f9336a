using System.Text.Json;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Tests;

public sealed class LoadDriverTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task The_driver_delivers_the_requested_rate_and_accounts_for_every_request()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 300,
            Duration = TimeSpan.FromSeconds(2),
            Mix = [new LoadTarget("/healthy", 8), new LoadTarget("/fixed/loh-allocation", 1), new LoadTarget("/fixed/cpu-loop", 1)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.Equal(600, result.Sent);
        Assert.Equal(result.Sent, result.Completed);
        Assert.Equal(result.Sent, result.Ok);
        Assert.Equal(result.Sent, result.Latency.Count);
        Assert.Equal(result.Sent, result.Endpoints.Sum(endpoint => endpoint.Sent));
        Assert.InRange(result.AchievedRatePerSecond, 300 * 0.9, 300 * 1.1);
        Assert.InRange(result.Endpoints[0].Sent, 600 * 0.8 * 0.85, 600 * 0.8 * 1.15);
    }

    [Fact]
    public async Task The_rate_holds_when_every_response_is_slow()
    {
        // 100 requests/s at 20 ms each: a closed loop over one connection would manage 50/s; an open loop keeps the schedule.
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 100,
            Duration = TimeSpan.FromSeconds(2),
            Mix = [new LoadTarget("/fixed/sync-over-async", 1)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.Equal(200, result.Ok);
        Assert.InRange(result.AchievedRatePerSecond, 90, 110);
        Assert.InRange(result.Latency.P50, 20, 1000);
    }

    [Fact]
    public async Task Requests_to_a_missing_path_count_as_errors_not_as_successes()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 100,
            Duration = TimeSpan.FromMilliseconds(500),
            Mix = [new LoadTarget("/healthy", 1), new LoadTarget("/no-such-path", 1)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.Equal(50, result.Sent);
        Assert.Equal(result.Sent, result.Ok + result.Errors);
        Assert.Equal(result.Endpoints[1].Sent, result.Endpoints[1].Errors);
        Assert.Equal(0, result.Endpoints[0].Errors);
    }

    [Fact]
    public async Task A_request_slower_than_the_timeout_counts_as_a_timeout_with_its_latency_recorded()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 20,
            Duration = TimeSpan.FromMilliseconds(250),
            Timeout = TimeSpan.FromMilliseconds(5),
            Mix = [new LoadTarget("/fixed/sync-over-async", 1)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.True(result.Timeouts == 5, $"sent {result.Sent}, ok {result.Ok}, errors {result.Errors}, timeouts {result.Timeouts}, latency max {result.Latency.Max} ms, service time P50 {result.ServiceTime.P50} ms");
        Assert.Equal(5, result.Latency.Count);
        Assert.True(result.Latency.P50 >= 5);
    }

    [Fact]
    public async Task Warm_up_requests_are_sent_first_and_left_out_of_the_counts_and_percentiles()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 100,
            Duration = TimeSpan.FromMilliseconds(500),
            Warmup = TimeSpan.FromMilliseconds(500),
            Mix = [new LoadTarget("/healthy", 1)],
        };
        using var driver = new OpenLoopLoadDriver();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await driver.RunAsync(plan);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"took {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(50, result.Sent);
        Assert.Equal(50, result.Ok);
        Assert.Equal(50, result.Latency.Count);
        Assert.InRange(result.SendingSeconds, 0.45, 0.75);
        Assert.Equal(500, JsonDocument.Parse(result.ToJson()).RootElement.GetProperty("warmupMs").GetDouble());
    }

    [Theory]
    [InlineData("2s")]
    [InlineData("0")]
    public void The_command_line_takes_a_warm_up(string warmup) =>
        Assert.Empty(LoadCommand.Create().Parse(["--target", "http://127.0.0.1:5000", "--warmup", warmup]).Errors);

    [Fact]
    public async Task The_json_report_carries_the_schema_counts_and_percentiles()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 50,
            Duration = TimeSpan.FromMilliseconds(200),
            Mix = [new LoadTarget("/healthy", 1)],
        };
        using var driver = new OpenLoopLoadDriver();
        var result = await driver.RunAsync(plan);

        using var json = JsonDocument.Parse(result.ToJson());

        var root = json.RootElement;
        Assert.Equal("tailguard-load/1", root.GetProperty("schema").GetString());
        Assert.Equal(10, root.GetProperty("sent").GetInt64());
        Assert.Equal(10, root.GetProperty("latencyMs").GetProperty("count").GetInt64());
        foreach (var percentile in new[] { "p50", "p90", "p99", "p999", "max" })
        {
            Assert.True(root.GetProperty("latencyMs").GetProperty(percentile).GetDouble() > 0);
        }

        Assert.Equal("/healthy", root.GetProperty("endpoints")[0].GetProperty("path").GetString());
        Assert.Contains("p99.9", result.ToText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthy=9", "/healthy", 9)]
    [InlineData("bad/cpu-loop=0.5", "/bad/cpu-loop", 0.5)]
    [InlineData("/fixed/sync-io", "/fixed/sync-io", 1)]
    [InlineData("/q?a=b=2", "/q?a=b", 2)]
    [InlineData("/work?ms=1", "/work?ms=1", 1)]
    [InlineData("/work?ms=1&n=2", "/work?ms=1&n=2", 1)]
    [InlineData("/work?ms=1&n=2=3", "/work?ms=1&n=2", 3)]
    public void A_mix_entry_parses_into_a_path_and_a_weight(string text, string path, double weight)
    {
        var target = LoadTarget.Parse(text);

        Assert.Equal(path, target.Path);
        Assert.Equal(weight, target.Weight);
    }

    [Theory]
    [InlineData("/healthy=0")]
    [InlineData("/healthy=-1")]
    [InlineData("/healthy=abc")]
    [InlineData("=3")]
    public void A_mix_entry_with_a_bad_weight_or_no_path_is_rejected(string text) =>
        Assert.Throws<FormatException>(() => LoadTarget.Parse(text));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("00:00:02", 2_000)]
    public void Durations_parse_with_units(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }
}
