using System.Globalization;
using TailGuard.RuntimeProbe.Tests.Integration;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>
/// <c>monitor</c> end to end: a real target goes through a calm phase, induced blocking gen2 GCs and a starved pool while a
/// real Prometheus server scrapes the monitor every second; what Prometheus stored is checked against the target's own
/// measure (GC.GetTotalPauseDuration) and against the phases.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class MonitorPrometheusTests(ITestOutputHelper output)
{
    private const string PauseSum = "sum(tailguard_gc_pause_duration_seconds_sum)";
    private const string StarvedSeconds = "sum(tailguard_thread_pool_starvation_seconds_total) or vector(0)";

    [PrometheusFact]
    public async Task Prometheus_reads_the_pause_histogram_as_the_target_measures_it_and_starvation_only_when_starved()
    {
        await using var target = await TargetProcess.StartAsync(heapMb: 40);
        var listen = $"127.0.0.1:{PrometheusServer.FreePort()}";
        await using var monitor = MonitorProcess.Start("-p", target.Pid.ToString(CultureInfo.InvariantCulture), "--prometheus", listen, "--window", "5s");
        await monitor.WaitServingAsync(listen);
        await using var prometheus = await PrometheusServer.StartAsync(listen);

        // Light traffic throughout, so requests and the pool's queue are measured in every phase.
        var load = new LoadDriver(target.Client, "/work?ms=2", loops: 2, pauseMs: 20);
        load.Start();

        // Calm: no induced GC, no blocked pool thread.
        await Task.Delay(3_000);
        var (pauseBefore, gen2Before) = await target.StatsAsync();
        var calmStart = await prometheus.SettledAsync(StarvedSeconds, TimeSpan.FromSeconds(10));
        var pauseStart = await prometheus.SettledAsync(PauseSum, TimeSpan.FromSeconds(10));

        // GC phase: blocking compacting gen2 collections over the 40 MB live heap.
        await target.PostAsync("/adversity/gc?count=5&gapMs=250");
        while ((await target.StatsAsync()).Gen2 < gen2Before + 5)
        {
            await Task.Delay(200);
        }

        await Task.Delay(1_000);
        var (pauseAfter, _) = await target.StatsAsync();
        var pauseEnd = await prometheus.SettledAsync(PauseSum, TimeSpan.FromSeconds(15));
        var calmEnd = await prometheus.QueryAsync(StarvedSeconds);

        var targetMs = pauseAfter - pauseBefore;
        var exportedMs = (pauseEnd - pauseStart) * 1000;
        output.WriteLine($"GC pauses over the phase: target {targetMs:F1} ms, Prometheus {exportedMs:F1} ms");
        Assert.True(targetMs > 50, $"The induced GCs paused the target only {targetMs:F1} ms.");
        Assert.True(Math.Abs(exportedMs - targetMs) <= targetMs * 0.10 + 20,
            $"Prometheus's pause sum {exportedMs:F1} ms is not within 10% (+20 ms) of the target's {targetMs:F1} ms.");
        output.WriteLine($"Starvation seconds in the calm and GC phases: {calmEnd - calmStart:F3}");
        Assert.Equal(0, calmEnd - calmStart);

        // Starved: 16 work items sleeping 1.5 s each on a 2-core machine's pool.
        await target.PostAsync("/adversity/starve?items=16&sleepMs=1500");
        var starved = 0.0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && starved <= 0;)
        {
            await Task.Delay(1_000);
            starved = await prometheus.QueryAsync(StarvedSeconds) - calmEnd;
        }

        output.WriteLine($"Starvation seconds in the starved phase: {starved:F3}");
        Assert.True(starved > 0, "Prometheus saw no starvation seconds in the starved phase. monitor: " + monitor.Error);
        Assert.True(await prometheus.QueryAsync("sum(tailguard_thread_pool_starvation_episodes_total)") >= 1);
        Assert.True(await prometheus.QueryAsync("sum(tailguard_http_server_request_duration_seconds_count{endpoint=\"GET /work\",method=\"GET\"})") > 0);
        Assert.True(await prometheus.QueryAsync("count(tailguard_thread_pool_scheduling_delay_seconds_bucket)") == 17);

        await load.StopAsync();
        var exit = await monitor.TerminateAsync();
        output.WriteLine(monitor.Error);
        Assert.Equal(0, exit);
        Assert.Contains("window", monitor.Error, StringComparison.Ordinal);
    }
}
