using System.Text.Json;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Tests;

public sealed class LoadDriverBurstTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task A_burst_sends_its_requests_on_top_of_the_rate_and_times_them_from_the_burst_instant()
    {
        // The fixture's upstream answers after 20 ms: every burst request takes at least that from the burst's instant.
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 100,
            Duration = TimeSpan.FromSeconds(1),
            Mix = [new LoadTarget("/healthy", 1)],
            Bursts = [new LoadBurst(TimeSpan.FromMilliseconds(500), "/fixed/sync-over-async", 20)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.Equal(120, result.Sent);
        Assert.Equal(120, result.Ok);
        Assert.Equal(120, result.Latency.Count);
        Assert.InRange(result.AchievedRatePerSecond, 90, 110);
        var burst = Assert.Single(result.Endpoints, endpoint => endpoint.Path == "/fixed/sync-over-async");
        Assert.Equal(20, burst.Sent);
        Assert.Equal(0, burst.Weight);
        Assert.True(burst.Latency.P50 >= 20, $"burst P50 {burst.Latency.P50} ms");
        Assert.Equal(100, Assert.Single(result.Endpoints, endpoint => endpoint.Path == "/healthy").Sent);
    }

    [Fact]
    public async Task A_burst_to_a_path_of_the_mix_is_counted_in_that_paths_endpoint()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 50,
            Duration = TimeSpan.FromMilliseconds(400),
            Mix = [new LoadTarget("/healthy", 1)],
            Bursts = [new LoadBurst(TimeSpan.FromMilliseconds(100), "/healthy", 5), new LoadBurst(TimeSpan.Zero, "/healthy", 3)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        var endpoint = Assert.Single(result.Endpoints);
        Assert.Equal(28, endpoint.Sent);
        Assert.Equal(28, result.Ok);
        Assert.Equal(1, endpoint.Weight);
    }

    [Fact]
    public async Task The_warm_up_sends_no_burst()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 50,
            Duration = TimeSpan.FromMilliseconds(200),
            Warmup = TimeSpan.FromMilliseconds(200),
            Mix = [new LoadTarget("/healthy", 1)],
            Bursts = [new LoadBurst(TimeSpan.FromMilliseconds(100), "/healthy", 4)],
        };
        using var driver = new OpenLoopLoadDriver();

        var result = await driver.RunAsync(plan);

        Assert.Equal(14, result.Sent);
    }

    [Fact]
    public async Task The_json_report_carries_the_bursts_and_a_P95_between_P90_and_P99()
    {
        var plan = new LoadPlan
        {
            BaseAddress = fixture.Service.BaseAddress,
            RatePerSecond = 100,
            Duration = TimeSpan.FromMilliseconds(500),
            Mix = [new LoadTarget("/healthy", 1)],
            Bursts = [new LoadBurst(TimeSpan.FromMilliseconds(250), "/fixed/sync-io", 10)],
        };
        using var driver = new OpenLoopLoadDriver();
        var result = await driver.RunAsync(plan);

        using var json = JsonDocument.Parse(result.ToJson());

        var root = json.RootElement;
        var burst = Assert.Single(root.GetProperty("bursts").EnumerateArray());
        Assert.Equal("/fixed/sync-io", burst.GetProperty("path").GetString());
        Assert.Equal(10, burst.GetProperty("requests").GetInt32());
        Assert.Equal(250, burst.GetProperty("atMs").GetDouble());
        var latency = root.GetProperty("latencyMs");
        var p95 = latency.GetProperty("p95").GetDouble();
        Assert.InRange(p95, latency.GetProperty("p90").GetDouble(), latency.GetProperty("p99").GetDouble());
        Assert.Equal(result.Latency.P95, p95);
        Assert.Contains("p95", result.ToText(), StringComparison.Ordinal);
        Assert.Contains("Bursts on top of the rate: /fixed/sync-io=10@250ms", result.ToText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/bad/sync-io=48@2s", "/bad/sync-io", 48, 2_000)]
    [InlineData("bad/sync-io=3@500ms", "/bad/sync-io", 3, 500)]
    [InlineData("/healthy@0s", "/healthy", 1, 0)]
    [InlineData("/work?ms=1=4@1.5s", "/work?ms=1", 4, 1_500)]
    public void A_burst_parses_into_a_path_a_count_and_a_time(string text, string path, int requests, double atMs)
    {
        var burst = LoadBurst.Parse(text);

        Assert.Equal(path, burst.Path);
        Assert.Equal(requests, burst.Requests);
        Assert.Equal(atMs, burst.At.TotalMilliseconds);
    }

    [Theory]
    [InlineData("/bad/sync-io=48")]
    [InlineData("/bad/sync-io=48@soon")]
    [InlineData("/bad/sync-io=2.5@1s")]
    [InlineData("/bad/sync-io=0@1s")]
    [InlineData("=3@1s")]
    public void A_burst_without_a_time_or_with_a_bad_count_is_rejected(string text) =>
        Assert.Throws<FormatException>(() => LoadBurst.Parse(text));

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000)]
    [InlineData(5_000)]
    public void A_plan_rejects_a_burst_outside_its_run(double atMs)
    {
        var plan = new LoadPlan
        {
            BaseAddress = new Uri("http://127.0.0.1:1"),
            RatePerSecond = 10,
            Duration = TimeSpan.FromSeconds(1),
            Mix = [new LoadTarget("/healthy", 1)],
            Bursts = [new LoadBurst(TimeSpan.FromMilliseconds(atMs), "/healthy", 2)],
        };

        Assert.Throws<ArgumentException>(plan.Validate);
    }

    [Fact]
    public void The_command_line_takes_bursts() =>
        Assert.Empty(LoadCommand.Create().Parse(["--target", "http://127.0.0.1:5000", "--burst", "/bad/sync-io=48@2s", "-b", "/bad/sync-io=48@7s"]).Errors);
}
