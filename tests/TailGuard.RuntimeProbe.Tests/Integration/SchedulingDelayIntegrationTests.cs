using System.Text.Json;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// Scheduling delay on a real process: checked against the target's own measure of its pool's queue wait (a timestamp taken
/// at ThreadPool.UnsafeQueueUserWorkItem and read when the item runs), and a deadlocked pool reported as such.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class SchedulingDelayIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_a_starvation_burst_the_scheduling_delay_reflects_the_queue_wait_the_target_measured()
    {
        await using var target = await TargetProcess.StartAsync();
        using var source = EventPipeLiveSource.Connect(target.Pid);
        var session = await LiveSession.StartAsync(source);

        var driver = new LoadDriver(target.Client, "/work?ms=5", loops: 8, pauseMs: 5);
        driver.Start();
        await target.PostAsync("/queue-wait/sample?everyMs=5&seconds=4");
        await Task.Delay(500);
        await target.PostAsync("/adversity/starve?items=16&sleepMs=700");
        await Task.Delay(3_800);
        await driver.StopAsync();
        var measured = await QueueWaitsAsync(target);
        var report = await session.StopAsync();
        Log(report, measured);

        var delay = report.ThreadPool.SchedulingDelayMs;
        Assert.NotNull(delay);
        Assert.True(measured.MaxMs >= 100, $"the burst starved the pool (the target measured a max queue wait of {measured.MaxMs} ms)");
        // The sampled items are among the probe's, so the probe's maximum is at least theirs (to the clocks' precision),
        // and the pool's queue is first in, first out, so no item waited much longer than the samples queued beside it.
        Assert.InRange(delay.Max, measured.MaxMs * 0.9, measured.MaxMs * 2 + 100);
        Assert.True(delay.P999 >= measured.MaxMs * 0.25, $"P99.9 {delay.P999} ms against a measured max of {measured.MaxMs} ms");
        var items = report.ThreadPool.WorkItems!;
        Assert.True(items.Paired >= measured.Count, $"{items.Paired} pairs for {measured.Count} sampled items");
        Assert.True(items.UnpairedEnqueues + items.UnpairedDequeues <= items.Paired * 0.01 + 10, "nearly every work item paired");
        Assert.NotEmpty(report.ThreadPool.StarvationEpisodes);
    }

    [Fact]
    public async Task A_deadlocked_pool_is_reported_as_starved_and_never_with_high_confidence()
    {
        // Two worker threads at most, and requests that block them on a task whose continuation needs a pool thread.
        await using var target = await TargetProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["DOTNET_ThreadPool_ForceMaxWorkerThreads"] = "2",
        });
        using var source = EventPipeLiveSource.Connect(target.Pid);
        var session = await LiveSession.StartAsync(source);

        using var hanging = new CancellationTokenSource();
        var requests = Enumerable.Range(0, 8)
            .Select(_ => target.Client.GetAsync("/blocking/sync-over-async?ms=50", hanging.Token))
            .ToList();
        await Task.Delay(4_000);
        var report = await session.StopAsync();
        Log(report, null);
        await hanging.CancelAsync();
        foreach (var request in requests)
        {
            try
            {
                (await request).Dispose();
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
            {
            }
        }

        Assert.NotEmpty(report.ThreadPool.StarvationEpisodes);
        Assert.NotEqual("high", report.Session.Confidence);
        Assert.True(report.ThreadPool.WorkItems!.QueuedAtEnd > 0);
        Assert.Contains(report.Session.Notes, n => n.StartsWith("The target looks deadlocked", StringComparison.Ordinal));
        Assert.Contains(report.Recommendations, r => r.Text.Contains("looks capped", StringComparison.Ordinal));
        // The environment's cap, read over the diagnostics channel, is reported and named.
        Assert.Equal(2, report.ThreadPool.ForcedMaxWorkerThreads);
        Assert.Contains(report.Recommendations, r => r.Text.Contains("caps the thread pool at 2 worker threads", StringComparison.Ordinal));
        // The stuck requests are the tail, at least as old as the session left them.
        Assert.True(report.Tail[0].Censored > 0, "the requests stuck in flight count in the tail");
        Assert.True(report.Tail[0].ThresholdMs >= 1_000, $"tail threshold {report.Tail[0].ThresholdMs} ms");
    }

    private static async Task<(int Count, double P99Ms, double MaxMs)> QueueWaitsAsync(TargetProcess target)
    {
        await Task.Delay(300);
        using var document = JsonDocument.Parse(await target.Client.GetStringAsync("/queue-wait/stats"));
        var root = document.RootElement;
        return (root.GetProperty("count").GetInt32(), root.GetProperty("p99Ms").GetDouble(), root.GetProperty("maxMs").GetDouble());
    }

    private void Log(Report report, (int Count, double P99Ms, double MaxMs)? measured)
    {
        output.WriteLine($"target measured: {measured}");
        output.WriteLine(ReportJson.Serialize(report with { Timeline = report.Timeline with { Points = [], Requests = [] } }));
    }
}
