using System.Diagnostics;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Integration;

[Collection(LiveCollection.Name)]
public sealed class BlockingSitesIntegrationTests(ITestOutputHelper output)
{
    private const string Site = "SyncOverAsync.LoadReport";

    [Fact]
    public async Task Sync_over_async_in_a_handler_is_a_blocking_site_linked_to_TG1001_live_and_through_analyze()
    {
        await using var target = await TargetProcess.StartAsync();
        // Jitted before the session: resolving its frames then needs the rundown, not only the session's method loads.
        for (var i = 0; i < 3; i++)
        {
            await target.Client.GetStringAsync("/blocking/sync-over-async?ms=1");
        }

        var trace = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.nettrace");
        try
        {
            using var source = EventPipeLiveSource.Connect(target.Pid, trace, blockingSites: true);
            var session = await LiveSession.StartAsync(source);

            // More blocked handlers than cores: the pool starves while each request waits on .Result.
            var driver = new LoadDriver(target.Client, "/blocking/sync-over-async?ms=50", loops: 16, pauseMs: 0);
            driver.Start();
            await Task.Delay(2500);
            await driver.StopAsync();
            var stopping = Stopwatch.StartNew();
            var live = await session.StopAsync();
            output.WriteLine($"stop with rundown: {source.StopDuration?.TotalMilliseconds:F0} ms (StopAsync {stopping.ElapsedMilliseconds} ms)");
            output.WriteLine(ReportJson.Serialize(live with { Timeline = live.Timeline with { Points = [] } }));

            var site = Assert.Single(live.BlockingSites, s => s.Frame == Site);
            Assert.Equal("TG1001", site.Rule);
            Assert.Equal("Task<TResult>.Result", site.BlockingCall);
            Assert.True(site.Count >= driver.Completed / 2, $"{site.Count} blocking waits for {driver.Completed} requests");
            Assert.True(source.StopDuration < TimeSpan.FromSeconds(10), $"stopping took {source.StopDuration}");

            using var file = new NettraceFileSource(trace);
            var analyzed = await new ProbeRun(file).RunAsync(null, [], CancellationToken.None);

            Assert.Equal(live.BlockingSites, analyzed.BlockingSites);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task By_default_the_session_collects_no_blocking_sites()
    {
        await using var target = await TargetProcess.StartAsync();
        using var source = EventPipeLiveSource.Connect(target.Pid);
        var session = await LiveSession.StartAsync(source);
        var driver = new LoadDriver(target.Client, "/blocking/sync-over-async?ms=50", loops: 8, pauseMs: 0);
        driver.Start();
        await Task.Delay(1000);
        await driver.StopAsync();

        var report = await session.StopAsync();

        Assert.Empty(report.BlockingSites);
        Assert.True(report.Requests.Count > 0);
        Assert.DoesNotContain(report.Session.Notes, n => n.Contains("WaitHandleWait", StringComparison.Ordinal));
    }
}
