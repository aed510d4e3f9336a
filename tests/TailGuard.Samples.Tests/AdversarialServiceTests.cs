using System.Net;

namespace TailGuard.Samples.Tests;

public sealed class AdversarialServiceTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    public static TheoryData<string> Endpoints { get; } =
    [
        "/healthy",
        "/bad/sync-over-async", "/bad/sync-io", "/bad/cpu-loop", "/bad/loh-allocation", "/bad/bloated-state-machine",
        "/fixed/sync-over-async", "/fixed/sync-io", "/fixed/cpu-loop", "/fixed/loh-allocation", "/fixed/bloated-state-machine",
    ];

    [Fact]
    public void The_service_listens_on_a_free_loopback_port()
    {
        Assert.Equal("127.0.0.1", fixture.Service.BaseAddress.Host);
        Assert.NotEqual(0, fixture.Service.BaseAddress.Port);
        Assert.False(fixture.Service.HasExited);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_endpoint_answers(string path)
    {
        using var client = new HttpClient { BaseAddress = fixture.Service.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_endpoint_and_its_fix_give_the_same_answer()
    {
        using var client = new HttpClient { BaseAddress = fixture.Service.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        foreach (var path in new[] { "/cpu-loop", "/bloated-state-machine?seed=3", "/sync-io" })
        {
            var bad = await client.GetStringAsync("/bad" + path);
            var fixedAnswer = await client.GetStringAsync("/fixed" + path);
            Assert.Equal(bad, fixedAnswer);
        }
    }
}
